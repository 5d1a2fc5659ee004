import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerMessage } from '../helpers/provider-mail.ts';
import { DEAD_ZONE, GOOD, HAMMY, LISTED, LISTED_FORWARDER, LISTED_LIST_SERVER, SPAMMY, UNHEALTHY_ZONE, ZONE, startDecisionBed, type DecisionBed } from '../helpers/decision-bed.ts';

/**
 * DNS block lists (mox's analyze.go@893a6f8911 L367-400, docs/fidelity.md), against dnsmasq
 * serving a healthy list and one that lists everything, 127.0.0.1 included.
 */

let bed: DecisionBed;

beforeAll(async () => {
  bed = await startDecisionBed();
});

afterAll(async () => {
  await bed?.close();
});

/** The block-list names dnsmasq was asked for, so far. */
const asked = (zone: string) => [...bed.dns.log().matchAll(new RegExp(`query\\[A\\] (\\S+\\.${zone.replace('.', '\\.')}) from`, 'g'))].map((m) => m[1]);

describe('block lists', () => {
  it('L375-378: an unhealthy list (it lists 127.0.0.1) is skipped, the next one asked', async () => {
    const d = await bed.deliver({ from: 'pat@sender.test', mailFrom: 'pat@sender.test', sign: 'sender.test' });
    expect(d).toMatchObject({ accept: true, reason: 'no-bad-signals' });
    expect(d.evidence.dnsbl).toMatchObject({ result: 'pass' });
    // Its health was checked, and the sender's IP never looked up in it.
    expect(asked(UNHEALTHY_ZONE)).toContain(`1.0.0.127.${UNHEALTHY_ZONE}`);
    expect(asked(UNHEALTHY_ZONE)).not.toContain(`7.100.51.198.${UNHEALTHY_ZONE}`);
    expect(asked(ZONE)).toContain(`7.100.51.198.${ZONE}`);
  });

  it('L380-384, L392-399: a listed connecting IP rejects as dns-blocklisted, naming the list', async () => {
    const d = await bed.deliver({ ...LISTED, from: 'quinn@sender.test', mailFrom: 'quinn@sender.test', sign: 'sender.test' });
    expect(d).toMatchObject({ accept: false, reason: 'dns-blocklisted', mailbox: 'Rejects' });
    expect(d.evidence.dnsbl).toMatchObject({ zone: ZONE, result: 'fail' });
    expect(d.text).toContain('Listed for testing');
  });

  it('L371: mail the content filter already rejects is not looked up', async () => {
    const d = await bed.deliver({ ...LISTED, from: 'rita@sender.test', mailFrom: 'rita@sender.test', sign: 'sender.test', body: SPAMMY });
    expect(d).toMatchObject({ accept: false, reason: 'junk-content' });
    expect(d.evidence.dnsbl).toBeNull();
  });

  it('L380: forwarded mail from a listed forwarder is looked up by its connecting IP, though kept out of IP reputation', async () => {
    const d = await bed.deliver({ ...LISTED_FORWARDER, from: 'sam@sender.test', mailFrom: 'srs@forwarder.test', sign: 'forwarder.test' });
    expect(d.evidence.forwarded).toBe(true);
    expect(d).toMatchObject({ accept: false, reason: 'dns-blocklisted' });
    expect(d.text).toContain(LISTED_FORWARDER.ip);
  });

  it('L380: List-Id mail from a listed list server is looked up by its connecting IP, though kept out of IP reputation', async () => {
    // A list without a rule of the user's: no list-allow, so the whole flow runs.
    const d = await bed.deliver({ ...LISTED_LIST_SERVER, from: 'tom@list.test', mailFrom: 'bounce@list.test', sign: 'list.test', headers: ['List-Id: Chat <chat.list.test>'] });
    expect(d).toMatchObject({ accept: false, reason: 'dns-blocklisted' });
    expect(d.text).toContain(LISTED_LIST_SERVER.ip);
    // The same list's mail from an unlisted server is accepted.
    const clean = await bed.deliver({ ...GOOD, from: 'uma@list.test', mailFrom: 'bounce@list.test', sign: 'list.test', headers: ['List-Id: Chat <chat.list.test>'] });
    expect(clean).toMatchObject({ accept: true, reason: 'no-bad-signals' });
  });

  it('L385-387: a list whose lookup fails lists nothing; the next list is asked', async () => {
    await bed.reconfigure({ dnsblZones: [DEAD_ZONE, ZONE] }, ['--dns-timeout', '300']);
    const deliver = async (m: Parameters<typeof providerMessage>[0]) => bed.filter.request({ id: 1, op: 'deliver', path: bed.write(await providerMessage(m)) });
    const clean = await deliver({ ...GOOD, from: 'vera@sender.test', mailFrom: 'vera@sender.test', sign: 'sender.test', body: HAMMY });
    expect(clean).toMatchObject({ ok: true, accept: true, reason: 'no-bad-signals', evidence: { dnsbl: { result: 'temperror' } } });
    const listed = await deliver({ ...LISTED, from: 'will@sender.test', mailFrom: 'will@sender.test', sign: 'sender.test', body: HAMMY });
    expect(listed).toMatchObject({ ok: true, accept: false, reason: 'dns-blocklisted', evidence: { dnsbl: { zone: ZONE, result: 'fail' } } });
    expect(asked(DEAD_ZONE)).toContain(`7.100.51.198.${DEAD_ZONE}`);
  });
});
