import type { ApiEvent, CommandName, CommandParams, CommandResponse, WardenBridge } from '../../../src/api/contract.ts';
import { EventSocket } from './event-socket.ts';

/**
 * The engine, whichever way it is reached: the desktop app's preload bridge (window.warden), or
 * `warden serve` over HTTP and a WebSocket with the token this page was opened with (its URL
 * fragment, kept for the session and taken out of the address bar).
 */
declare global {
  interface Window {
    warden?: WardenBridge;
  }
}

const TOKEN_KEY = 'warden.token';

/** Takes `#token=…` from the address, keeps it for this tab, and leaves the address without it. */
export function takeToken(location: Location, storage: Storage, history: History): string | undefined {
  const match = /^#token=([\w-]+)/.exec(location.hash);
  if (match) {
    storage.setItem(TOKEN_KEY, match[1]!);
    history.replaceState(null, '', `${location.pathname}${location.search}#/activity`);
  }
  return storage.getItem(TOKEN_KEY) ?? undefined;
}

/** `warden serve` over HTTP, and its events over one WebSocket that reconnects (event-socket.ts). */
function httpTransport(token: string): { bridge: WardenBridge; events: EventSocket } {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const events = new EventSocket(
    (on) => {
      const socket = new WebSocket(`${scheme}://${location.host}/events?token=${encodeURIComponent(token)}`);
      socket.onopen = on.open;
      socket.onmessage = (m) => on.message(String(m.data));
      socket.onclose = on.close;
      return socket;
    },
    (fn, ms) => {
      const timer = setTimeout(fn, ms);
      return () => clearTimeout(timer);
    },
  );
  const bridge: WardenBridge = {
    async call(command, params) {
      const res = await fetch(`/api/${command}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify(params),
      });
      if (res.status === 401) return { ok: false, error: 'This page has no valid key any more: open the address warden serve printed.' };
      return (await res.json()) as CommandResponse<typeof command>;
    },
    onEvent: (listener) => events.onEvent(listener),
  };
  return { bridge, events };
}

function missingBridge(): WardenBridge {
  const error = 'This page was opened without its key: open the address warden serve printed (it ends with #token=…).';
  return { call: () => Promise.resolve({ ok: false, error }), onEvent: () => () => {} };
}

const token = typeof window !== 'undefined' && !window.warden ? takeToken(window.location, window.sessionStorage, window.history) : undefined;
// The desktop app's events come over IPC from the engine in the same app: none is ever missed.
const http = typeof window !== 'undefined' && !window.warden && token ? httpTransport(token) : undefined;
const bridge: WardenBridge = typeof window !== 'undefined' && window.warden ? window.warden : http ? http.bridge : missingBridge();

// Opened without the key, then given it (the address pasted into this tab): start again with it.
if (typeof window !== 'undefined' && !window.warden && !token) {
  window.addEventListener('hashchange', () => {
    if (window.location.hash.startsWith('#token=')) window.location.reload();
  });
}

/** This page is the desktop app's window (not a browser's tab on warden serve). */
export function inDesktopApp(): boolean {
  return typeof window !== 'undefined' && window.warden !== undefined;
}

/**
 * Calls a command; the response says ok with its result, or the error in words (and the field
 * at fault). Never rejects: a server that is gone is an error in words like any other.
 */
export async function call<C extends CommandName>(command: C, params: CommandParams<C>): Promise<CommandResponse<C>> {
  try {
    return await bridge.call(command, params);
  } catch {
    return { ok: false, error: 'Warden is not answering: is it still running? (warden serve, or the desktop app)' };
  }
}

export function onEvent(listener: (event: ApiEvent) => void): () => void {
  return bridge.onEvent(listener);
}

/**
 * Calls `listener` when the events are back after the connection to warden serve dropped: the
 * events sent meanwhile are lost, so a view loads again what it shows.
 */
export function onReconnect(listener: () => void): () => void {
  return http ? http.events.onReconnect(listener) : () => {};
}
