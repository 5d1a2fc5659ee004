import type { ApiEvent } from '../../../src/api/contract.ts';

/** Opens a WebSocket (the browser's) that reports to `on`; a socket that fails to open closes. */
export type OpenSocket = (on: { open: () => void; message: (text: string) => void; close: () => void }) => { close(): void };

/** Runs `fn` after `ms`; the answer cancels it. */
export type Schedule = (fn: () => void, ms: number) => () => void;

const FIRST_RETRY_MS = 1000;
const LAST_RETRY_MS = 30_000;

/**
 * The engine's events over one WebSocket (warden serve), shared by every listener of the page:
 * open while anyone listens. When it drops (the server restarted, the network went away) it
 * connects again, waiting 1 s, then twice as long each time up to 30 s. The events sent while it
 * was down are lost, so once it is back it tells the `onReconnect` listeners, which load again
 * what they show.
 */
export class EventSocket {
  readonly #open: OpenSocket;
  readonly #schedule: Schedule;
  readonly #listeners = new Set<(event: ApiEvent) => void>();
  readonly #reconnectListeners = new Set<() => void>();
  #socket: { close(): void } | undefined;
  #cancelRetry: (() => void) | undefined;
  #retryMs = FIRST_RETRY_MS;
  /** The socket closed (or never opened) since it was last open: events may have been missed. */
  #missed = false;

  constructor(open: OpenSocket, schedule: Schedule) {
    this.#open = open;
    this.#schedule = schedule;
  }

  /** Calls `listener` with every event; returns the unsubscribe function. */
  onEvent(listener: (event: ApiEvent) => void): () => void {
    this.#listeners.add(listener);
    if (this.#socket === undefined && this.#cancelRetry === undefined) this.#connect();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#stop();
    };
  }

  /** Calls `listener` each time the socket is back after it dropped. */
  onReconnect(listener: () => void): () => void {
    this.#reconnectListeners.add(listener);
    return () => this.#reconnectListeners.delete(listener);
  }

  #connect(): void {
    this.#cancelRetry = undefined;
    const socket = this.#open({
      open: () => {
        this.#retryMs = FIRST_RETRY_MS;
        if (!this.#missed) return;
        this.#missed = false;
        for (const listener of this.#reconnectListeners) listener();
      },
      message: (text) => {
        const event = JSON.parse(text) as ApiEvent;
        for (const listener of this.#listeners) listener(event);
      },
      close: () => {
        // A socket closed by #stop, or replaced since: nothing to do.
        if (this.#socket !== socket) return;
        this.#socket = undefined;
        this.#missed = true;
        const wait = this.#retryMs;
        this.#retryMs = Math.min(this.#retryMs * 2, LAST_RETRY_MS);
        this.#cancelRetry = this.#schedule(() => this.#connect(), wait);
      },
    });
    this.#socket = socket;
  }

  #stop(): void {
    this.#cancelRetry?.();
    this.#cancelRetry = undefined;
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.close();
  }
}
