import { OwnerClient } from '../api/client.ts';
import { FolderInUseError, Ownership } from '../engine/owner.ts';

/**
 * Runs a command that changes the data folder (docs/design.md, "one owner"). When the app,
 * `warden serve` or `warden run` owns the folder, the change goes to that engine through its
 * control channel (`owner`), so it takes effect there at once; a command with no such way is
 * refused, naming the owner. With no owner, the command takes the folder itself (`here`) for as
 * long as it runs, so no engine can start under it.
 */
export async function changeFolder<T>(dataDir: string, command: string, how: { here: () => Promise<T> | T; owner?: (client: OwnerClient) => Promise<T> }): Promise<T> {
  const taken = Ownership.tryTake(dataDir, { kind: 'command', command });
  if (taken instanceof Ownership) {
    try {
      return await how.here();
    } finally {
      taken.release();
    }
  }
  const { owner } = taken;
  if (owner?.control && how.owner) return how.owner(new OwnerClient({ ...owner, control: owner.control }));
  throw refusal(new FolderInUseError(dataDir, owner), command);
}

/** A command refused because another process holds the folder: who, and what the user can do. */
export function refusal(error: FolderInUseError, command: string): Error {
  const owner = error.owner;
  const way = owner?.kind === 'command' ? 'wait until it has finished' : owner?.ui || owner?.kind === 'app' ? 'do this in its window, or stop it first' : 'stop it first';
  return new Error(`${error.message}: ${way}, then run ${command} again`, { cause: error });
}
