import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../src/api/api.ts';
import type { ApiEvent } from '../../src/api/contract.ts';
import { linuxLoginItem } from '../../electron/login-item.ts';

/**
 * Start at login through the API, as Settings and the tray both use it: with the desktop app's
 * login item (the real Linux one, writing an XDG autostart file in a temporary folder), and
 * without one (warden serve, npm start).
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'warden-preferences-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

async function withApi(name: string, options: Parameters<typeof Api.open>[1], use: (api: Api, events: ApiEvent[]) => Promise<void>): Promise<void> {
  const api = await Api.open(path.join(dir, name), { offline: true, ...options });
  const events: ApiEvent[] = [];
  api.subscribe((e) => events.push(e));
  try {
    await use(api, events);
  } finally {
    await api.close();
  }
}

describe('start at login', () => {
  it('is null where there is no login item, and setting it is refused with the field named, changing nothing', async () => {
    await withApi('headless', {}, async (api, events) => {
      expect(await api.call('preferences.get', {})).toEqual({ ok: true, result: { notifications: true, startAtLogin: null } });
      const refused = await api.call('preferences.set', { notifications: false, startAtLogin: true });
      expect(refused).toEqual({ ok: false, error: expect.stringMatching(/^startAtLogin: Warden cannot start at login from here: only the installed desktop app can/), field: 'startAtLogin' });
      expect(await api.call('preferences.get', {})).toEqual({ ok: true, result: { notifications: true, startAtLogin: null } });
      expect(events).toEqual([]);
      // What is available still changes.
      expect(await api.call('preferences.set', { notifications: false })).toEqual({ ok: true, result: { notifications: false, startAtLogin: null } });
    });
  });

  it("is the login item's state, switched through preferences.set, with an event for the tray and Settings", async () => {
    const file = path.join(dir, 'config', 'autostart', 'warden.desktop');
    await withApi('desktop', { loginItem: linuxLoginItem(file, '/opt/Warden/warden') }, async (api, events) => {
      expect(await api.call('preferences.get', {})).toEqual({ ok: true, result: { notifications: true, startAtLogin: false } });
      expect(await api.call('preferences.set', { startAtLogin: true })).toEqual({ ok: true, result: { notifications: true, startAtLogin: true } });
      expect(await readFile(file, 'utf8')).toContain('Exec=/opt/Warden/warden --hidden\n');
      expect(events).toEqual([{ kind: 'preferences', preferences: { notifications: true, startAtLogin: true } }]);
      // Turned off outside Warden (the desktop's own settings remove the file): reported as it is.
      await rm(file);
      expect(await api.call('preferences.get', {})).toMatchObject({ ok: true, result: { startAtLogin: false } });
      await api.call('preferences.set', { startAtLogin: true });
      expect(await api.call('preferences.set', { startAtLogin: false, notifications: false })).toEqual({ ok: true, result: { notifications: false, startAtLogin: false } });
      expect(await exists(file)).toBe(false);
    });
  });

  it('says what failed when the login item cannot be changed, and stores nothing then', async () => {
    // A file where the autostart folder's parent should be: the folder cannot be made.
    const notAFolder = path.join(dir, 'not-a-folder');
    await writeFile(notAFolder, '');
    await withApi('blocked', { loginItem: linuxLoginItem(path.join(notAFolder, 'autostart', 'warden.desktop'), '/opt/Warden/warden') }, async (api, events) => {
      const failed = await api.call('preferences.set', { startAtLogin: true, notifications: false });
      expect(failed).toEqual({ ok: false, error: expect.stringMatching(/^start at login could not be turned on: .*not-a-folder/) });
      expect(await api.call('preferences.get', {})).toEqual({ ok: true, result: { notifications: true, startAtLogin: false } });
      expect(events).toEqual([]);
    });
  });
});
