import { describe, expect, it } from 'vitest';
import { describeRule, describeSenderRule } from '../../renderer/src/lib/rules.ts';

describe('describeRule', () => {
  it("says the UI's two kinds of rule as the user made them", () => {
    expect(describeRule({ headersRegexp: { '^list-id$': 'lists\\.example\\.org' }, listAllowDomain: 'lists.example.org', isForward: false })).toBe(
      'Mailing lists at lists.example.org: accepted when verified',
    );
    expect(describeRule({ verifiedDomain: 'forwarder.example.net', isForward: true })).toBe(
      'Mail verified for forwarder.example.net (SPF or DKIM): judged as forwarded to you, not by the forwarder’s IP address nor DMARC',
    );
  });

  it('says any other rule by what it matches and what it does', () => {
    expect(describeRule({ msgFromRegexp: '@shop\\.example$', mailbox: 'Shopping', acceptRejectsToMailbox: 'Shopping/Junk', isForward: false })).toBe(
      'Mail from an address matching @shop\\.example$: delivered into Shopping; its rejects kept in Shopping/Junk',
    );
    expect(describeRule({ headersRegexp: { '^x-team$': 'ops' }, isForward: false })).toBe('Mail with a header ^x-team$ of ops');
  });
});

describe('describeSenderRule', () => {
  it('says whom the rule names and what it does', () => {
    expect(describeSenderRule({ sender: 'alice@example.com', action: 'allow' })).toBe('Always accept mail from alice@example.com');
    expect(describeSenderRule({ sender: 'example.com', action: 'block' })).toBe('Always reject mail from everyone at example.com');
  });
});
