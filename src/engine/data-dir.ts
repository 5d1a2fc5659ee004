import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import envPaths from 'env-paths';

/**
 * Where Warden keeps its state: --data-dir, else $WARDEN_DATA_DIR, else the platform's
 * convention for application data (XDG_DATA_HOME on Linux, Application Support on macOS,
 * %LOCALAPPDATA% on Windows).
 */
export function resolveDataDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return flag || env.WARDEN_DATA_DIR || envPaths('warden', { suffix: '' }).data;
}

export function databaseFile(dataDir: string): string {
  return join(dataDir, 'warden.db');
}

/**
 * Makes sure the data folder can be used, creating it (the user's alone: 0700) when missing, or
 * says what is wrong with it and how to choose another. Created one level at a time: Node's
 * recursive mkdir never returns for some places that cannot hold a folder (under /proc).
 */
export function prepareDataDir(dataDir: string): void {
  const fix = 'choose another with --data-dir DIR or WARDEN_DATA_DIR';
  const missing: string[] = [];
  let at = resolve(dataDir);
  for (; !exists(at); at = dirname(at)) missing.unshift(at);
  if (!statSync(at).isDirectory()) {
    const where = at === resolve(dataDir) ? '' : ` (${at} is a file)`;
    throw new Error(`the data folder ${dataDir} ${where ? 'cannot be made' : 'is a file, not a folder'}${where}: ${fix}`);
  }
  for (const folder of missing) {
    try {
      mkdirSync(folder, { mode: 0o700 });
    } catch (err) {
      throw new Error(`the data folder ${dataDir} cannot be made (${(err as NodeJS.ErrnoException).code ?? (err as Error).message} at ${folder}): ${fix}`, { cause: err });
    }
  }
  try {
    accessSync(dataDir, constants.W_OK | constants.X_OK);
  } catch {
    throw new Error(`the data folder ${dataDir} is not writable by you: ${fix}, or give yourself access to it`);
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
