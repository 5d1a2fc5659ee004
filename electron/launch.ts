import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export type ElectronBinary = { path: string } | { missing: string };

/**
 * Electron's binary, found the way the electron package's index.js finds it (dist/ + the name
 * in path.txt, or $ELECTRON_OVERRIDE_DIST_PATH) but without its fallback: require('electron')
 * downloads the binary when it is missing, and hangs or throws on a machine without that access.
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

export type StartPlan = { run: 'electron'; binary: string } | { run: 'serve'; why: string } | { run: 'nothing'; why: string };

/** What npm start does in the checkout at `root`: the desktop app, or the headless server and why. */
export function startPlan(root: string, env: NodeJS.ProcessEnv): StartPlan {
  const electron = findElectron(path.join(root, 'node_modules', 'electron'), env);
  if ('missing' in electron) return { run: 'serve', why: `Electron does not start: ${electron.missing}` };
  if (!existsSync(path.join(root, 'renderer', 'dist', 'index.html'))) {
    return { run: 'nothing', why: 'the UI is not built (renderer/dist/index.html is missing): build the renderer first.' };
  }
  return { run: 'electron', binary: electron.path };
}
