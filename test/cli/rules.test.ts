import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runWarden } from '../helpers/warden.ts';

/** `warden rules`: the allow and block list, kept in the data folder's SQLite file and applied by the analysis. */

let data: string;
const warden = (...args: string[]) => runWarden(['--data-dir', data, ...args]);
const list = () => warden('rules', 'list', '--json').stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown);

beforeEach(() => {
  data = mkdtempSync(join(tmpdir(), 'warden-rules-'));
});

afterEach(() => rmSync(data, { recursive: true, force: true }));

// Each step is a process of its own: generous, so a loaded machine passes.
describe('warden rules', { timeout: 90_000 }, () => {
  it('allows and blocks addresses and domains, replaces and removes rules, and the analysis follows them', () => {
    const allowed = warden('rules', 'allow', 'Bob@Example.test', '@news.example.test');
    expect(allowed.stdout).toBe('Mail from bob@example.test is always accepted.\nMail from everyone at news.example.test and its subdomains is always accepted.\n');
    expect(warden('rules', 'block', 'example.test').status).toBe(0);
    const replaced = warden('rules', 'block', 'news.example.test');
    expect(replaced.stdout).toBe('Mail from everyone at news.example.test and its subdomains is always rejected (instead of always accepted).\n');
    expect(warden('rules', 'list').stdout).toBe('allow  bob@example.test\nblock  example.test\nblock  news.example.test\n');

    const mail = (from: string) => {
      const file = join(data, `${from}.eml`);
      writeFileSync(file, `From: ${from}\r\nTo: me@home.test\r\nSubject: hello\r\n\r\nhello there\r\n`);
      return file;
    };
    const analysed = warden('analyze', '--offline', '--json', mail('bob@example.test'), mail('eve@example.test'), mail('weekly@mail.news.example.test'), mail('amy@other.test'));
    expect(analysed.status).toBe(0);
    const decisions = analysed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { accept: boolean; reason: string; evidence: { senderRule: unknown } });
    expect(decisions.map((d) => [d.accept, d.reason])).toEqual([[true, 'sender-allow'], [false, 'sender-block'], [false, 'sender-block'], [true, 'no-bad-signals']]);
    expect(decisions[1]!.evidence.senderRule).toEqual({ sender: 'example.test', action: 'block', decided: true, text: 'you always reject mail from everyone at example.test' });

    const removed = warden('rules', 'remove', 'EXAMPLE.test');
    expect(removed.stdout).toBe('Removed the rule for example.test: its mail was always rejected, and is analysed like any other now.\n');
    expect(list()).toEqual([{ sender: 'bob@example.test', action: 'allow' }, { sender: 'news.example.test', action: 'block' }]);
  });

  it('refuses what is not a sender, or a rule that is not there, saying what to give, and keeps the rules', () => {
    expect(warden('rules', 'list').stdout).toBe('No rules: warden rules allow SENDER, or warden rules block SENDER, adds one.\n');
    expect(warden('rules', 'allow', 'friend.test').status).toBe(0);
    const bad = warden('rules', 'block', 'spam.test', 'https://spam.test/');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe('warden: invalid sender rule: sender: "https://spam.test/" is neither an email address nor a domain: give one like alice@example.com, or example.com for everyone there\n');
    const missing = warden('rules', 'remove', 'nobody.test');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('warden: there is no rule for nobody.test: the rules are for friend.test, spam.test\n');
    expect(list()).toEqual([{ sender: 'friend.test', action: 'allow' }, { sender: 'spam.test', action: 'block' }]);
  });
});
