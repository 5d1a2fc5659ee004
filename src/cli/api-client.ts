import type { Command } from 'commander';
import { OwnerClient } from '../api/client.ts';
import type { CommandName, CommandParams, CommandResults } from '../api/contract.ts';
import { resolveDataDir } from '../engine/data-dir.ts';
import { FolderInUseError, type OwnerInfo } from '../engine/owner.ts';
import { refusal } from './folder.ts';

/** A command of the API contract, its refusal thrown as an Error in its own words. */
export type Call = <C extends CommandName>(command: C, params: CommandParams<C>) => Promise<CommandResults[C]>;

/**
 * Runs `work` over the API contract the UI uses, so both do the same thing the same way: the
 * running Warden's when one owns the data folder (docs/design.md, "one owner"), or else this
 * process's own, owning the folder for as long as the command runs and watching no account.
 * `work` is told the owner it talks to, if any, for what it says of where the change took effect.
 */
export async function withApi<T>(command: Command, what: string, work: (call: Call, owner?: OwnerInfo) => Promise<T>): Promise<T> {
  const dataDir = resolveDataDir(command.optsWithGlobals<{ dataDir?: string }>().dataDir);
  const { Api } = await import('../api/api.ts');
  let api;
  try {
    api = await Api.open(dataDir, { kind: 'command', command: what });
  } catch (err) {
    if (!(err instanceof FolderInUseError)) throw err;
    const owner = err.owner;
    if (!owner?.control) throw refusal(err, what);
    const client = new OwnerClient({ ...owner, control: owner.control });
    return work((name, params) => client.call(name, params), owner);
  }
  try {
    return await work(async (name, params) => {
      const response = await api.call(name, params);
      if (!response.ok) throw new Error(response.error);
      return response.result;
    });
  } finally {
    await api.close();
  }
}
