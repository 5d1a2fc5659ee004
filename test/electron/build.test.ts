import { builtinModules } from 'node:module';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { buildElectron } from '../../electron/build.ts';
import { CALL_CHANNEL } from '../../electron/channels.ts';

let out: string;
beforeAll(async () => {
  out = await mkdtemp(path.join(os.tmpdir(), 'warden-build-'));
  await buildElectron(process.cwd(), out);
});
afterAll(() => rm(out, { recursive: true, force: true }));

describe('the build of electron/', () => {
  it("writes package.json's main and the preload main.ts names", async () => {
    expect(pkg.main).toBe('dist-electron/main.js');
    expect((await readdir(out)).sort()).toEqual(['main.js', 'main.js.map', 'preload.cjs']);
    expect(await readFile(path.join(process.cwd(), 'electron', 'main.ts'), 'utf8')).toContain("'preload.cjs'");
  });

  it('makes a preload that runs sandboxed: one script, requiring only electron, exposing only window.warden', async () => {
    const code = await readFile(path.join(out, 'preload.cjs'), 'utf8');
    const required: string[] = [];
    const exposed: [string, unknown][] = [];
    const invoked: unknown[][] = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.push([key, api]) },
      ipcRenderer: { invoke: (...args: unknown[]) => Promise.resolve(invoked.push(args)), on: () => undefined, removeListener: () => undefined },
    };
    // A sandboxed preload gets a require() that knows electron and a few Node modules, no files.
    const sandboxRequire = (name: string) => {
      required.push(name);
      if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
      return electron;
    };
    vm.runInNewContext(code, { require: sandboxRequire, module: { exports: {} }, exports: {} });
    expect(required).toEqual(['electron']);
    expect(exposed.map(([key]) => key)).toEqual(['warden']);
    const bridge = exposed[0]![1] as { call: (c: string, p: unknown) => Promise<unknown> };
    expect(Object.keys(bridge).sort()).toEqual(['call', 'onEvent']);
    await bridge.call('accounts.list', {});
    expect(invoked).toEqual([[CALL_CHANNEL, 'accounts.list', {}]]);
  });

  it('makes a main process that imports only Node, Electron and the dependencies packed with the app', async () => {
    const code = await readFile(path.join(out, 'main.js'), 'utf8');
    const imported = [...code.matchAll(/^import .* from "([^"]+)";$/gm), ...code.matchAll(/\bimport\("([^"]+)"\)/g)].map((m) => m[1]!);
    expect(imported).toContain('electron');
    const packed = new Set([...Object.keys(pkg.dependencies), 'electron', ...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const outside = imported.filter((name) => !packed.has(name) && !packed.has(name.split('/').slice(0, name.startsWith('@') ? 2 : 1).join('/')));
    expect(outside).toEqual([]);
    expect(imported.filter((name) => name.startsWith('.'))).toEqual([]);
  });
});
