import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { OwnerInfo } from '../engine/owner.ts';
import type { ApiEvent, CommandName, CommandParams, CommandResponse, CommandResults } from './contract.ts';

/**
 * A client of the process that owns a data folder, over its control channel (owner.json names
 * it): what a CLI command uses when the app, `warden serve` or `warden run` is running, so the
 * change happens in the engine that runs and takes effect at once.
 */
export class OwnerClient {
  readonly owner: OwnerInfo;
  readonly #control: NonNullable<OwnerInfo['control']>;

  constructor(owner: OwnerInfo & { control: NonNullable<OwnerInfo['control']> }) {
    this.owner = owner;
    this.#control = owner.control;
  }

  /** Calls a command of the contract; its refusal is thrown as an Error with the owner's words. */
  async call<C extends CommandName>(command: C, params: CommandParams<C>): Promise<CommandResults[C]> {
    let response: Response;
    try {
      response = await fetch(`${this.#control.url}/api/${command}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${this.#control.token}` },
        body: JSON.stringify(params),
        signal: AbortSignal.timeout(10 * 60_000),
      });
    } catch (err) {
      throw new Error(`could not reach the Warden process that owns this data folder (pid ${this.owner.pid}): ${(err as Error).message}`, { cause: err });
    }
    const answer = (await response.json()) as CommandResponse<C>;
    if (!answer.ok) throw new Error(answer.error);
    return answer.result;
  }

  /**
   * Listens to the owner's events (the UI's WebSocket, /events): resolves once listening, with
   * the listener's name, which work asked for can be tied to (it ends when this process does),
   * and the way to stop. `onClose` is told when the owner goes away first.
   */
  subscribe(onEvent: (event: ApiEvent) => void, onClose: () => void): Promise<{ listener: string; close: () => void }> {
    const listener = randomUUID();
    const url = new URL('/events', this.#control.url);
    url.protocol = 'ws:';
    url.searchParams.set('token', this.#control.token);
    url.searchParams.set('listener', listener);
    const ws = new WebSocket(url);
    let closing = false;
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve({ listener, close: () => ((closing = true), ws.close()) }));
      ws.once('error', (err) => reject(new Error(`could not listen to the Warden process that owns this data folder (pid ${this.owner.pid}): ${err.message}`, { cause: err })));
      ws.on('message', (data: Buffer) => onEvent(JSON.parse(data.toString('utf8')) as ApiEvent));
      ws.once('close', () => closing || onClose());
    });
  }
}
