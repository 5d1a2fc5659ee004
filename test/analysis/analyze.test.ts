import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { AnalysisFailure, analyze, type AnalysisInput } from '../../src/analysis/analyze.ts';
import { analysisSettingsSchema } from '../../src/analysis/settings.ts';
import { subjectpassToken } from '../../src/analysis/subjectpass.ts';
import type { AuthResults } from '../../src/auth/results.ts';
import type { MessageFacts } from '../../src/mail/facts.ts';
import type { Reputation } from '../../src/reputation/reputation.ts';

/** Unit tests of the decision flow alone: every lookup is a plain function here. */

const NOW = Date.UTC(2026, 10, 24);

const facts = (over: Partial<MessageFacts> = {}): MessageFacts => ({
  fingerprint: 'f'.repeat(64),
  messageId: 'm1@sender.test',
  from: { local: 'alice', domain: 'sender.test' },
  to: [{ local: 'bob', domain: 'example.test' }],
  cc: [],
  bcc: [],
  mailFrom: { local: 'bounce', domain: 'sender.test' },
  deliveredTo: undefined,
  listId: '',
  rawSubject: 'hello',
  subject: 'hello',
  date: new Date(NOW),
  received: [],
  boundary: { index: 0, ip: '198.51.100.7', ehlo: 'mx.sender.test', tls: true },
  ...over,
});

const auth = (over: Partial<AuthResults> = {}): AuthResults => ({
  checked: true,
  spf: { result: 'pass', identity: 'mailfrom', domain: 'sender.test' },
  dkim: [],
  dkimDomains: [],
  dmarc: { result: 'pass', policy: 'reject', use: true, reject: false, domain: 'sender.test' },
  arc: { result: 'none' },
  iprev: { result: 'pass', names: ['mx.sender.test'] },
  mailFromValidated: true,
  ehloValidated: false,
  fromValidation: 'strict',
  ...over,
});

const none: Reputation = { junk: undefined, conclusive: false, method: 'none', text: 'nothing', counted: [] };

function input(over: Partial<Omit<AnalysisInput, 'settings'>> & { settings?: Record<string, unknown>; probability?: number; significant?: boolean } = {}): AnalysisInput {
  const { probability = 0.1, significant = true, settings = {}, ...rest } = over;
  return {
    facts: facts(),
    headers: [],
    auth: auth(),
    settings: v.parse(analysisSettingsSchema, { jitter: 0, ...settings }),
    classify: () => ({ probability, significant, hams: [['hello', 0.1]], spams: [['cheap', 0.9]] }),
    reputation: () => none,
    readReport: () => Promise.resolve({ problem: 'no report attached' }),
    dnsbl: () => Promise.resolve({ zone: '', result: 'pass', explanation: '' }),
    subjectpassKey: () => 'key',
    random: () => 0.5,
    now: NOW,
    ...rest,
  };
}

const decide = (i: AnalysisInput) => analyze(i, { threshold: 0.95, configured: 0.95, ham: 0 });

