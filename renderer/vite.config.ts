import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

/** The UI, built to renderer/dist: served by `warden serve` and by the desktop app's app:// scheme. */
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Under a strict CSP (no inline script, no eval): nothing is inlined into index.html.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
