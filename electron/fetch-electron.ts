// npm run package: Electron's binary fetched as npm start fetches it (the electron package's
// own installer, bounded, with a clear message when it fails). Both it and electron-builder
// download through @electron/get, into the same cache: electron-builder then takes this
// platform's release from there, checked against the electron package's checksums.
import path from 'node:path';
import { fetchElectron, FETCH_TIMEOUT_MS } from './launch.ts';

const electronDir = path.resolve(import.meta.dirname, '..', 'node_modules', 'electron');
console.error(`Fetching Electron's binary (about 100 MB, once) with the electron package's installer; giving up after ${FETCH_TIMEOUT_MS / 1000} s…`);
const failed = await fetchElectron(electronDir);
if (failed) {
  console.error(`warden: Electron's binary could not be fetched (${failed}): packaging needs it; run npm run package where GitHub can be reached.`);
  process.exit(1);
}
