import type { CommandResults } from '../../../src/api/contract.ts';

export type Ruleset = CommandResults['settings.get']['rulesets'][number];
export type SenderRule = CommandResults['senderRules.list'][number];

/** Whom a sender rule names, in words: the address, or everyone at a domain (docs/sender-rules.md). */
export function senderWords(sender: string): string {
  return sender.includes('@') ? sender : `everyone at ${sender}`;
}

/** A sender rule in words: "Always accept mail from alice@example.com". */
export function describeSenderRule(r: SenderRule): string {
  return `Always ${r.action === 'allow' ? 'accept' : 'reject'} mail from ${senderWords(r.sender)}`;
}

/** A rule in words: what mail it matches, then what it does (the UI's two kinds read as such). */
export function describeRule(r: Ruleset): string {
  if (r.listAllowDomain) return `Mailing lists at ${r.listAllowDomain}: accepted when verified${r.mailbox ? `, into ${r.mailbox}` : ''}`;
  const matches = [
    r.verifiedDomain && `verified for ${r.verifiedDomain} (SPF or DKIM)`,
    r.msgFromRegexp && `from an address matching ${r.msgFromRegexp}`,
    r.mailFromRegexp && `with a return path matching ${r.mailFromRegexp}`,
    ...Object.entries(r.headersRegexp ?? {}).map(([name, value]) => `with a header ${name} of ${value}`),
  ].filter(Boolean);
  const what = `Mail ${matches.length > 0 ? matches.join(', ') : 'of any kind'}`;
  const does = [
    r.isForward && 'judged as forwarded to you, not by the forwarder’s IP address nor DMARC',
    r.mailbox && `delivered into ${r.mailbox}`,
    r.acceptRejectsToMailbox && `its rejects kept in ${r.acceptRejectsToMailbox}`,
  ].filter(Boolean);
  return does.length > 0 ? `${what}: ${does.join('; ')}` : what;
}
