import { describeOwner, FolderInUseError, holderOf } from '../src/api/api.ts';
import type { StartPlan } from './launch.ts';

/**
 * What npm start does when another Warden engine owns the data folder (docs/design.md, "one
 * owner"): a second engine would be refused, so it opens the UI that one serves (`warden serve`:
 * the user meant to open Warden, and that is Warden), or says which process has the folder when
 * it serves none. Undefined when the folder is free, or held by the desktop app (whose second
 * start shows its window) or by a command (which an engine waits for).
 */
export function joinPlan(dataDir: string): StartPlan | undefined {
  const owner = holderOf(dataDir);
  if (owner === 'free' || owner?.kind === 'app' || owner?.kind === 'command') return undefined;
  if (owner?.ui) return { run: 'join', url: owner.ui, why: `Warden is already running: ${describeOwner(owner)}` };
  return { run: 'nothing', why: `${new FolderInUseError(dataDir, owner).message}: stop it first, then run npm start again.` };
}
