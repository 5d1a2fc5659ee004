import { describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../src/api/contract.ts';
import { EventSocket, type OpenSocket } from '../../renderer/src/lib/event-socket.ts';

/** Sockets and timers the test drives: what the browser and the server would do. */
function world() {
  const sockets: { on: Parameters<OpenSocket>[0]; closed: boolean }[] = [];
  const timers: { fn: () => void; ms: number; cancelled: boolean }[] = [];
  const open: OpenSocket = (on) => {
    const socket = { on, closed: false };
    sockets.push(socket);
    return { close: () => void (socket.closed = true) };
  };
  const schedule = (fn: () => void, ms: number) => {
    const timer = { fn, ms, cancelled: false };
    timers.push(timer);
    return () => void (timer.cancelled = true);
  };
  const last = () => sockets.at(-1)!;
  /** The socket drops, and the retry fires (the server is still down: it closes again, or it opens). */
  const drop = () => last().on.close();
  const retry = () => timers.at(-1)!.fn();
  return { sockets, timers, events: new EventSocket(open, schedule), last, drop, retry };
}

const event: ApiEvent = { kind: 'preferences', preferences: { notifications: true, startAtLogin: null } };

describe('the event socket', () => {
  it('is one socket for every listener, open while anyone listens', () => {
    const w = world();
    const got: ApiEvent[][] = [[], []];
    const offs = got.map((list) => w.events.onEvent((e) => list.push(e)));
    expect(w.sockets).toHaveLength(1);
    w.last().on.open();
    w.last().on.message(JSON.stringify(event));
    expect(got).toEqual([[event], [event]]);
    offs[0]!();
    expect(w.last().closed).toBe(false);
    offs[1]!();
    expect(w.last().closed).toBe(true);
    // Closed on purpose: not opened again.
    w.last().on.close();
    expect(w.timers).toEqual([]);
  });

  it('connects again after a drop, waiting longer each time, and then says events were missed', () => {
    const w = world();
    let reconnects = 0;
    w.events.onReconnect(() => reconnects++);
    w.events.onEvent(() => {});
    w.last().on.open();
    expect(reconnects).toBe(0);
    w.drop();
    w.retry();
    w.drop();
    w.retry();
    w.drop();
    expect(w.timers.map((t) => t.ms)).toEqual([1000, 2000, 4000]);
    expect(reconnects).toBe(0);
    w.retry();
    w.last().on.open();
    expect(reconnects).toBe(1);
    expect(w.sockets).toHaveLength(4);
    // Back to a short wait once it was open.
    w.drop();
    expect(w.timers.at(-1)!.ms).toBe(1000);
  });

  it('waits at most 30 s between tries', () => {
    const w = world();
    w.events.onEvent(() => {});
    for (let i = 0; i < 8; i++) {
      w.drop();
      w.retry();
    }
    expect(w.timers.map((t) => t.ms)).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('counts a first connection that failed as a drop: the views loaded while the server was away', () => {
    const w = world();
    let reconnects = 0;
    w.events.onReconnect(() => reconnects++);
    w.events.onEvent(() => {});
    w.drop();
    w.retry();
    w.last().on.open();
    expect(reconnects).toBe(1);
  });

  it('stops trying when the last listener leaves', () => {
    const w = world();
    const off = w.events.onEvent(() => {});
    w.drop();
    off();
    expect(w.timers[0]!.cancelled).toBe(true);
  });
});
