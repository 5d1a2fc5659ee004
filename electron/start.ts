// npm start: the desktop app when Electron's binary is here, otherwise the headless server
// (warden serve), whose URL opens the same UI in a browser. Says which, and why.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { buildElectron } from './build.ts';
import { startPlan } from './launch.ts';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const plan = startPlan(root, process.env);

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
  case 'serve': {
    console.error(`warden: ${plan.why}`);
    console.error('warden: starting the headless server instead; open the URL it prints in a browser.');
    run(process.execPath, [path.join(root, 'src', 'cli', 'main.ts'), 'serve', ...args], process.env);
  }
}

function run(command: string, argv: string[], env: NodeJS.ProcessEnv): void {
  const child = spawn(command, argv, { stdio: 'inherit', env });
  // Ctrl-C reaches the child through the terminal; a plain kill of npm start is passed on.
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
