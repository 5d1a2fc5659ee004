import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The checklist items a lint holds: planted code must fail eslint.config.js's rules for electron/.
// The text is linted as if it were electron/main.ts (a file of the TypeScript project, which the
// type-aware rules need); nothing is written.

const eslint = new ESLint({ cwd: process.cwd() });

/** The messages of the restricting rules (the planted snippets break others, like no-unused-vars). */
async function lint(code: string, filePath = 'electron/main.ts'): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === null || /no-restricted/.test(m.ruleId)).map((m) => `${m.ruleId}: ${m.message}`);
}

const header = "import { BrowserWindow, contextBridge, ipcRenderer, shell } from 'electron';\n";

describe("eslint holds Electron's checklist in electron/", () => {
  it('accepts the code as it is', async () => {
    expect(await lint(header + 'export const w = [BrowserWindow, contextBridge, ipcRenderer, shell];\n')).toEqual([]);
  });

  for (const [item, settings] of [
    [2, 'nodeIntegration: true'],
    [2, "'nodeIntegrationInWorker': true"],
    [3, 'contextIsolation: false'],
    [4, 'sandbox: false'],
    [6, 'webSecurity: false'],
    [8, 'allowRunningInsecureContent: true'],
    [9, 'experimentalFeatures: true'],
    [10, "enableBlinkFeatures: 'CSSLayoutAPI'"],
    [11, 'webviewTag: true'],
  ] as const) {
    it(`item ${item}: refuses ${settings}`, async () => {
      const messages = await lint(header + `const prefs = { ${settings} };\nexport const w = new BrowserWindow({ show: false, ...{ prefs } });\n`);
      expect(messages).toContain(`no-restricted-syntax: Electron's security checklist, item ${item}: see electron/security.ts.`);
    });
  }

  it('refuses webPreferences written in place of security.ts', async () => {
    const messages = await lint(header + 'export const w = new BrowserWindow({ webPreferences: { preload: "p.cjs" } });\n');
    expect(messages.join('\n')).toContain('A window takes webPreferences() of electron/security.ts');
  });

  it('item 15: refuses shell.openExternal', async () => {
    const messages = await lint(header + "void shell.openExternal('https://example.com/');\n");
    expect(messages.join('\n')).toMatch(/no-restricted-properties: .*item 15/);
  });

  it('item 18: refuses file:// pages', async () => {
    expect((await lint(header + "void new BrowserWindow().loadFile('index.html');\n")).join('\n')).toContain('item 18');
    expect((await lint(header + "void new BrowserWindow().loadURL('file:///index.html');\n")).join('\n')).toContain('item 18');
  });

  it('item 20: the preload exposes createBridge(ipcRenderer) as window.warden, nothing else', async () => {
    const declare = 'declare function createBridge(ipc: unknown): unknown;\n';
    expect(await lint(header + declare + "contextBridge.exposeInMainWorld('warden', createBridge(ipcRenderer));\n", 'electron/preload.ts')).toEqual([]);
    for (const exposed of ["'warden', ipcRenderer", "'ipc', createBridge(ipcRenderer)", "'warden', { invoke: ipcRenderer.invoke }"]) {
      const messages = await lint(header + declare + `contextBridge.exposeInMainWorld(${exposed});\n`, 'electron/preload.ts');
      expect(messages.join('\n'), exposed).toContain('item 20');
    }
  });

  it('keeps Electron out of the plain modules, which take it as parameters', async () => {
    const messages = await lint("import { safeStorage } from 'electron';\nexport const s = safeStorage;\n", 'electron/secrets.ts');
    expect(messages.join('\n')).toContain('@typescript-eslint/no-restricted-imports');
    expect(await lint("import type { SafeStorage } from 'electron';\nexport type S = SafeStorage;\n", 'electron/secrets.ts')).toEqual([]);
  });
});
