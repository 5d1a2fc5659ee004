import { describe, expect, it } from 'vitest';
import { runChaos } from './scenario.ts';

/**
 * The short chaos run (`npm run chaos` is the long one, see scenario.ts): 150 corpus messages
 * delivered while `warden run` in enforce mode is killed, Dovecot restarted and the engine's
 * connection cut, a second engine started beside it (and refused), 15 times in all, and the
 * user puts rejects back in INBOX.
 */
describe('warden run under faults', () => {
  it('loses, duplicates and re-rejects nothing, and leaves every message where it was decided', async () => {
    const r = await runChaos({ messages: 150, faults: 15, seed: 7 });
    expect(r.faults).toEqual({ kill: 5, restart: 3, second: 2, cut: 5 });
    // The run did what it is for: mail was rejected, and some of it put back.
    expect(r.audit.rejected).toBeGreaterThan(0);
    expect(r.restores).toBeGreaterThan(0);
    expect(r.audit.findings).toEqual([]);
    expect(r.audit).toMatchObject({ pendingMoves: 0, strays: 0, inInbox: r.audit.accepted + r.restores, inRejects: r.audit.rejected - r.restores });
    expect(r.engineExits).toEqual([]);
    expect(r.stopped).toEqual([]);
  }, 300_000);
});