describe('analyze: the decision flow of docs/analysis.md section 2.2', () => {
  it('accepts with no bad signals, scored by content', async () => {
    const d = await decide(input());
    expect(d).toMatchObject({ accept: true, reason: 'no-bad-signals', mailbox: 'INBOX', isReject: false, score: 0.1 });
    expect(d.evidence.junk?.words).toContainEqual(['cheap', 0.9]);
  });

  it('step 2: list-allow needs exactly the verified domain', async () => {
    const settings = { rulesets: [{ headersRegexp: { '^list-id$': 'list\\.test' }, listAllowDomain: 'list.test' }] };
    const headers = [{ name: 'list-id', value: '<announce.list.test>' }];
    const verified = input({ settings, headers, auth: auth({ dkimDomains: ['list.test'] }), probability: 0.99 });
    expect(await decide(verified)).toMatchObject({ accept: true, reason: 'list-allow', mailingList: true, score: 0 });
    const sub = input({ settings, headers, auth: auth({ dkimDomains: ['sub.list.test'] }), probability: 0.99 });
    expect(await decide(sub)).toMatchObject({ accept: false, reason: 'junk-content' });
  });

  it('step 3: a forwarding ruleset disables DMARC and IP reputation', async () => {
    let seen: string[] = [];
    const i = input({
      settings: { rulesets: [{ verifiedDomain: 'forwarder.test', isForward: true }] },
      auth: auth({ dkimDomains: ['forwarder.test', 'sender.test'], dmarc: { result: 'fail', policy: 'reject', use: true, reject: true, domain: 'sender.test' } }),
      reputation: (_mailbox, sender) => {
        seen = [...sender.ipMasked, sender.ehloDomain, ...sender.dkimDomains];
        return none;
      },
    });
    const d = await decide(i);
    expect(d).toMatchObject({ accept: true, forwarded: true, origDkimDomains: ['forwarder.test', 'sender.test'] });
    expect(seen).toEqual(['', '', '', '', 'sender.test']);
  });

  it('step 5: DMARC reject when the policy applies', async () => {
    const fail = { result: 'fail' as const, policy: 'quarantine' as const, use: true, reject: true, domain: 'sender.test' };
    expect(await decide(input({ auth: auth({ dmarc: fail }) }))).toMatchObject({ accept: false, reason: 'dmarc-policy', mailbox: 'Rejects', destined: 'INBOX' });
    // pct sampling left the message out.
    expect(await decide(input({ auth: auth({ dmarc: { ...fail, use: false } }) }))).toMatchObject({ accept: true });
  });

  it('step 4: a ruleset can keep its rejects in a mailbox of its own', async () => {
    const d = await decide(input({ settings: { rulesets: [{ msgFromRegexp: '@sender\\.test$', mailbox: 'Lists', acceptRejectsToMailbox: 'Lists/rejects' }] }, probability: 0.99 }));
    expect(d).toMatchObject({ accept: false, mailbox: 'Lists/rejects', destined: 'Lists', isReject: true });
  });

  it('step 11: conclusive reputation decides before content', async () => {
    const good: Reputation = { junk: false, conclusive: true, method: 'msgfromfull', text: 'good', counted: [] };
    expect(await decide(input({ reputation: () => good, probability: 0.999 }))).toMatchObject({ accept: true, reason: 'msgfromfull', score: 0 });
    const bad: Reputation = { junk: true, conclusive: true, method: 'ip1', text: 'bad', counted: [] };
    expect(await decide(input({ reputation: () => bad }))).toMatchObject({ accept: false, reason: 'ip1', score: 1 });
  });

  it('the reputation is asked for the ruleset mailbox', async () => {
    let asked = '';
    await decide(input({ settings: { rulesets: [{ mailFromRegexp: 'bounce@', mailbox: 'Archive' }] }, reputation: (m) => ((asked = m), none) }));
    expect(asked).toBe('Archive');
  });

  it('deviation: without authentication checks, From reputation only leans', async () => {
    const offline = auth({ checked: false, fromValidation: 'none', spf: { result: 'not-checked', identity: '', domain: '' }, iprev: { result: 'not-checked', names: [] } });
    const domain: Reputation = { junk: true, conclusive: true, method: 'msgfromdomain', text: 'bad domain', counted: [] };
    const d = await decide(input({ auth: offline, reputation: () => domain, probability: 0.2 }));
    expect(d).toMatchObject({ accept: true, reason: 'no-bad-signals', score: 0.2 });
    expect(d.evidence.reputation).toMatchObject({ method: 'msgfromdomain', junk: true, conclusive: false });
    // Checked and still conclusive; and IP reputation is not about the From address.
    expect(await decide(input({ reputation: () => domain }))).toMatchObject({ accept: false, reason: 'msgfromdomain' });
    const ip: Reputation = { junk: true, conclusive: true, method: 'ip1', text: 'bad ip', counted: [] };
    expect(await decide(input({ auth: offline, reputation: () => ip }))).toMatchObject({ accept: false, reason: 'ip1' });
  });

  it('deviation: mailing-list mail neither gets nor gives IP reputation', async () => {
    let masks: string[] = [];
    const d = await decide(input({ facts: facts({ listId: 'announce.list.test' }), reputation: (_m, sender) => ((masks = sender.ipMasked), none) }));
    expect(masks).toEqual(['', '', '']);
    expect(d.sender.ipMasked).toEqual(['', '', '']);
    await decide(input({ reputation: (_m, sender) => ((masks = sender.ipMasked), none) }));
    expect(masks).toEqual(['198.51.100.7', '198.51.100.0', '198.51.96.0']);
  });

  it('step 13: SPF fail without an address signal rejects; not checked is no signal', async () => {
    const spfFail = auth({ spf: { result: 'softfail', identity: 'mailfrom', domain: 'sender.test' }, mailFromValidated: false });
    expect(await decide(input({ auth: spfFail }))).toMatchObject({ accept: false, reason: 'spf-policy' });
    const fromRep: Reputation = { junk: undefined, conclusive: false, method: 'msgfromdomain', text: 'mixed', counted: [] };
    expect(await decide(input({ auth: spfFail, reputation: () => fromRep }))).toMatchObject({ accept: true });
    const offline = auth({ checked: false, spf: { result: 'not-checked', identity: '', domain: '' }, iprev: { result: 'not-checked', names: [] } });
    expect(await decide(input({ auth: offline, probability: 0.5 }))).toMatchObject({ accept: true, reason: 'no-bad-signals' });
  });

  it('step 14: a missing reverse name with a junk lean rejects; otherwise the threshold drops to 0.25', async () => {
    const noPtr = auth({ iprev: { result: 'permerror', names: [] } });
    const lean: Reputation = { junk: true, conclusive: false, method: 'ip2', text: 'junk lean', counted: [] };
    expect(await decide(input({ auth: noPtr, reputation: () => lean }))).toMatchObject({ accept: false, reason: 'iprev' });
    const d = await decide(input({ auth: noPtr, probability: 0.3 }));
    expect(d).toMatchObject({ accept: false, reason: 'junk-content-strict' });
    expect(d.evidence.junk?.threshold).toBe(0.25);
    // An insignificant filter still rejects when iprev is suspicious (mox at H).
    expect(await decide(input({ auth: noPtr, probability: 0.5, significant: false }))).toMatchObject({ accept: false });
  });

  it('step 15: a valid subject-pass token accepts; an expired one does not', async () => {
    const from = { local: 'alice', domain: 'sender.test' };
    const token = subjectpassToken(from, 'key', NOW - 3_600_000);
    const withToken = facts({ rawSubject: `Re: hello ${token}` });
    expect(await decide(input({ facts: withToken, probability: 0.99 }))).toMatchObject({ accept: true, reason: 'subjectpass' });
    const expired = await decide(input({ facts: withToken, probability: 0.99, settings: { subjectpassHours: 0.5 } }));
    expect(expired).toMatchObject({ accept: false, reason: 'junk-content' });
    expect(expired.evidence.subjectpass).toBe('expired');
    const otherFrom = await decide(input({ facts: facts({ rawSubject: token, from: { local: 'mallory', domain: 'sender.test' } }), probability: 0.99 }));
    expect(otherFrom.evidence.subjectpass).toBe('invalid');
  });

  it('step 16: the content threshold, its jitter, and the stricter cases', async () => {
    expect(await decide(input({ probability: 0.96 }))).toMatchObject({ accept: false, reason: 'junk-content', score: 0.96 });
    // jitter 0.05 with random 0.99 moves the threshold to about 0.999.
    const jittered = await decide(input({ probability: 0.96, settings: { jitter: 0.05 }, random: () => 0.99 }));
    expect(jittered).toMatchObject({ accept: true });
    // The evidence keeps the setting beside the threshold it became, for the UI to explain.
    expect(jittered.evidence.junk).toMatchObject({ threshold: 0.95 + 0.05 * 0.98, configured: 0.95 });
    // Under 50 trained ham the filter does not reject.
    expect(await decide(input({ probability: 0.99, significant: false }))).toMatchObject({ accept: true });
    const plain = facts({ boundary: { index: 0, ip: '198.51.100.7', ehlo: 'mx.sender.test', tls: false } });
    // mox at H's plaintext and recipient rules: off by default, on when asked.
    expect(await decide(input({ facts: plain, probability: 0.3 }))).toMatchObject({ accept: true });
    const strict = { strictPlaintext: true, strictRecipient: true };
    expect(await decide(input({ facts: plain, probability: 0.3, settings: strict }))).toMatchObject({ accept: false, reason: 'junk-content-strict' });
    const bcc = facts({ deliveredTo: { local: 'bob', domain: 'other.test' } });
    expect(await decide(input({ facts: bcc, probability: 0.3 }))).toMatchObject({ accept: true });
    expect(await decide(input({ facts: bcc, probability: 0.3, settings: strict }))).toMatchObject({ accept: false, reason: 'junk-content-strict' });
    const toMe = facts({ deliveredTo: { local: 'BOB', domain: 'example.test' } });
    expect(await decide(input({ facts: toMe, probability: 0.3, settings: strict }))).toMatchObject({ accept: true });
  });

  it('step 16: a threshold fitted on the training replaces the setting, and the evidence says on what; the stricter 0.25 stays', async () => {
    const fit = { threshold: 0.5, configured: 0.95, ham: 400, highest: 0.33 };
    const d = await analyze(input({ probability: 0.7 }), fit);
    expect(d).toMatchObject({ accept: false, reason: 'junk-content', text: 'the content looks like junk (0.700 > 0.500)' });
    expect(d.evidence.junk).toMatchObject({ threshold: 0.5, configured: 0.95, fitted: { threshold: 0.5, ham: 400, highest: 0.33 } });
    expect(await analyze(input({ probability: 0.45 }), fit)).toMatchObject({ accept: true });
    // Not fitted: no such evidence.
    expect((await decide(input({ probability: 0.7 }))).evidence.junk).not.toHaveProperty('fitted');
    const noPtr = auth({ iprev: { result: 'permerror', names: [] } });
    expect(await analyze(input({ auth: noPtr, probability: 0.3 }), fit)).toMatchObject({ accept: false, reason: 'junk-content-strict' });
  });

  it('the unsure band (opt-in): an accept scored from unsureFrom up to the threshold is marked unsure, nothing else changes', async () => {
    const on = { unsure: true };
    // Off by default: the same score is a plain accept.
    const off = await decide(input({ probability: 0.62 }));
    expect(off).toMatchObject({ accept: true, text: 'nothing suspicious found' });
    expect(off.unsure).toBeUndefined();
    const d = await decide(input({ probability: 0.62, settings: on }));
    expect(d).toMatchObject({ accept: true, reason: 'no-bad-signals', mailbox: 'INBOX', isReject: false, unsure: true, score: 0.62 });
    expect(d.text).toBe('unsure: junk 62%, between 50% and 95%');
    expect(d.evidence.junk).toMatchObject({ unsure: { from: 0.5, to: 0.95 } });
    // The band's lower end is the setting; its upper end the threshold after jitter.
    expect(await decide(input({ probability: 0.62, settings: { ...on, unsureFrom: 0.7 } }))).not.toHaveProperty('unsure');
    const jittered = await decide(input({ probability: 0.955, settings: { ...on, jitter: 0.05 }, random: () => 0.99 }));
    expect(jittered.text).toBe('unsure: junk 95.5%, between 50% and 99.9%');
    // Above the threshold it is still a reject; an insignificant filter is never unsure.
    expect(await decide(input({ probability: 0.96, settings: on }))).toMatchObject({ accept: false, reason: 'junk-content' });
    expect(await decide(input({ probability: 0.9, significant: false, settings: on }))).not.toHaveProperty('unsure');
    // A conclusive reputation decides without the content filter: not unsure.
    const good: Reputation = { junk: false, conclusive: true, method: 'msgfromfull', text: 'known', counted: [] };
    expect(await decide(input({ probability: 0.9, settings: on, reputation: () => good }))).not.toHaveProperty('unsure');
  });

  it('step 17: block lists only for mail that would be accepted', async () => {
    let asked = 0;
    const dnsbl = () => (asked++, Promise.resolve({ zone: 'dnsbl.test', result: 'fail' as const, explanation: 'listed' }));
    const settings = { dnsblZones: ['dnsbl.test'] };
    expect(await decide(input({ settings, dnsbl }))).toMatchObject({ accept: false, reason: 'dns-blocklisted' });
    await decide(input({ settings, dnsbl, probability: 0.99 }));
    expect(asked).toBe(1);
  });

  it('step 17: forwarded and List-Id mail is looked up by its connecting IP, though kept out of IP reputation', async () => {
    const asked: string[] = [];
    const dnsbl = (ip: string) => (asked.push(ip), Promise.resolve({ zone: 'dnsbl.test', result: 'fail' as const, explanation: '' }));
    const forwarding = { dnsblZones: ['dnsbl.test'], rulesets: [{ verifiedDomain: 'forwarder.test', isForward: true }] };
    const forwarded = await decide(input({ settings: forwarding, auth: auth({ dkimDomains: ['forwarder.test'] }), dnsbl }));
    expect(forwarded).toMatchObject({ accept: false, reason: 'dns-blocklisted', forwarded: true });
    expect(forwarded.sender.ipMasked).toEqual(['', '', '']);
    const list = await decide(input({ settings: { dnsblZones: ['dnsbl.test'] }, facts: facts({ listId: 'announce.list.test' }), dnsbl }));
    expect(list).toMatchObject({ accept: false, reason: 'dns-blocklisted' });
    expect(list.sender.ipMasked).toEqual(['', '', '']);
    expect(asked).toEqual(['198.51.100.7', '198.51.100.7']);
  });

  it('steps 6, 7, 12: a verified report about one of your domains is accepted and kept', async () => {
    const dmarc = { kind: 'dmarc' as const, org: 'reporter.test', reportId: 'r', domain: 'example.test', policy: 'reject', begin: new Date(NOW - 86_400_000), end: new Date(NOW - 1000), messages: 3, failing: 0 };
    const settings = { reports: { domains: ['example.test'], dmarcAddresses: ['dmarc@example.test'], tlsAddresses: ['tls@example.test'] } };
    const toDmarc = facts({ to: [{ local: 'dmarc', domain: 'example.test' }] });
    let asked = '';
    const readReport = (kind: 'dmarc' | 'tls') => ((asked = kind), Promise.resolve({ report: dmarc }));
    const d = await decide(input({ facts: toDmarc, settings, readReport, probability: 0.99 }));
    expect(asked).toBe('dmarc');
    expect(d).toMatchObject({ accept: true, reason: 'reporting', report: dmarc });
    // Not to a reporting address: the report is not looked for.
    asked = '';
    expect(await decide(input({ settings, readReport, probability: 0.99 }))).toMatchObject({ accept: false, reason: 'junk-content' });
    expect(asked).toBe('');
    // Not DMARC-verified, about someone else's domain, or a period not over: treated as a normal message.
    const problems = [
      [input({ facts: toDmarc, settings, readReport, auth: auth({ dmarc: { result: 'none', policy: '', use: false, reject: false, domain: '' } }) }), /did not pass DMARC/],
      [input({ facts: toDmarc, settings: { reports: { ...settings.reports, domains: ['other.test'] } }, readReport }), /not one of your domains/],
      [input({ facts: toDmarc, settings, readReport: () => Promise.resolve({ report: { ...dmarc, end: new Date(NOW + 120_000) } }) }), /ends in the future/],
    ] as const;
    for (const [i, problem] of problems) {
      const p = await decide(i);
      expect(p.reason).toBe('no-bad-signals');
      expect(p.report).toBeUndefined();
      expect(p.evidence.report?.problem).toMatch(problem);
    }
    // Conclusive junk reputation still rejects.
    const bad: Reputation = { junk: true, conclusive: true, method: 'msgfromfull', text: 'bad', counted: [] };
    expect(await decide(input({ facts: toDmarc, settings, readReport, reputation: () => bad }))).toMatchObject({ accept: false, reason: 'msgfromfull' });

    // TLS reports need a DKIM signature of the From domain, over the whole body, allowing tlsrpt.
    const tls = { kind: 'tls' as const, org: 'reporter.test', reportId: 't', domains: ['example.test'], begin: dmarc.begin, end: dmarc.end, successful: 1, failed: 0 };
    const toTls = facts({ from: { local: 'tlsrpt', domain: 'mail.reporter.test' }, to: [{ local: 'tls', domain: 'example.test' }] });
    const signature = { domain: 'reporter.test', selector: 's', result: 'pass', bodyLimited: false, services: ['tlsrpt'] };
    const tlsInput = (sig: typeof signature) => input({ facts: toTls, settings, auth: auth({ dkim: [sig] }), readReport: () => Promise.resolve({ report: tls }) });
    expect(await decide(tlsInput(signature))).toMatchObject({ accept: true, reason: 'reporting' });
    expect((await decide(tlsInput({ ...signature, bodyLimited: true }))).evidence.report?.problem).toMatch(/DKIM/);
    expect((await decide(tlsInput({ ...signature, services: ['email'] }))).evidence.report?.problem).toMatch(/DKIM/);
    expect((await decide(tlsInput({ ...signature, domain: 'elsewhere.test' }))).evidence.report?.problem).toMatch(/DKIM/);
  });

  it('decides nothing when reputation, the subject-pass key or the content filter fails: it throws an AnalysisFailure', async () => {
    const broken = () => {
      throw new Error('disk I/O error');
    };
    const failure = async (i: AnalysisInput, reason: string) => {
      const err: unknown = await decide(i).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AnalysisFailure);
      expect(err).toMatchObject({ reason, message: expect.stringContaining(`(${reason}): disk I/O error`) });
    };
    await failure(input({ reputation: broken }), 'reputation-error');
    await failure(input({ subjectpassKey: broken }), 'subjectpass-error');
    await failure(input({ classify: broken }), 'junk-classify-error');
  });
});

