import { describe, expect, it } from 'vitest';
import type { ApiEvent, ApiService, CommandName } from '../../src/api/contract.ts';
import { EVENT_CHANNEL } from '../../electron/channels.ts';
import { callHandler, sendEvent, type EventTarget } from '../../electron/ipc.ts';

/** An API that records its calls and answers each with its command's name. */
function recordingApi(): ApiService & { calls: [string, unknown][] } {
  const calls: [string, unknown][] = [];
  return {
    calls,
    call(command: CommandName, params: unknown) {
      calls.push([command, params]);
      return Promise.resolve({ ok: true, result: command } as never);
    },
    subscribe: () => () => undefined,
    close: () => Promise.resolve(),
  };
}

const ours = { senderFrame: { url: 'app://warden/index.html#/rejects', parent: null } };

describe('the IPC call handler', () => {
  it("passes a call from the app's page to the API, parameters unchecked (the API validates them)", async () => {
    const api = recordingApi();
    const handle = callHandler(api);
    expect(await handle(ours, 'accounts.list', {})).toEqual({ ok: true, result: 'accounts.list' });
    expect(await handle(ours, 'decisions.list', { limit: 'many' })).toEqual({ ok: true, result: 'decisions.list' });
    expect(api.calls).toEqual([
      ['accounts.list', {}],
      ['decisions.list', { limit: 'many' }],
    ]);
  });

  it('refuses a call from any other frame before the API sees it', async () => {
    const api = recordingApi();
    const handle = callHandler(api);
    for (const senderFrame of [
      { url: 'https://example.com/', parent: null },
      { url: 'file:///home/u/index.html', parent: null },
      { url: 'app://warden/index.html', parent: { url: 'app://warden/index.html' } },
      null,
    ]) {
      await expect(handle({ senderFrame }, 'accounts.list', {})).rejects.toThrow('Warden refuses IPC from a page that is not its own.');
    }
    expect(api.calls).toEqual([]);
  });

  it('answers an unknown command in words, without calling the API', async () => {
    const api = recordingApi();
    const handle = callHandler(api);
    expect(await handle(ours, 'accounts.drop', {})).toEqual({ ok: false, error: 'There is no command "accounts.drop".' });
    expect(await handle(ours, 'toString', {})).toEqual({ ok: false, error: 'There is no command "toString".' });
    expect(await handle(ours, 42, {})).toEqual({ ok: false, error: 'There is no command 42.' });
    expect(api.calls).toEqual([]);
  });
});

describe('events to the window', () => {
  const event: ApiEvent = { kind: 'connected', account: 'home' };

  function target(url: string, destroyed = false): EventTarget & { sent: [string, ApiEvent][] } {
    const sent: [string, ApiEvent][] = [];
    return { sent, isDestroyed: () => destroyed, getURL: () => url, send: (channel, e) => sent.push([channel, e]) };
  }

  it("go to the app's page", () => {
    const window = target('app://warden/index.html#/decisions/4');
    expect(sendEvent(window, event)).toBe(true);
    expect(window.sent).toEqual([[EVENT_CHANNEL, event]]);
  });

  it('go nowhere else: another page, a closed window, no window', () => {
    for (const window of [target('https://example.com/'), target('app://warden/index.html', true)]) {
      expect(sendEvent(window, event)).toBe(false);
      expect(window.sent).toEqual([]);
    }
    expect(sendEvent(undefined, event)).toBe(false);
  });
});
