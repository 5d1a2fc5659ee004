import { join } from 'node:path';
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
