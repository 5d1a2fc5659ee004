import { describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../src/api/contract.ts';
import { createBridge, type IpcRendererLike } from '../../electron/bridge.ts';
import { CALL_CHANNEL, EVENT_CHANNEL } from '../../electron/channels.ts';

type Listener = (event: unknown, ...args: unknown[]) => void;

/** An ipcRenderer that records invocations and delivers what the test emits. */
function fakeIpc() {
  const invoked: unknown[][] = [];
  const listeners = new Map<string, Set<Listener>>();
  const ipc: IpcRendererLike = {
    invoke: (...args) => {
      invoked.push(args);
      return Promise.resolve({ ok: true, result: [] });
    },
    on: (channel, listener) => listeners.set(channel, (listeners.get(channel) ?? new Set()).add(listener)),
    removeListener: (channel, listener) => listeners.get(channel)?.delete(listener),
  };
  const emit = (channel: string, ...args: unknown[]) => listeners.get(channel)?.forEach((l) => l({ sender: ipc, ports: [] }, ...args));
  return { ipc, invoked, listeners, emit };
}

describe('window.warden', () => {
  it('has the two functions of WardenBridge and nothing else, and cannot be changed', () => {
    const bridge = createBridge(fakeIpc().ipc);
    expect(Object.keys(bridge).sort()).toEqual(['call', 'onEvent']);
    expect(Object.isFrozen(bridge)).toBe(true);
  });

  it('calls over the call channel and returns the answer', async () => {
    const { ipc, invoked } = fakeIpc();
    const answer = await createBridge(ipc).call('rejects.list', { account: 'home' });
    expect(answer).toEqual({ ok: true, result: [] });
    expect(invoked).toEqual([[CALL_CHANNEL, 'rejects.list', { account: 'home' }]]);
  });

  it('hands a listener the event only, never the IPC event with its sender', () => {
    const { ipc, emit } = fakeIpc();
    const received: unknown[][] = [];
    createBridge(ipc).onEvent((...args) => received.push(args));
    const event: ApiEvent = { kind: 'started', account: 'home' };
    emit(EVENT_CHANNEL, event);
    expect(received).toEqual([[event]]);
  });

  it('stops calling a listener once it unsubscribes', () => {
    const { ipc, emit, listeners } = fakeIpc();
    const received: ApiEvent[] = [];
    const unsubscribe = createBridge(ipc).onEvent((e) => received.push(e));
    emit(EVENT_CHANNEL, { kind: 'started', account: 'a' });
    unsubscribe();
    emit(EVENT_CHANNEL, { kind: 'started', account: 'b' });
    expect(received).toEqual([{ kind: 'started', account: 'a' }]);
    expect(listeners.get(EVENT_CHANNEL)?.size).toBe(0);
  });
});
