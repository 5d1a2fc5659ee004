import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export type ElectronBinary = { path: string } | { missing: string };

/**
 * Electron's binary, found the way the electron package's index.js finds it (dist/ + the name
 * in path.txt, or $ELECTRON_OVERRIDE_DIST_PATH) but without its fallback: require('electron')
 * downloads the binary when it is missing, unbounded; fetchElectron does that with a limit.
 */
export function findElectron(electronDir: string, env: NodeJS.ProcessEnv): ElectronBinary {
  if (!existsSync(path.join(electronDir, 'package.json'))) return { missing: 'the electron package is not installed (npm install).' };
  let name: string | undefined;
  try {
    name = readFileSync(path.join(electronDir, 'path.txt'), 'utf8').trim() || undefined;
  } catch {
    name = undefined;
  }
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const binary = path.join(env.ELECTRON_OVERRIDE_DIST_PATH, name ?? 'electron');
    return existsSync(binary) ? { path: binary } : { missing: `$ELECTRON_OVERRIDE_DIST_PATH names no Electron binary (${binary} does not exist).` };
  }
  if (name === undefined) {
    return {
      missing:
        "Electron's binary was never downloaded (node_modules/electron/path.txt is missing): the electron package fetches it from GitHub on first use, which did not happen or could not reach GitHub.",
    };
  }
  const binary = path.join(electronDir, 'dist', name);
  return existsSync(binary) ? { path: binary } : { missing: `Electron's binary is not where its package says (${binary} does not exist).` };
}

/** How long fetching Electron's binary (about 100 MB) may take before npm start gives up on it. */
export const FETCH_TIMEOUT_MS = 5 * 60_000;

/**
 * Fetches Electron's binary the way the electron package does when it is first required: by
 * running its own installer (install.js, which downloads the release of the package's version,
 * checks it against the package's checksums and writes path.txt). Gives up after `timeoutMs`.
 * Resolves with what went wrong, or undefined when it worked.
 */
export function fetchElectron(electronDir: string, timeoutMs = FETCH_TIMEOUT_MS): Promise<string | undefined> {
  return new Promise((resolve) => {
    const installer = spawn(process.execPath, [path.join(electronDir, 'install.js')], { cwd: electronDir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    installer.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      installer.kill('SIGKILL');
      resolve(`it took longer than ${Math.round(timeoutMs / 1000)} s`);
    }, timeoutMs);
    installer.on('error', (err) => {
      clearTimeout(timer);
      resolve(err.message);
    });
    installer.on('exit', (code) => {
      clearTimeout(timer);
      // The installer prints a stack; its first line says what failed.
      resolve(code === 0 ? undefined : (stderr.trim().split('\n')[0] ?? '') || `its installer exited with ${code}`);
    });
  });
}

export type StartPlan = { run: 'electron'; binary: string } | { run: 'serve'; why: string } | { run: 'join'; url: string; why: string } | { run: 'nothing'; why: string };


/**
 * What npm start does in the checkout at `root`: the desktop app, fetching Electron's binary
 * first when it is missing, or the headless server and why. `say` tells the user what it waits for.
 */
export async function startPlan(root: string, env: NodeJS.ProcessEnv, say: (line: string) => void = () => {}, timeoutMs = FETCH_TIMEOUT_MS): Promise<StartPlan> {
  if (!existsSync(path.join(root, 'renderer', 'dist', 'index.html'))) {
    return { run: 'nothing', why: 'the UI is not built (renderer/dist/index.html is missing): build the renderer first.' };
  }
  const electronDir = path.join(root, 'node_modules', 'electron');
  let electron = findElectron(electronDir, env);
  // A binary named by $ELECTRON_OVERRIDE_DIST_PATH is the user's to provide, not fetched.
  if ('missing' in electron && existsSync(path.join(electronDir, 'install.js')) && !env.ELECTRON_OVERRIDE_DIST_PATH) {
    say(`Fetching Electron's binary (about 100 MB, once) with the electron package's installer; giving up after ${Math.round(timeoutMs / 1000)} s…`);
    const failed = await fetchElectron(electronDir, timeoutMs);
    if (failed) return { run: 'serve', why: `Electron's binary could not be fetched (${failed}): ${electron.missing}` };
    electron = findElectron(electronDir, env);
  }
  if ('missing' in electron) return { run: 'serve', why: `Electron does not start: ${electron.missing}` };
  return { run: 'electron', binary: electron.path };
}
