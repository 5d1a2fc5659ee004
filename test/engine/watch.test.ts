import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountService, endpointOf, type Account } from '../../src/engine/accounts.ts';
import { AccountMailbox } from '../../src/engine/mailbox.ts';
import { EngineContext } from '../../src/engine/context.ts';
import { watch, type WatchEvent } from '../../src/engine/watch.ts';
import { startMailboxFixture, type MailboxFixture } from '../helpers/mailbox-fixture.ts';

/** Watching an account against a real Dovecot: how it retries what fails after every login. */

let f: MailboxFixture;
let account: Account;

beforeAll(async () => {
  f = await startMailboxFixture('watch');
  // watch reads the password where `warden run` would: this process's environment.
  Object.assign(process.env, f.env);
  const accounts = AccountService.open(f.data);
  try {
    account = accounts.get('home');
  } finally {
    accounts.close();
  }
});

afterAll(async () => {
  await f?.close();
});

describe('watch', () => {
  it('waits longer each time an error recurs after every successful login', async () => {
    // A Junk folder the server does not have: every login succeeds, and every catch-up fails.
    const broken: Account = { ...account, config: { ...account.config, folders: { junk: 'No such folder' } } };
    const stop = new AbortController();
    const events: WatchEvent[] = [];
    const disconnects: number[] = [];
    const context = EngineContext.open(f.data, { offline: true });
    const done = watch(AccountMailbox.open(context, broken), {
      signal: stop.signal,
      backoff: { firstMs: 20, maxMs: 10_000 },
      random: () => 0.5, // no jitter: the wait is the delay
      endpoint: endpointOf(broken, process.env),
      onEvent: (event) => {
        events.push(event);
        if (event.kind === 'disconnected') {
          disconnects.push(event.retryInMs);
          if (disconnects.length === 6) stop.abort();
        }
      },
    });
    await done.finally(() => context.close());
    expect(events.filter((e) => e.kind === 'connected')).toHaveLength(6);
    expect(events.find((e) => e.kind === 'disconnected')).toMatchObject({ error: expect.stringContaining('No such folder') });
    expect(disconnects).toEqual([20, 40, 80, 160, 320, 640]);
  }, 60_000);
});
