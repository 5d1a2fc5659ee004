import type { ApiEvent, CommandName, CommandParams, CommandResponse, WardenBridge } from '../src/api/contract.ts';
import { CALL_CHANNEL, EVENT_CHANNEL } from './channels.ts';

/** The part of Electron's ipcRenderer the bridge uses, so tests can pass their own. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/**
 * `window.warden`: the API's two calls over IPC and nothing more. The page never gets
 * ipcRenderer itself, nor the IPC event (whose `sender` is ipcRenderer): only the ApiEvent.
 */
export function createBridge(ipc: IpcRendererLike): WardenBridge {
  return Object.freeze({
    call<C extends CommandName>(command: C, params: CommandParams<C>): Promise<CommandResponse<C>> {
      return ipc.invoke(CALL_CHANNEL, command, params) as Promise<CommandResponse<C>>;
    },
    onEvent(listener: (event: ApiEvent) => void): () => void {
      const forward = (_event: unknown, apiEvent: unknown) => listener(apiEvent as ApiEvent);
      ipc.on(EVENT_CHANNEL, forward);
      return () => {
        ipc.removeListener(EVENT_CHANNEL, forward);
      };
    },
  });
}
