import type { OwnerClient } from '../api/client.ts';
import type { CommandName, CommandParams, CommandResults } from '../api/contract.ts';
import { FolderInUseError, Ownership, type OwnerInfo } from '../engine/owner.ts';

/**
 * Runs a command that changes the data folder (docs/design.md, "one owner"). When the app,
 * `warden serve` or `warden run` owns the folder, the change goes to that engine through its
 * control channel (`owner`), so it takes effect there at once; a command with no such way is
 * refused, naming the owner. With no owner, the command takes the folder itself (`here`) for as
 * long as it runs, so no engine can start under it.
 */
export async function changeFolder<T>(dataDir: string, command: string, how: { here: (ownership: Ownership) => Promise<T> | T; owner?: (client: OwnerClient) => Promise<T> }): Promise<T> {
  const taken = Ownership.tryTake(dataDir, { kind: 'command', command });
  if (taken instanceof Ownership) {
    try {
      return await how.here(taken);
    } finally {
      taken.release();
    }
  }
  const { owner } = taken;
  if (owner?.control && how.owner) {
    // Loaded only to talk to an owner: its WebSocket library is 10 MB resident that a command
    // working here does without (docs/measured.md).
    const { OwnerClient } = await import('../api/client.ts');
    return how.owner(new OwnerClient({ ...owner, control: owner.control }));
  }
  throw refusal(new FolderInUseError(dataDir, owner), command);
}

/** A command of the API contract, its refusal thrown as an Error in its own words. */
export type Call = <C extends CommandName>(command: C, params: CommandParams<C>) => Promise<CommandResults[C]>;

/**
 * Runs `work` over the API contract the UI uses, so both do the same thing the same way (see
 * changeFolder): the running Warden's when one owns the data folder, or else this process's
 * own, watching no account. `work` is told the owner it talks to, if any, for what it says of
 * where the change took effect.
 */
export function withApi<T>(dataDir: string, command: string, work: (call: Call, owner?: OwnerInfo) => Promise<T>): Promise<T> {
  return changeFolder(dataDir, command, {
    here: async (ownership) => {
      const { Api } = await import('../api/api.ts');
      const api = await Api.over(ownership, { kind: 'command', command });
      try {
        return await work(async (name, params) => {
          const response = await api.call(name, params);
          if (!response.ok) throw new Error(response.error);
          return response.result;
        });
      } finally {
        await api.close();
      }
    },
    owner: (client) => work((name, params) => client.call(name, params), client.owner),
  });
}

/** A command refused because another process holds the folder: who, and what the user can do. */
export function refusal(error: FolderInUseError, command: string): Error {
  const owner = error.owner;
  const way = owner?.kind === 'command' ? 'wait until it has finished' : owner?.ui || owner?.kind === 'app' ? 'do this in its window, or stop it first' : 'stop it first';
  return new Error(`${error.message}: ${way}, then run ${command} again`, { cause: error });
}
