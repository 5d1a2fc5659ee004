import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerMessage } from '../helpers/provider-mail.ts';
import { GOOD, HAMMY, startDecisionBed, type DecisionBed } from '../helpers/decision-bed.ts';
import { runWarden } from '../helpers/warden.ts';

/**
 * The analysis's own failures (mox's analyze.go@893a6f8911 L167-168, L275-277, L314-318,
 * L336-340, L362-364; docs/fidelity.md, "Internal failures"): mox answers 451 and the sender
 * retries. Warden decides nothing: the delivery fails with the error and nothing is recorded,
 * so the same message is analysed afresh once the fault is gone. A table renamed away from
 * another connection is the fault.
 */

let bed: DecisionBed;

beforeAll(async () => {
  bed = await startDecisionBed();
});

afterAll(async () => {
  await bed?.close();
});

/**
 * Delivers a new message while `table` is renamed away: the delivery must fail naming `reason`
 * and the table; with the table back, the same file is a new message (nothing was recorded).
 */
async function failsWhileAway(table: string, reason: string, from: string): Promise<void> {
  const path = bed.write(await providerMessage({ ...GOOD, from, mailFrom: from, sign: 'sender.test', body: HAMMY }));
  bed.sql(`ALTER TABLE ${table} RENAME TO ${table}_away`);
  let failed: Record<string, unknown>;
  try {
    failed = await bed.deliverFile(path);
  } finally {
    bed.sql(`ALTER TABLE ${table}_away RENAME TO ${table}`);
  }
  expect(failed).toMatchObject({ ok: false, error: expect.stringContaining(`(${reason})`) });
  expect(failed.error).toContain(table);
  expect(failed).not.toHaveProperty('accept');
  const retried = await bed.deliverFile(path);
  expect(retried).toMatchObject({ ok: true, known: false, accept: true, reason: 'no-bad-signals' });
}

describe('internal failures decide nothing', () => {
  it('L275-277 reputation-error: the history cannot be read', async () => {
    // A new address: the From steps find nothing, and the next step reads what the user sent.
    await failsWhileAway('recipient', 'reputation-error', 'wendy@sender.test');
  });

  it('L135-138, L167-168 reputation-error: the destination mailbox cannot be looked up', async () => {
    await failsWhileAway('mailbox', 'reputation-error', 'walt@sender.test');
  });

  it('L314-318 subjectpass-error: the subject-pass key cannot be read', async () => {
    await failsWhileAway('subjectpass_key', 'subjectpass-error', 'xavier@sender.test');
  });

  it('L336-340 junk-classify-error: the content filter cannot read its words', async () => {
    await failsWhileAway('junk_word', 'junk-classify-error', 'yara@sender.test');
  });

  it('L362-364 junk-filter-error: a content filter that cannot be opened stops the analysis before any message', async () => {
    const path = bed.write(await providerMessage({ ...GOOD, from: 'zoe@sender.test', mailFrom: 'zoe@sender.test', sign: 'sender.test', body: HAMMY }));
    bed.sql('ALTER TABLE junk_word RENAME TO junk_word_away');
    let analysed: ReturnType<typeof runWarden>;
    try {
      analysed = runWarden(['--data-dir', bed.data, 'analyze', '--json', path, '--dns', bed.dns.server]);
    } finally {
      bed.sql('ALTER TABLE junk_word_away RENAME TO junk_word');
    }
    expect(analysed.status).not.toBe(0);
    expect(analysed.stdout).toBe('');
    expect(analysed.stderr).toContain('junk_word');
  });
});
