import { commandParams, type ApiEvent, type ApiService, type CommandName, type CommandResponse } from '../src/api/contract.ts';
import { EVENT_CHANNEL } from './channels.ts';
import { isAppUrl, isTrustedSender, type SenderFrame } from './security.ts';

/**
 * The handler of CALL_CHANNEL (ipcMain.handle): a call from the app's own page goes to the
 * API, which validates the parameters; anything else is refused before the API sees it.
 */
export function callHandler(api: ApiService) {
  return async (event: { senderFrame: SenderFrame | null }, command: unknown, params: unknown): Promise<CommandResponse<CommandName>> => {
    // A refusal throws: the sender is not ours, and gets no answer in the API's shape.
    if (!isTrustedSender(event.senderFrame)) throw new Error('Warden refuses IPC from a page that is not its own.');
    if (typeof command !== 'string' || !Object.hasOwn(commandParams, command)) {
      return { ok: false, error: `There is no command ${JSON.stringify(command)}.` };
    }
    return api.call(command as CommandName, params);
  };
}

/** The part of Electron's WebContents that events are sent to. */
export interface EventTarget {
  isDestroyed(): boolean;
  getURL(): string;
  send(channel: string, event: ApiEvent): void;
}

/**
 * Sends an event to the window when it shows the app's own page: events carry senders and
 * subjects, which a page the window had somehow been taken to must not get.
 */
export function sendEvent(target: EventTarget | undefined, event: ApiEvent): boolean {
  if (target === undefined || target.isDestroyed() || !isAppUrl(target.getURL())) return false;
  target.send(EVENT_CHANNEL, event);
  return true;
}
