import type { OwnerInfo } from '../engine/owner.ts';
import type { CommandName, CommandParams, CommandResponse, CommandResults } from './contract.ts';

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
}
