import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountService, type Account } from '../../src/engine/accounts.ts';
import { EngineContext } from '../../src/engine/context.ts';
import { Engine } from '../../src/engine/engine.ts';
import type { WatchEvent } from '../../src/engine/events.ts';
import { startMailboxFixture, type MailboxFixture } from '../helpers/mailbox-fixture.ts';
import { runWarden } from '../helpers/warden.ts';

/**
 * The engine's digest timer against a real Dovecot, on a clock the test moves: nothing before
 * the hour, the digest soon after the clock passes it, as on a computer woken from sleep
 * (docs/digest.md).
 */

let f: MailboxFixture;
let account: Account;

beforeAll(async () => {
  f = await startMailboxFixture('digest-timer');
  account = AccountService.account(f.data, 'home');
});

afterAll(async () => {
  await f?.close();
});

describe("the engine's daily digest", () => {
  it('is appended once the wall clock passes its hour, checked every digestCheckMs', async () => {
    const hour = new Date().getHours();
    const today = new Date();
    const at = (days: number, minutes: number) => new Date(today.getFullYear(), today.getMonth(), today.getDate() + days, hour, minutes).getTime();
    expect(runWarden(['--data-dir', f.data, 'settings', '--set', JSON.stringify({ digest: { enabled: true, hour } })]).status).toBe(0);
    let clock = at(0, 5);
    process.env.HOME_PASSWORD = f.env.HOME_PASSWORD;
    const context = EngineContext.open(f.data, { offline: true });
    const engine = new Engine(context, { now: () => clock, digestCheckMs: 100 });
    const digests: WatchEvent[] = [];
    engine.on('digest', (e) => digests.push(e));
    try {
      const started = once(engine, 'started');
      engine.watch(account);
      await started;
      const arrived = once(engine, 'arrival');
      const spam = await f.append('spam');
      expect((await arrived)[0].arrival).toMatchObject({ subject: spam, decision: { accept: false } });
      // Today's digest had nothing to list (recorded, not appended); tomorrow's hour has not come.
      clock = at(1, -10);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(digests).toEqual([]);
      // The computer wakes after the hour.
      const appended = once(engine, 'digest');
      clock = at(1, 5);
      expect(await appended).toEqual([{ kind: 'digest', account: 'home', rejects: 1 }]);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(digests).toHaveLength(1);
      expect((await f.subjects('INBOX')).filter((s) => s.startsWith('Warden rejected 1 message since'))).toHaveLength(1);
    } finally {
      await engine.stop();
      context.close();
      delete process.env.HOME_PASSWORD;
    }
  }, 60_000);
});
