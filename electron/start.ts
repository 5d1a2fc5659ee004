// npm start: the desktop app, fetching Electron's binary first when it is missing; otherwise
// (it cannot be fetched) the headless server (warden serve), whose URL opens the same UI in a
// browser. When `warden serve` already runs on the data folder, its UI, in the browser. Says
// which, and why.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import open from 'open';
import { resolveDataDir } from '../src/api/api.ts';
import { buildElectron } from './build.ts';
import { joinPlan } from './join.ts';
import { startPlan } from './launch.ts';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const { values } = parseArgs({ args, options: { 'data-dir': { type: 'string' } }, strict: false });
const dataDir = resolveDataDir(typeof values['data-dir'] === 'string' ? values['data-dir'] : undefined);
const plan = joinPlan(dataDir) ?? (await startPlan(root, process.env, (line) => console.error(`warden: ${line}`)));

switch (plan.run) {
  case 'nothing':
    console.error(`warden: ${plan.why}`);
    process.exit(1);
    break;
  case 'electron': {
    await buildElectron(root);
    // ELECTRON_RUN_AS_NODE would make Electron a plain Node.js, which cannot open a window.
    const env = { ...process.env };
    delete env.ELECTRON_RUN_AS_NODE;
    run(plan.binary, [root, ...args], env);
    break;
  }
  case 'join':
    console.error(`warden: ${plan.why}`);
    console.error(`warden: opening its UI in your browser: ${plan.url}`);
    // A machine without a browser to open leaves the address above for the user to follow.
    await open(plan.url).catch(() => {});
    break;
  case 'serve': {
    console.error(`warden: ${plan.why}`);
    console.error('warden: starting the headless server instead; open the URL it prints in a browser.');
    run(process.execPath, [path.join(root, 'src', 'cli', 'main.ts'), 'serve', ...args], process.env);
  }
}

/** Runs what npm start starts, and stops it when npm start is stopped. */
function run(command: string, argv: string[], env: NodeJS.ProcessEnv): void {
  const child = spawn(command, argv, { stdio: 'inherit', env });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => stop(child, signal));
  // npm runs this under a shell, and on SIGTERM npm stops that shell, which dies without passing
  // the signal on: this process is then handed to init (its parent changes). That is the sign.
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent) stop(child, 'SIGTERM');
  }, 500);
  child.on('exit', (code, signal) => {
    clearInterval(watch);
    process.exit(code ?? (signal ? 1 : 0));
  });
}

function stop(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
}
