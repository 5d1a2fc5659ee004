import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FolderLock } from '../store/folder-lock.ts';
import { writeSecretFile } from './secret-files.ts';

/** Who owns a data folder: the desktop app, `warden serve`, `warden run`, or a command run while no engine runs. */
export type OwnerKind = 'app' | 'serve' | 'run' | 'command';

/** What the owner of a data folder tells the processes that find it taken (owner.json, 0600). */
export interface OwnerInfo {
  kind: OwnerKind;
  pid: number;
  /** When it took the folder (ms since the epoch). */
  since: number;
  /** The command, for `command` owners: `warden bootstrap home`. */
  command?: string;
  /** The owner's API (src/api/contract.ts), where other entry points send their commands. */
  control?: { url: string; token: string };
  /** The address of its UI in a browser, where it serves one (`warden serve`). */
  ui?: string;
}

/** The data folder is owned by another process; `owner` says which, when it said. */
export class FolderInUseError extends Error {
  override name = 'FolderInUseError';
  readonly owner: OwnerInfo | undefined;

  constructor(dataDir: string, owner: OwnerInfo | undefined) {
    super(`${dataDir} is in use by ${owner ? describeOwner(owner) : 'another Warden process'}`);
    this.owner = owner;
  }
}

/**
 * Ownership of a data folder (docs/design.md, "one owner"): the desktop app, `warden run` and
 * `warden serve` each take it for as long as they run, and a command that changes state takes
 * it for as long as it runs when no engine does; one process at a time. The lock is the
 * operating system's and dies with the process (FolderLock), so a killed owner leaves nothing
 * stale; owner.json beside it says who holds it and where its API listens.
 */
export class Ownership {
  readonly dataDir: string;
  #info: OwnerInfo;
  readonly #lock: FolderLock;
  #released = false;

  private constructor(dataDir: string, info: OwnerInfo, lock: FolderLock) {
    this.dataDir = dataDir;
    this.#info = info;
    this.#lock = lock;
  }

  /** Takes the folder, or throws FolderInUseError naming its owner. */
  static take(dataDir: string, info: Pick<OwnerInfo, 'kind' | 'command'>): Ownership {
    const taken = Ownership.tryTake(dataDir, info);
    if (taken instanceof Ownership) return taken;
    throw new FolderInUseError(dataDir, taken.owner);
  }

  /**
   * Takes the folder for an engine: waits while a command has it (`warden bootstrap`, cron's
   * `warden run --once`: they end by themselves, and the engine must not be the one refused),
   * telling `onWait` once; throws FolderInUseError when another engine has it.
   */
  static async takeForEngine(dataDir: string, kind: Exclude<OwnerKind, 'command'>, onWait?: (owner: OwnerInfo) => void): Promise<Ownership> {
    let told = false;
    for (;;) {
      const taken = Ownership.tryTake(dataDir, { kind });
      if (taken instanceof Ownership) return taken;
      if (taken.owner?.kind !== 'command') throw new FolderInUseError(dataDir, taken.owner);
      if (!told) onWait?.(taken.owner);
      told = true;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Takes the folder, or says who has it (waiting briefly for an owner that has just started to say so). */
  static tryTake(dataDir: string, info: Pick<OwnerInfo, 'kind' | 'command'>): Ownership | { owner: OwnerInfo | undefined } {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const lock = FolderLock.take(join(dataDir, 'owner.lock'));
    if (!lock) return { owner: readOwner(dataDir) };
    const ownership = new Ownership(dataDir, { ...info, pid: process.pid, since: Date.now() }, lock);
    ownership.#write();
    return ownership;
  }

  get info(): OwnerInfo {
    return this.#info;
  }

  /** Tells others where this owner's API and UI are, once they listen. */
  publish(update: Pick<OwnerInfo, 'control' | 'ui'>): void {
    this.#info = { ...this.#info, ...update };
    this.#write();
  }

  /**
   * Lets go of the folder: what said who owns it first, then the lock. Once: a second call must
   * not delete what the folder's next owner has written.
   */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    rmSync(ownerFile(this.dataDir), { force: true });
    this.#lock.release();
  }

  #write(): void {
    // 0600: it holds the token of the owner's API.
    writeSecretFile(ownerFile(this.dataDir), JSON.stringify(this.#info));
  }
}

/**
 * What owner.json says, when its writer is still alive. An owner writes it right after taking
 * the lock, so a process that finds the lock taken may read it a moment too early, or read what
 * a killed owner left: it waits a little for the new owner's own.
 */
function readOwner(dataDir: string): OwnerInfo | undefined {
  const deadline = Date.now() + 2_000;
  for (;;) {
    const info = readOwnerFile(dataDir);
    if (info && alive(info.pid)) return info;
    if (Date.now() > deadline) return undefined;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
}

function readOwnerFile(dataDir: string): OwnerInfo | undefined {
  try {
    return JSON.parse(readFileSync(ownerFile(dataDir), 'utf8')) as OwnerInfo;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it lives, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Who holds a data folder now, without keeping it: `free` when nobody does, else the owner as
 * it describes itself (undefined when it has not said).
 */
export function holderOf(dataDir: string): OwnerInfo | undefined | 'free' {
  const taken = Ownership.tryTake(dataDir, { kind: 'command', command: 'a look at who owns this folder' });
  if (!(taken instanceof Ownership)) return taken.owner;
  taken.release();
  return 'free';
}

function ownerFile(dataDir: string): string {
  return join(dataDir, 'owner.json');
}

const KIND_NAMES: Record<OwnerKind, string> = { app: 'the Warden app', serve: 'warden serve', run: 'warden run', command: 'a warden command' };

/** The owner in words: "warden serve (pid 4242, since 10:02), its UI at http://…". */
export function describeOwner(owner: OwnerInfo): string {
  const since = new Date(owner.since).toLocaleString();
  const what = owner.kind === 'command' && owner.command ? `\`${owner.command}\`` : KIND_NAMES[owner.kind];
  return `${what} (pid ${owner.pid}, since ${since})${owner.ui ? `, its UI at ${owner.ui}` : ''}`;
}
