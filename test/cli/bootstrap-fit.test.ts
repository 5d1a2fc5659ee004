import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FittedThreshold } from '../../src/engine/junk.ts';
import { FITTED_MIN_HAM } from '../../src/junk/threshold.ts';
import { startMailboxFixture, type MailboxFixture } from '../helpers/mailbox-fixture.ts';
import { HAM_WORDS, SPAM_WORDS, syntheticMessage } from '../helpers/synthetic-mail.ts';
import { FilterClient, runWarden } from '../helpers/warden.ts';

/**
 * The threshold fitted on a user's training (docs/content-filter.md), as a user gets it: `warden
 * bootstrap` learns Archive and Junk from a real Dovecot, scores the wanted mail it learned
 * without each message's own words, and the next message delivered is judged at the fitted
 * threshold, which its evidence names.
 */

let f: MailboxFixture;
let serial = 9000;
/** Wanted messages filed in Archive: more than the fit needs. */
const FILED = FITTED_MIN_HAM + 10;

beforeAll(async () => {
  f = await startMailboxFixture('bootstrap-fit', { untrained: true });
  await f.client.mailboxCreate('Archive');
  for (let i = 0; i < FILED; i++) await f.client.append('Archive', syntheticMessage('ham', ++serial).replace(/\n/g, '\r\n'));
  for (let i = 0; i < 15; i++) await f.client.append('Junk', syntheticMessage('spam', ++serial).replace(/\n/g, '\r\n'));
}, 120_000);

afterAll(async () => {
  await f?.close();
});

function threshold(): FittedThreshold {
  const r = runWarden(['--data-dir', f.data, 'junk', 'stats', '--json']);
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { threshold: FittedThreshold }).threshold;
}

describe('warden bootstrap fits the threshold on the wanted mail it learned', () => {
  it(`before: the setting; after: fitted on the ${FILED} wanted messages filed, between 0.5 and the setting`, () => {
    expect(threshold()).toEqual({ threshold: 0.95, configured: 0.95, ham: 0 });
    const r = runWarden(['--data-dir', f.data, 'bootstrap', 'home'], { env: f.env });
    expect(r.status, r.stderr).toBe(0);
    const fit = threshold();
    expect(fit).toMatchObject({ configured: 0.95, ham: FILED });
    expect(fit.threshold).toBe(Math.max(0.5, fit.highest!));
    expect(fit.threshold).toBeLessThan(0.95);
    const stats = runWarden(['--data-dir', f.data, 'junk', 'stats']).stdout;
    expect(stats).toContain(`Judging by: threshold ${fit.threshold.toFixed(3)}, fitted on your training (your setting 0.95)`);
  });

  it('judges the next message delivered at the fitted threshold, and its evidence says on what it was fitted', async () => {
    const fit = threshold();
    const path = join(f.dir, 'arrival.eml');
    writeFileSync(path, syntheticMessage('spam', ++serial));
    const client = new FilterClient(f.data, ['--offline', '--seed', '1']);
    try {
      const d = await client.request({ id: 1, op: 'deliver', path });
      expect(d).toMatchObject({ ok: true, accept: false, reason: 'junk-content' });
      const junk = (d.evidence as { junk: { threshold: number } }).junk;
      expect(junk).toMatchObject({ configured: 0.95, fitted: { threshold: fit.threshold, ham: FILED, highest: fit.highest } });
      // The jitter moves the fitted threshold, not the setting.
      expect(Math.abs(junk.threshold - fit.threshold)).toBeLessThanOrEqual(0.05);
    } finally {
      await client.close();
    }
  });

  it('with the unsure band on, judges by the setting: mail between the fit and the setting is marked unsure, not rejected', async () => {
    const fit = threshold();
    /** Delivers a message file through a `warden filter --stdio` of its own, with the settings stored now. */
    const deliver = async (path: string) => {
      const client = new FilterClient(f.data, ['--offline', '--seed', '2']);
      try {
        return await client.request({ id: 'd', op: 'deliver', path });
      } finally {
        await client.close();
      }
    };
    // A message that reads half like the wanted mail and half like the junk: in the band the fit would reject, whatever the jitter (±0.05).
    let between: string | undefined;
    for (let n = 0; n < 100 && !between; n++) {
      const message = syntheticMessage('ham', 20_000 + n, { words: [...HAM_WORDS.slice(0, 8), ...SPAM_WORDS.slice(0, 12)] });
      const path = join(f.dir, `between-${n}.eml`);
      writeFileSync(path, message);
      const [verdict] = runWarden(['--data-dir', f.data, 'junk', 'classify', '--json', path]).stdout.trim().split('\n').map((l) => JSON.parse(l) as { score: number });
      if (verdict!.score > fit.threshold + 0.05 && verdict!.score < 0.95 - 0.05) between = message;
    }
    if (!between) throw new Error('no mixed message scored between the fitted threshold and the setting');

    expect(runWarden(['--data-dir', f.data, 'settings', '--set', '{"unsure":true}']).status).toBe(0);
    writeFileSync(join(f.dir, 'unsure.eml'), between);
    const marked = await deliver(join(f.dir, 'unsure.eml'));
    expect(marked).toMatchObject({ ok: true, accept: true, text: expect.stringMatching(/^unsure: junk [\d.]+%, between 50% and 9\d/) });
    expect((marked.evidence as { junk: unknown }).junk).toMatchObject({
      configured: 0.95,
      unsure: { from: 0.5 },
      fitted: { threshold: 0.95, ham: FILED, setAside: { by: 'unsure-band', fitted: fit.threshold } },
    });

    // The band off again: the fit is in force, and the same content (another message by its bytes) is rejected.
    expect(runWarden(['--data-dir', f.data, 'settings', '--set', '{"unsure":false}']).status).toBe(0);
    writeFileSync(join(f.dir, 'rejected.eml'), `X-Copy: 2\n${between}`);
    expect(await deliver(join(f.dir, 'rejected.eml'))).toMatchObject({ ok: true, accept: false, reason: 'junk-content' });
  });
});
