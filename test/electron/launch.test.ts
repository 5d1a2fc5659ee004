import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findElectron, startPlan } from '../../electron/launch.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'warden-launch-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A checkout at `root` with an electron package, its path.txt and binary as asked. */
async function checkout(name: string, parts: { pathTxt?: string; binary?: boolean; ui?: boolean }): Promise<string> {
  const root = path.join(dir, name);
  const electron = path.join(root, 'node_modules', 'electron');
  await mkdir(path.join(electron, 'dist'), { recursive: true });
  await writeFile(path.join(electron, 'package.json'), '{"name":"electron"}');
  if (parts.pathTxt !== undefined) await writeFile(path.join(electron, 'path.txt'), parts.pathTxt);
  if (parts.binary) await writeFile(path.join(electron, 'dist', 'electron'), '');
  if (parts.ui) {
    await mkdir(path.join(root, 'renderer', 'dist'), { recursive: true });
    await writeFile(path.join(root, 'renderer', 'dist', 'index.html'), '');
  }
  return root;
}

describe("finding Electron's binary without downloading it", () => {
  it('finds it where path.txt says', async () => {
    const root = await checkout('present', { pathTxt: 'electron', binary: true });
    expect(findElectron(path.join(root, 'node_modules', 'electron'), {})).toEqual({ path: path.join(root, 'node_modules', 'electron', 'dist', 'electron') });
  });

  it('says why when there is none', async () => {
    const never = await checkout('never', {});
    expect(findElectron(path.join(never, 'node_modules', 'electron'), {})).toEqual({
      missing:
        "Electron's binary was never downloaded (node_modules/electron/path.txt is missing): the electron package fetches it from GitHub on first use, which did not happen or could not reach GitHub.",
    });
    const gone = await checkout('gone', { pathTxt: 'electron' });
    expect(findElectron(path.join(gone, 'node_modules', 'electron'), {})).toEqual({
      missing: `Electron's binary is not where its package says (${path.join(gone, 'node_modules', 'electron', 'dist', 'electron')} does not exist).`,
    });
    expect(findElectron(path.join(dir, 'nothing', 'electron'), {})).toEqual({ missing: 'the electron package is not installed (npm install).' });
  });

  it('takes $ELECTRON_OVERRIDE_DIST_PATH as the electron package does', async () => {
    const root = await checkout('override', {});
    const dist = path.join(dir, 'override-dist');
    await mkdir(dist, { recursive: true });
    const electron = path.join(root, 'node_modules', 'electron');
    expect(findElectron(electron, { ELECTRON_OVERRIDE_DIST_PATH: dist })).toEqual({
      missing: `$ELECTRON_OVERRIDE_DIST_PATH names no Electron binary (${path.join(dist, 'electron')} does not exist).`,
    });
    await writeFile(path.join(dist, 'electron'), '');
    expect(findElectron(electron, { ELECTRON_OVERRIDE_DIST_PATH: dist })).toEqual({ path: path.join(dist, 'electron') });
  });
});

describe('what npm start runs', () => {
  it('Electron when its binary and the built UI are there', async () => {
    const root = await checkout('ready', { pathTxt: 'electron', binary: true, ui: true });
    expect(startPlan(root, {})).toEqual({ run: 'electron', binary: path.join(root, 'node_modules', 'electron', 'dist', 'electron') });
  });

  it('nothing, saying so, when the UI is not built', async () => {
    const root = await checkout('no-ui', { pathTxt: 'electron', binary: true });
    expect(startPlan(root, {})).toEqual({ run: 'nothing', why: 'the UI is not built (renderer/dist/index.html is missing): build the renderer first.' });
  });

  it('the headless server, with the reason, when Electron is missing', async () => {
    const root = await checkout('no-binary', { ui: true });
    const plan = startPlan(root, {});
    expect(plan.run).toBe('serve');
    expect('why' in plan && plan.why).toMatch(/^Electron does not start: Electron's binary was never downloaded/);
  });

  it('says, as a real process, why Electron did not start and that the server starts instead', async () => {
    const empty = path.join(dir, 'empty-dist');
    await mkdir(empty, { recursive: true });
    const child = spawn(process.execPath, ['electron/start.ts', '--data-dir', path.join(dir, 'data')], {
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: empty },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // `warden serve` keeps running: the test reads until it prints its address, then stops it.
    let stderr = '';
    let stdout = '';
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('\n')) resolve();
      });
      child.on('exit', () => resolve());
    });
    child.kill();
    expect(stderr).toContain(`warden: Electron does not start: $ELECTRON_OVERRIDE_DIST_PATH names no Electron binary (${path.join(empty, 'electron')} does not exist).\n`);
    expect(stderr).toContain('warden: starting the headless server instead; open the URL it prints in a browser.\n');
    expect(stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+\n/);
  });
});
