import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_PTR, SPAMMY, startDecisionBed, type DecisionBed } from '../helpers/decision-bed.ts';
import { providerMessage } from '../helpers/provider-mail.ts';
import { runWarden } from '../helpers/warden.ts';

/**
 * The content filter before it is significant, and subject-pass turned off (mox's
 * analyze.go@893a6f8911 L313, L350-359; docs/fidelity.md), on a filter trained with 10 ham
 * and 10 spam: fewer than the 50 ham Warden waits for.
 */

let bed: DecisionBed;

beforeAll(async () => {
  bed = await startDecisionBed({ ham: 10 });
});

afterAll(async () => {
  await bed?.close();
});

describe('content', () => {
  it('L359 (deviation): before 50 ham are trained, content judged junk is accepted', async () => {
    const d = await bed.deliver({ from: 'abe@sender.test', mailFrom: 'abe@sender.test', sign: 'sender.test', body: SPAMMY });
    expect(d.evidence.junk).toMatchObject({ significant: false });
    expect(d.evidence.junk!.probability).toBeGreaterThan(0.95);
    expect(d).toMatchObject({ accept: true, reason: 'no-bad-signals' });
  });

  it('L354-359: ...unless the sending IP has no valid reverse name: then the strict threshold rejects', async () => {
    const d = await bed.deliver({ ...NO_PTR, from: 'bea@shady.test', mailFrom: 'bea@shady.test', body: SPAMMY });
    expect(d.evidence.junk).toMatchObject({ significant: false, threshold: 0.25 });
    expect(d).toMatchObject({ accept: false, reason: 'junk-content-strict' });
  });

  it('L313: with subject-pass off (period 0), a valid token is not looked at', async () => {
    const made = runWarden(['--data-dir', bed.data, 'subjectpass', 'cid@shady.test']);
    expect(made.status, made.stderr).toBe(0);
    const m = { ...NO_PTR, from: 'cid@shady.test', mailFrom: 'cid@shady.test', body: SPAMMY, subject: `Hello ${made.stdout.trim()}` };
    expect(await bed.deliver(m)).toMatchObject({ accept: true, reason: 'subjectpass' });

    await bed.reconfigure({ subjectpassHours: 0 });
    const d = await bed.filter.request({ id: 1, op: 'deliver', path: bed.write(await providerMessage(m)) });
    expect(d).toMatchObject({ ok: true, accept: false, reason: 'junk-content-strict', evidence: { subjectpass: 'off' } });
  });
});
