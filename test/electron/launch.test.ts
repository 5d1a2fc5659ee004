import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinPlan } from '../../electron/join.ts';
import { findElectron, startPlan } from '../../electron/launch.ts';
import { spawnWarden } from '../helpers/warden.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'warden-launch-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A checkout at `root` with an electron package, its path.txt and binary as asked. */
async function checkout(name: string, parts: { pathTxt?: string; binary?: boolean; ui?: boolean; installer?: string }): Promise<string> {
  const root = path.join(dir, name);
  const electron = path.join(root, 'node_modules', 'electron');
  await mkdir(path.join(electron, 'dist'), { recursive: true });
  await writeFile(path.join(electron, 'package.json'), '{"name":"electron"}');
  if (parts.installer !== undefined) await writeFile(path.join(electron, 'install.js'), parts.installer);
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

/**
 * A stand-in for Electron: a script that records the arguments it was started with, and the
 * signal that stopped it, in `record`.
 */
function standIn(record: string): string {
  // The trap first, then the arguments by a rename: once the record exists, it holds them and a
  // SIGTERM is recorded (a test that waits for the file may stop the binary at once).
  return `#!/bin/sh
trap 'echo stopped >> ${record}; exit 0' TERM INT
echo "$@" > ${record}.partial && mv ${record}.partial ${record}
while :; do sleep 0.1; done
`;
}

/** A stand-in for the electron package's installer: writes the binary and path.txt, as it does. */
function installerWriting(binary: string): string {
  return `const fs = require('fs'), path = require('path');
fs.writeFileSync(path.join(__dirname, 'dist', 'electron'), ${JSON.stringify(binary)}, { mode: 0o755 });
fs.writeFileSync(path.join(__dirname, 'path.txt'), 'electron');
`;
}

describe('what npm start runs', () => {
  it('Electron when its binary and the built UI are there', async () => {
    const root = await checkout('ready', { pathTxt: 'electron', binary: true, ui: true });
    expect(await startPlan(root, {})).toEqual({ run: 'electron', binary: path.join(root, 'node_modules', 'electron', 'dist', 'electron') });
  });

  it('nothing, saying so, when the UI is not built', async () => {
    const root = await checkout('no-ui', { pathTxt: 'electron', binary: true });
    expect(await startPlan(root, {})).toEqual({ run: 'nothing', why: 'the UI is not built (renderer/dist/index.html is missing): build the renderer first.' });
  });

  it("fetches a missing binary with the package's own installer, saying so, then runs it", async () => {
    const record = path.join(dir, 'fetched-args');
    const root = await checkout('fetch', { ui: true, installer: installerWriting(standIn(record)) });
    const said: string[] = [];
    const plan = await startPlan(root, {}, (line) => said.push(line));
    const binary = path.join(root, 'node_modules', 'electron', 'dist', 'electron');
    expect(plan).toEqual({ run: 'electron', binary });
    expect(said).toEqual(["Fetching Electron's binary (about 100 MB, once) with the electron package's installer; giving up after 300 s…"]);
    // What path.txt now points at is what runs.
    const child = spawn(binary, [root, '--data-dir', 'x']);
    await until(() => existsSync(record));
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(readFileSync(record, 'utf8')).toBe(`${root} --data-dir x\nstopped\n`);
  });

  it('the headless server, saying why, when the fetch fails or takes too long', async () => {
    const failing = await checkout('fetch-fails', { ui: true, installer: "console.error('RequestError: getaddrinfo ENOTFOUND github.com'); console.error('    at stack'); process.exit(1);" });
    expect(await startPlan(failing, {})).toEqual({
      run: 'serve',
      why: "Electron's binary could not be fetched (RequestError: getaddrinfo ENOTFOUND github.com): Electron's binary was never downloaded (node_modules/electron/path.txt is missing): the electron package fetches it from GitHub on first use, which did not happen or could not reach GitHub.",
    });
    const hanging = await checkout('fetch-hangs', { ui: true, installer: 'setInterval(() => {}, 1000);' });
    const started = Date.now();
    const plan = await startPlan(hanging, {}, () => {}, 1500);
    expect(plan).toMatchObject({ run: 'serve', why: expect.stringMatching(/^Electron's binary could not be fetched \(it took longer than 2 s\)/) });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('the headless server, with the reason, when Electron is missing and there is no installer', async () => {
    const root = await checkout('no-binary', { ui: true });
    const plan = await startPlan(root, {});
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

  it('starts the binary the package points at with the checkout and the arguments, and stops it when npm start is stopped', { timeout: 300_000 }, async () => {
    const dist = path.join(dir, 'stand-in-dist');
    await mkdir(dist, { recursive: true });
    for (const [name, stopStart] of [
      ['signal', (shell: ChildProcess, start: number) => process.kill(start, 'SIGTERM')],
      // npm stops the shell it runs a script in, which dies without passing the signal on.
      ['shell', (shell: ChildProcess) => shell.kill('SIGTERM')],
    ] as const) {
      const record = path.join(dir, `started-${name}`);
      await writeFile(path.join(dist, 'electron'), standIn(record), { mode: 0o755 });
      // As npm runs it: under a shell.
      const shell = spawn('/bin/sh', ['-c', `${process.execPath} electron/start.ts --data-dir ${path.join(dir, 'data')}; true`], {
        env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: dist },
        stdio: 'ignore',
      });
      await until(() => existsSync(record), 90_000);
      expect(readFileSync(record, 'utf8')).toBe(`${ROOT} --data-dir ${path.join(dir, 'data')}\n`);
      const start = Number(execFileSync('pgrep', ['-P', String(shell.pid), '-f', 'electron/start.ts'], { encoding: 'utf8' }).trim());
      stopStart(shell, start);
      await until(() => readFileSync(record, 'utf8').endsWith('stopped\n'));
      await until(() => !alive(start));
    }
  });
});

const ROOT = path.resolve(import.meta.dirname, '..', '..');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!done()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('npm start while warden serve owns the data folder', () => {
  it("opens that one's UI in the browser instead of starting a second Warden", async () => {
    const data = path.join(dir, 'served');
    expect(joinPlan(data)).toBeUndefined();
    const serve = spawnWarden(['--data-dir', data, 'serve', '--offline']);
    try {
      let plan = joinPlan(data);
      for (let i = 0; i < 100 && plan?.run !== 'join'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        plan = joinPlan(data);
      }
      expect(plan).toEqual({ run: 'join', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\//), why: expect.stringMatching(`Warden is already running: warden serve \\(pid ${serve.pid}, since `) });

      // The browser is the user's: here a stand-in that notes the address it was given.
      const opened = path.join(dir, 'opened');
      const browser = path.join(dir, 'browser.sh');
      await writeFile(browser, `#!/bin/sh\necho "$1" >> ${opened}\n`, { mode: 0o755 });
      const start = spawnSync(process.execPath, [path.join(ROOT, 'electron', 'start.ts'), '--data-dir', data], { env: { ...process.env, BROWSER: browser }, encoding: 'utf8', timeout: 30_000 });
      expect(start.stderr).toContain('opening its UI in your browser');
      expect(start.status).toBe(0);
      await until(() => existsSync(opened));
      expect(readFileSync(opened, 'utf8').trim()).toBe(plan && 'url' in plan ? plan.url : '');
      // The server runs on, the only owner.
      expect(serve.exitCode).toBeNull();
    } finally {
      serve.kill('SIGTERM');
      await once(serve, 'exit');
    }
  });
});
