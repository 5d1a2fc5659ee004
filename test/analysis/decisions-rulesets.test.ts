import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_PTR, SPAMMY, startDecisionBed, type DecisionBed } from '../helpers/decision-bed.ts';

/**
 * Rulesets and DMARC policy (mox's analyze.go@893a6f8911 L84-187, docs/fidelity.md): the
 * destination mailbox, a mailing list the rule does not verify, a mailbox the history does not
 * know yet, a ruleset's own mailbox for rejects, and DMARC quarantine.
 */

let bed: DecisionBed;

beforeAll(async () => {
  bed = await startDecisionBed();
});

afterAll(async () => {
  await bed?.close();
});

describe('rulesets', () => {
  it('L149-151: a mailbox the history does not know yet (the first mail for it): reputation from what the user sent still decides', async () => {
    const sent = bed.write('From: Bob <bob@example.test>\r\nTo: Zed <zed@lists.pals.test>\r\nSubject: hi\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nhi\r\n');
    expect(await bed.filter.request({ id: 'sent', op: 'sent', path: sent })).toEqual({ id: 'sent', ok: true, recipients: 1 });
    const d = await bed.deliver({ from: 'zed@lists.pals.test', mailFrom: 'zed@lists.pals.test', body: SPAMMY });
    expect(d).toMatchObject({ accept: true, reason: 'msgtofull', mailbox: 'Lists' });
  });

  it('L91-94: a matching ruleset names the mailbox an accepted message goes to', async () => {
    const d = await bed.deliver({ from: 'weekly@lists.sender.test', mailFrom: 'weekly@lists.sender.test', sign: 'sender.test' });
    expect(d).toMatchObject({ accept: true, reason: 'no-bad-signals', mailbox: 'Lists' });
  });

  it('L95-97: a list rule whose domain did not verify the message decides nothing: the whole flow runs', async () => {
    const d = await bed.deliver({ from: 'news@esp.test', sign: 'esp.test', headers: ['List-Id: Announcements <announce.list.test>'], body: SPAMMY });
    expect(d).toMatchObject({ accept: false, reason: 'junk-content' });
  });

  it('L174-181 (deviation): a ruleset keeps its rejects in its own mailbox; the decision stays a reject', async () => {
    const d = await bed.deliver({ from: 'digest@lists.sender.test', mailFrom: 'digest@lists.sender.test', sign: 'sender.test', body: SPAMMY });
    // mox answers accept=true here (the sender need not retry); Warden's accept=false is what moves it.
    expect(d).toMatchObject({ accept: false, reason: 'junk-content', mailbox: 'Lists/Rejects' });
  });

  it('L185-187: DMARC quarantine rejects like reject', async () => {
    const d = await bed.deliver({ ...NO_PTR, from: 'vic@quarantine.test', mailFrom: 'vic@shady.test' });
    expect(d.evidence.auth.dmarc.result).toBe('fail');
    expect(d).toMatchObject({ accept: false, reason: 'dmarc-policy', mailbox: 'Rejects' });
    expect(d.text).toContain('quarantine');
  });
});
