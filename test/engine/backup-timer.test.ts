import { once } from 'node:events';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountService, type Account } from '../../src/engine/accounts.ts';
import { backups } from '../../src/engine/backups.ts';
import { EngineContext } from '../../src/engine/context.ts';
import { Engine } from '../../src/engine/engine.ts';
import type { WatchEvent } from '../../src/engine/events.ts';
import { startMailboxFixture, type MailboxFixture } from '../helpers/mailbox-fixture.ts';

/**
 * The engine's daily backup against a real Dovecot, on a clock the test moves: made by the
 * engine's own timer, with no mail arriving, once a day; a failure that is not the database's
 * is told and watching goes on (docs/backups.md).
 */

let f: MailboxFixture;
let account: Account;

beforeAll(async () => {
  f = await startMailboxFixture('backup-timer');
  account = AccountService.account(f.data, 'home');
});

afterAll(async () => {
  await f?.close();
});

async function until(what: () => boolean, ms = 10_000): Promise<void> {
  for (const since = Date.now(); !what(); await new Promise((resolve) => setTimeout(resolve, 50))) {
    if (Date.now() - since > ms) throw new Error(`not within ${ms} ms`);
  }
}

const HOUR = 60 * 60_000;

describe("the engine's daily backup", () => {
  it('is made by the engine once a day while nothing arrives, and a failure does not stop watching', async () => {
    let clock = Date.now();
    process.env.HOME_PASSWORD = f.env.HOME_PASSWORD;
    const context = EngineContext.open(f.data, { offline: true });
    const engine = new Engine(context, { now: () => clock, backupCheckMs: 100 });
    const failures: WatchEvent[] = [];
    engine.on('backup', (e) => failures.push(e));
    engine.on('stopped', (e) => failures.push(e));
    try {
      const started = once(engine, 'started');
      engine.watch(account);
      await started;
      // The first, at start: there was none.
      await until(() => backups(f.data).length === 1);
      clock += 23 * HOUR;
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(backups(f.data)).toHaveLength(1);
      clock += 2 * HOUR;
      await until(() => backups(f.data).length === 2);
      // Named by the engine's clock, to the second.
      expect(backups(f.data)[0]!.time).toBe(Math.floor(clock / 1000) * 1000);

      // Where the backups go is a file now: told, tried again, and mail is still decided.
      const folder = join(f.data, 'backups');
      rmSync(folder, { recursive: true });
      writeFileSync(folder, 'not a folder');
      clock += 25 * HOUR;
      const [failed] = (await once(engine, 'backup')) as [WatchEvent];
      // Named with its folder and the way out, not only the system's words.
      expect(failed).toMatchObject({ kind: 'backup', error: expect.stringMatching(/^could not back up to \S+backups .*: make \S+backups a folder you can write to, on a disk with room$/) });
      const arrived = once(engine, 'arrival');
      const spam = await f.append('spam');
      expect((await arrived)[0].arrival).toMatchObject({ subject: spam, decision: { accept: false } });
      expect(engine.watching).toEqual(['home']);

      rmSync(folder);
      mkdirSync(folder);
      await until(() => backups(f.data).length === 1);
      expect(failures.every((e) => e.kind === 'backup')).toBe(true);
    } finally {
      await engine.stop();
      context.close();
      delete process.env.HOME_PASSWORD;
    }
  }, 60_000);
});