describe("analyze: the user's allow and block list (docs/sender-rules.md)", () => {
  const junkRep: Reputation = { junk: true, conclusive: true, method: 'msgfromfull', text: 'you judged mail from this address junk', counted: [] };
  const goodRep: Reputation = { junk: false, conclusive: true, method: 'ip1', text: 'good', counted: [] };
  const rules = (...senderRules: [string, 'allow' | 'block'][]) => ({ senderRules: senderRules.map(([sender, action]) => ({ sender, action })) });

  it('allow wins over junk content and a junk reputation; the rule shows in the evidence', async () => {
    const d = await decide(input({ settings: rules(['Alice@Sender.test', 'allow']), reputation: () => junkRep, probability: 0.999 }));
    expect(d).toMatchObject({ accept: true, reason: 'sender-allow', mailbox: 'INBOX', score: 0, text: 'you always accept mail from alice@sender.test' });
    expect(d.evidence.senderRule).toEqual({ sender: 'alice@sender.test', action: 'allow', decided: true, text: 'you always accept mail from alice@sender.test' });
    // Decided first: neither reputation nor content was asked.
    expect(d.evidence.reputation).toBeNull();
    expect(d.evidence.junk).toBeNull();
  });

  it('block rejects with its own reason, over a good reputation and clean content', async () => {
    const d = await decide(input({ settings: rules(['sender.test', 'block']), reputation: () => goodRep, probability: 0.01 }));
    expect(d).toMatchObject({ accept: false, reason: 'sender-block', mailbox: 'Rejects', destined: 'INBOX', isReject: true, score: 1 });
    expect(d.text).toBe('you always reject mail from everyone at sender.test');
    expect(d.evidence.senderRule).toMatchObject({ sender: 'sender.test', action: 'block', decided: true });
  });

  it('the most specific rule counts: the address over its domain, a subdomain over its parent', async () => {
    const from = (local: string, domain: string) => facts({ from: { local, domain } });
    const settings = rules(['example.test', 'block'], ['news.example.test', 'allow'], ['boss@example.test', 'allow']);
    expect(await decide(input({ settings, facts: from('Boss', 'example.test') }))).toMatchObject({ reason: 'sender-allow' });
    expect(await decide(input({ settings, facts: from('intern', 'example.test') }))).toMatchObject({ reason: 'sender-block' });
    expect(await decide(input({ settings, facts: from('weekly', 'mail.news.example.test') }))).toMatchObject({ reason: 'sender-allow' });
    expect(await decide(input({ settings, facts: from('x', 'elsewhere.test') }))).toMatchObject({ reason: 'no-bad-signals', evidence: { senderRule: null } });
    // A domain is matched by whole labels: notexample.test is another domain.
    expect(await decide(input({ settings, facts: from('x', 'notexample.test') }))).toMatchObject({ reason: 'no-bad-signals' });
    // No From address: no rule.
    expect(await decide(input({ settings, facts: facts({ from: undefined }) }))).toMatchObject({ reason: 'no-bad-signals' });
  });

  it('an allowed sender failing DMARC is forged: the rule does not decide, and says why', async () => {
    const forged = auth({ fromValidation: 'none', dmarc: { result: 'fail', policy: 'reject', use: true, reject: true, domain: 'sender.test' } });
    const d = await decide(input({ settings: rules(['sender.test', 'allow']), auth: forged }));
    expect(d).toMatchObject({ accept: false, reason: 'dmarc-policy' });
    expect(d.evidence.senderRule).toMatchObject({ action: 'allow', decided: false, text: expect.stringMatching(/failed DMARC: its From address is not its sender's/) });
    // Failing DMARC under a policy of none: the rest of the analysis decides.
    const weak = auth({ fromValidation: 'none', dmarc: { result: 'fail', policy: 'none', use: true, reject: false, domain: 'sender.test' } });
    expect(await decide(input({ settings: rules(['sender.test', 'allow']), auth: weak, probability: 0.99 }))).toMatchObject({ reason: 'junk-content' });
    // Mail from a forwarder of the user's: DMARC says nothing, so the rule decides.
    const forwarded = { ...rules(['sender.test', 'allow']), rulesets: [{ verifiedDomain: 'forwarder.test', isForward: true }] };
    expect(await decide(input({ settings: forwarded, auth: auth({ ...forged, dkimDomains: ['forwarder.test'] }), probability: 0.99 }))).toMatchObject({ reason: 'sender-allow', forwarded: false });
    // A block rule decides whatever DMARC says.
    expect(await decide(input({ settings: rules(['sender.test', 'block']), auth: forged }))).toMatchObject({ reason: 'sender-block' });
  });

  it('a rejecting rule keeps its reject where a ruleset says', async () => {
    const settings = { ...rules(['sender.test', 'block']), rulesets: [{ msgFromRegexp: '@sender\\.test$', acceptRejectsToMailbox: 'Lists/rejects' }] };
    expect(await decide(input({ settings }))).toMatchObject({ reason: 'sender-block', mailbox: 'Lists/rejects' });
  });
});
