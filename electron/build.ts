import path from 'node:path';
import { build } from 'vite';

/**
 * Builds the main process and the preload into dist-electron/ (package.json's "main").
 * main.js is an ES module that keeps the dependencies as imports from node_modules (where
 * electron-builder packs them, better-sqlite3 rebuilt for Electron). preload.cjs is a single
 * CommonJS script with nothing to import but electron: a sandboxed preload can require only
 * electron and a few Node modules, and cannot be an ES module.
 */
export async function buildElectron(root: string, outDir = path.join(root, 'dist-electron')): Promise<void> {
  await build({
    configFile: false,
    root,
    logLevel: 'warn',
    build: {
      ssr: path.join(root, 'electron', 'main.ts'),
      outDir,
      emptyOutDir: true,
      target: 'node22',
      sourcemap: true,
      // One file: the engine's on-demand imports (the digest's composer, the report readers) inline.
      rolldownOptions: { output: { format: 'es', entryFileNames: 'main.js', inlineDynamicImports: true } },
    },
  });
  await build({
    configFile: false,
    root,
    logLevel: 'warn',
    ssr: { noExternal: true, external: ['electron'] },
    build: {
      ssr: path.join(root, 'electron', 'preload.ts'),
      outDir,
      emptyOutDir: false,
      target: 'chrome140',
      rolldownOptions: { output: { format: 'cjs', entryFileNames: 'preload.cjs' } },
    },
  });
}

if (import.meta.main) await buildElectron(path.resolve(import.meta.dirname, '..'));
