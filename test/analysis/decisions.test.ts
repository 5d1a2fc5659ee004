import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORWARDER, GOOD, NO_PTR, NOVEL, NOVEL_SUBJECT, SPAMMY, startDecisionBed, type DecisionBed, type Delivered } from '../helpers/decision-bed.ts';
import { providerMessage } from '../helpers/provider-mail.ts';
import { runWarden } from '../helpers/warden.ts';

/**
 * The main path of the decision flow (docs/fidelity.md) reached through `warden filter --stdio`,
 * with a real DNS server (dnsmasq) serving SPF, DKIM, DMARC, PTR and block-list records, and
 * the history built by the protocol's deliver, feedback and sent requests. The other files
 * named decisions-* take one family of branches each.
 */

let bed: DecisionBed;

beforeAll(async () => {
  bed = await startDecisionBed();
});

afterAll(async () => {
  await bed?.close();
});

const write = (raw: string | Buffer) => bed.write(raw);
const deliver: DecisionBed['deliver'] = (m) => bed.deliver(m);
const feedback: DecisionBed['feedback'] = (msg, label) => bed.feedback(msg, label);
const filter = { request: (r: Record<string, unknown>) => bed.filter.request(r) };

describe('the decision flow against real DNS', () => {
  it('no-bad-signals: authenticated mail with ham content', async () => {
    const d = await deliver({ from: 'alice@sender.test', mailFrom: 'bounce@sender.test', sign: 'sender.test' });
    expect(d).toMatchObject({ accept: true, reason: 'no-bad-signals', mailbox: 'INBOX' });
    expect(d.evidence.auth.dmarc.result).toBe('pass');
    expect(d.score).toBeLessThan(0.1);
  });

  it('dmarc-policy: mail claiming a p=reject domain from elsewhere', async () => {
    const d = await deliver({ ...NO_PTR, from: 'alice@sender.test', mailFrom: 'alice@sender.test' });
    expect(d).toMatchObject({ accept: false, reason: 'dmarc-policy', mailbox: 'Rejects' });
  });

  it('junk-content: spam content from a sender without history', async () => {
    const d = await deliver({ from: 'carol@sender.test', mailFrom: 'carol@sender.test', sign: 'sender.test', body: SPAMMY });
    expect(d).toMatchObject({ accept: false, reason: 'junk-content', mailbox: 'Rejects' });
    expect(d.score).toBeGreaterThan(0.95);
  });

  it('junk-content-strict: no reverse name lowers the threshold to 0.25', async () => {
    const d = await deliver({ ...NO_PTR, from: 'heidi@shady.test', mailFrom: 'heidi@shady.test', body: NOVEL, subject: NOVEL_SUBJECT });
    expect(d).toMatchObject({ accept: false, reason: 'junk-content-strict' });
    expect(d.evidence.junk?.threshold).toBe(0.25);
    expect(d.evidence.junk?.probability).toBeGreaterThan(0.25);
    expect(d.evidence.junk?.probability).toBeLessThan(0.95);
  });

  it('junk-content-strict: mail that arrived without TLS', async () => {
    const d = await deliver({ from: 'ivan@sender.test', mailFrom: 'ivan@sender.test', sign: 'sender.test', body: NOVEL, subject: NOVEL_SUBJECT, with: 'ESMTP' });
    expect(d).toMatchObject({ accept: false, reason: 'junk-content-strict' });
    const tls = await deliver({ from: 'ivan2@sender.test', mailFrom: 'ivan2@sender.test', sign: 'sender.test', body: NOVEL, subject: NOVEL_SUBJECT });
    expect(tls).toMatchObject({ accept: true, reason: 'no-bad-signals' });
  });

  it('spf-policy: SPF fail without reputation of the From address', async () => {
    const d = await deliver({ ...GOOD, from: 'grace@strict.test', mailFrom: 'grace@strict.test' });
    expect(d).toMatchObject({ accept: false, reason: 'spf-policy' });
  });

  it('subjectpass: a token the user handed out gets spam content through', async () => {
    const made = runWarden(['--data-dir', bed.data, 'subjectpass', 'kim@sender.test']);
    expect(made.status).toBe(0);
    const token = made.stdout.trim();
    expect(token).toMatch(/^\(pass:[\w-]{22}\)$/);
    const d = await deliver({ from: 'kim@sender.test', mailFrom: 'kim@sender.test', sign: 'sender.test', body: SPAMMY, subject: `Hello ${token}` });
    expect(d).toMatchObject({ accept: true, reason: 'subjectpass' });
    const other = await deliver({ from: 'leo@sender.test', mailFrom: 'leo@sender.test', sign: 'sender.test', body: SPAMMY, subject: `Hello ${token}` });
    expect(other).toMatchObject({ accept: false, reason: 'junk-content' });
  });

  it('list-allow: a mailing list verified by its DKIM domain', async () => {
    const d = await deliver({
      ...NO_PTR,
      from: 'news@sender.test',
      sign: 'list.test',
      headers: ['List-Id: Announcements <announce.list.test>'],
      body: SPAMMY,
    });
    expect(d).toMatchObject({ accept: true, reason: 'list-allow' });
  });

  it('forwarding: the forwarder is not held against the original sender', async () => {
    // From sender.test (DMARC p=reject) through the forwarder's IP: DMARC fails, but is not used.
    const d = await deliver({ ...FORWARDER, from: 'nina@sender.test', mailFrom: 'srs@forwarder.test', sign: 'forwarder.test' });
    expect(d).toMatchObject({ accept: true, reason: 'no-bad-signals' });
    expect(d.evidence.auth.dmarc.result).toBe('fail');
  });

  it('msgtofull: someone the user wrote to is accepted, whatever the content', async () => {
    const sent = write('From: Bob <bob@example.test>\r\nTo: Frank <frank@elsewhere.test>\r\nSubject: hi\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nhi\r\n');
    expect(await filter.request({ id: 'sent', op: 'sent', path: sent })).toEqual({ id: 'sent', ok: true, recipients: 1 });
    const d = await deliver({ from: 'frank@elsewhere.test', mailFrom: 'frank@elsewhere.test', body: SPAMMY });
    expect(d).toMatchObject({ accept: true, reason: 'msgtofull' });
  });

  it('a validated sender the user moved to Junk is rejected by reputation', async () => {
    const d = await deliver({ from: 'erin@sender.test', mailFrom: 'erin@sender.test', sign: 'sender.test' });
    expect(d.accept).toBe(true);
    await feedback(d.msg, 'spam');
    const next = await deliver({ from: 'erin@sender.test', mailFrom: 'erin@sender.test', sign: 'sender.test' });
    expect(next).toMatchObject({ accept: false, reason: 'msgfromfull', score: 1 });
  });

  it('junk-content-strict: your address (Delivered-To) in neither To nor Cc', async () => {
    const hidden = await deliver({ from: 'oscar@sender.test', mailFrom: 'oscar@sender.test', sign: 'sender.test', body: NOVEL, subject: NOVEL_SUBJECT, to: 'someone@else.test', headers: ['Delivered-To: bob@example.test'] });
    expect(hidden).toMatchObject({ accept: false, reason: 'junk-content-strict' });
    expect(hidden.text).toContain('neither To nor Cc');
  });

  it('msgtodomain: the domain of someone the user wrote to is accepted', async () => {
    const d = await deliver({ from: 'george@elsewhere.test', mailFrom: 'george@elsewhere.test', body: SPAMMY });
    expect(d).toMatchObject({ accept: true, reason: 'msgtodomain' });
  });

  it('msgfromdomain: a validated domain whose mail the user wanted', async () => {
    const first = await deliver({ from: 'anna@friends.test', sign: 'friends.test' });
    await feedback(first.msg, 'ham');
    const d = await deliver({ from: 'bert@friends.test', sign: 'friends.test', body: SPAMMY });
    expect(d).toMatchObject({ accept: true, reason: 'msgfromdomain', score: 0 });
  });

  it('dkimspf: the reputation of a signing domain that is not the From domain', async () => {
    const first = await deliver({ from: 'news@brand-one.test', sign: 'esp.test' });
    await feedback(first.msg, 'ham');
    const d = await deliver({ from: 'offers@brand-two.test', sign: 'esp.test', body: SPAMMY });
    expect(d).toMatchObject({ accept: true, reason: 'dkimspf' });
  });

  it('iprev: no reverse name and an IP that leans junk', async () => {
    // Whether accepted or rejected, moved to Junk: it counts as junk mail for INBOX.
    const first = await deliver({ ...NO_PTR, from: 'judy@shady.test', mailFrom: 'judy@shady.test' });
    await feedback(first.msg, 'spam');
    // One junk message from the IP: a junk lean, not yet conclusive (ip1 needs three for junk).
    // An address-literal HELO: no SPF identity, so the IP's reputation is what is found.
    const d = await deliver({ ...NO_PTR, ehlo: '', from: 'mallory@other-shady.test' });
    expect(d).toMatchObject({ accept: false, reason: 'iprev' });
    expect(d.evidence.reputation?.method).toBe('ip1');
  });

  it('a restore is learned: the sender is then accepted by reputation, whatever the content', async () => {
    const first = await deliver({ from: 'dave@sender.test', mailFrom: 'dave@sender.test', sign: 'sender.test', body: SPAMMY });
    expect(first.accept).toBe(false);
    await feedback(first.msg, 'ham');
    const next = await deliver({ from: 'dave@sender.test', mailFrom: 'dave@sender.test', sign: 'sender.test', body: SPAMMY });
    expect(next).toMatchObject({ accept: true, reason: 'msgfromfull', score: 0 });
  });

  it('a message delivered again is not analysed again', async () => {
    const path = write(await providerMessage({ ...GOOD, from: 'olga@sender.test', mailFrom: 'olga@sender.test', sign: 'sender.test', body: SPAMMY }));
    const first = (await filter.request({ id: 'a', op: 'deliver', path })) as unknown as Delivered & { known: boolean };
    expect(first).toMatchObject({ known: false });
    await feedback(first.msg, 'ham');
    const again = (await filter.request({ id: 'b', op: 'deliver', path })) as unknown as Delivered & { known: boolean };
    expect(again).toMatchObject({ msg: first.msg, known: true, reason: first.reason });
  });
});
