import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../src/api/api.ts';
import { syntheticMessage } from '../helpers/synthetic-mail.ts';

/**
 * A set-up of `warden junk train` through a running Warden belongs to the command's event
 * listener: the command killed (its WebSocket gone), the owner ends the set-up at once, scoring
 * the wanted mail it trained, rather than an hour later. Over a real engine and SQLite file.
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'warden-set-up-listener-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const base64 = (kind: 'ham' | 'spam', from: number, count: number) =>
  Array.from({ length: count }, (_, i) => Buffer.from(syntheticMessage(kind, from + i)).toString('base64'));

describe('a set-up begun for an event listener', () => {
  it('ends when the listener goes, and is refused for a listener not subscribed', async () => {
    const api = await Api.open(path.join(dir, 'data'), { offline: true });
    try {
      expect(await api.call('junk.beginSetUp', { listener: 'gone' })).toEqual({ ok: false, error: 'no event listener named gone is subscribed: subscribe first, then ask' });

      const unsubscribe = api.subscribe(() => {}, 'cli');
      const begun = await api.call('junk.beginSetUp', { listener: 'cli' });
      if (!begun.ok) throw new Error(begun.error);
      const { setUp } = begun.result;
      expect(await api.call('junk.train', { label: 'spam', messages: base64('spam', 0, 20), setUp })).toMatchObject({ ok: true });
      expect(await api.call('junk.train', { label: 'ham', messages: base64('ham', 0, 110), setUp })).toMatchObject({ ok: true });
      // Open: its wanted mail has no held-out score yet.
      expect(await api.call('filter.get', {})).toMatchObject({ ok: true, result: { judging: { ham: 0 } } });

      unsubscribe();
      const filter = await api.call('filter.get', {});
      if (!filter.ok) throw new Error(filter.error);
      expect(filter.result.judging.ham).toBe(110);
      expect(await api.call('junk.endSetUp', { setUp })).toMatchObject({ ok: false, error: expect.stringMatching(/^no set-up .* is open here/) });
    } finally {
      await api.close();
    }
  });
});
