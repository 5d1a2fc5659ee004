import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './bridge.ts';

// The page gets window.warden (the WardenBridge of src/api/contract.ts) and nothing else.
// Runs sandboxed: electron/build.ts bundles this file and bridge.ts into one CommonJS script.
contextBridge.exposeInMainWorld('warden', createBridge(ipcRenderer));
