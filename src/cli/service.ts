import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { Output } from './junk.ts';
import { dataDirOf } from './options.ts';

/** The service's name: the systemd unit is warden.service, the launchd agent's label this. */
const LABEL = 'org.warden.serve';
const DEFAULT_PORT = 8025;

/** What runs `warden serve` in the background, and where its definition lives. */
export interface ServiceDefinition {
  manager: 'systemd' | 'launchd';
  file: string;
  text: string;
}

/** The V8 flags of main.ts's #! line (why, there). */
const NODE_FLAGS = ['--max-semi-space-size=2', '--heap-growing-percent=20'];
/** The environment of main.ts's #! line: glibc's, so for the systemd unit only (why, there). */
const GLIBC_ENVIRONMENT = 'MALLOC_ARENA_MAX=2';

/** The command a service runs: this Node.js and this command line, with its data folder. */
export function serveArgv(dataDir: string, port: number, offline: boolean): string[] {
  // The entry that is running now (a link from npm link or npm install -g, resolved to the clone).
  const main = realpathSync(process.argv[1]!);
  return [process.execPath, ...NODE_FLAGS, main, '--data-dir', dataDir, 'serve', '--port', String(port), ...(offline ? ['--offline'] : [])];
}

/**
 * A systemd user unit (systemd.service(5)) for `warden serve`: started at login and kept
 * running, restarted after a failure. Accounts that read their password from a variable find it
 * in `environmentFile` (systemd.exec(5) EnvironmentFile=; optional, "-").
 */
export function systemdUnit(argv: string[], environmentFile: string, home = homedir()): ServiceDefinition {
  const text = `[Unit]
Description=Warden: junk filtering for your IMAP mailbox (warden serve)
After=network-online.target
Wants=network-online.target

[Service]
ExecStart=${argv.map(systemdWord).join(' ')}
Environment=${GLIBC_ENVIRONMENT}
EnvironmentFile=-${environmentFile.replace(/%/g, '%%')}
Restart=on-failure
RestartSec=10

[Install]
WantedBy=default.target
`;
  const config = process.env.XDG_CONFIG_HOME || join(home, '.config');
  return { manager: 'systemd', file: join(config, 'systemd', 'user', 'warden.service'), text };
}

/** A word of a systemd command line: quoted when it must be, with `%` (a specifier) doubled. */
function systemdWord(word: string): string {
  const escaped = word.replace(/%/g, '%%');
  return /[\s"'\\;$]/.test(escaped) ? `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : escaped;
}

/**
 * A launchd agent (launchd.plist(5)) for `warden serve`: started at login (RunAtLoad), started
 * again when it fails (KeepAlive SuccessfulExit false), its output in the data folder.
 */
export function launchdAgent(argv: string[], log: string, home = homedir()): ServiceDefinition {
  const string = (s: string) => `<string>${s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</string>`;
  const text = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  ${string(LABEL)}
  <key>ProgramArguments</key>
  <array>
${argv.map((a) => `    ${string(a)}`).join('\n')}
  </array>
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <dict>
    <key>SuccessfulExit</key>
    <false/>
  </dict>
  <key>StandardOutPath</key>
  ${string(log)}
  <key>StandardErrorPath</key>
  ${string(log)}
</dict>
</plist>
`;
  return { manager: 'launchd', file: join(home, 'Library', 'LaunchAgents', `${LABEL}.plist`), text };
}

/** The service of this platform, or why there is none. */
function definition(dataDir: string, port: number, offline: boolean): ServiceDefinition {
  const argv = serveArgv(dataDir, port, offline);
  if (process.platform === 'linux') return systemdUnit(argv, join(dataDir, 'service.env'));
  if (process.platform === 'darwin') return launchdAgent(argv, join(dataDir, 'serve.log'));
  throw new Error(`warden service knows systemd (Linux) and launchd (macOS), not ${process.platform}: start warden serve at login another way (on Windows, Task Scheduler)`);
}

/** Runs the service manager; its failure is said in its own words. */
function manage(command: string, args: string[]): { ok: boolean; said: string } {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  const said = (r.error?.message ?? `${r.stderr}${r.stdout}`).trim().split('\n')[0] ?? '';
  return { ok: r.status === 0, said };
}

function uid(): number {
  return process.getuid?.() ?? 0;
}

/** `warden service install|uninstall|status`: `warden serve` in the background, from login on. */
export function serviceCommands(o: Output): Command {
  const service = new Command('service').description('run warden serve in the background from login on (systemd on Linux, launchd on macOS)');

  service
    .command('install')
    .description('write the service for warden serve, and start it now and at each login')
    .option('--port <port>', `the port the UI and its API listen on (default: ${DEFAULT_PORT})`, port)
    .option('--offline', 'send no DNS query (authentication is then "not checked")')
    .action((options: { port?: number; offline?: boolean }, command: Command) => {
      const dataDir = dataDirOf(command);
      const d = definition(dataDir, options.port ?? DEFAULT_PORT, options.offline ?? false);
      mkdirSync(dirname(d.file), { recursive: true });
      writeFileSync(d.file, d.text);
      o.out(`Wrote ${d.file}.`);
      const started =
        d.manager === 'systemd'
          ? [manage('systemctl', ['--user', 'daemon-reload']), manage('systemctl', ['--user', 'enable', '--now', 'warden.service'])]
          : [manage('launchctl', ['bootstrap', `gui/${uid()}`, d.file])];
      const failed = started.find((s) => !s.ok);
      const retry = d.manager === 'systemd' ? 'systemctl --user enable --now warden.service' : `launchctl bootstrap gui/${uid()} ${d.file}`;
      if (failed) throw new Error(`the service is written but did not start (${failed.said}): start it from your login session with ${retry}`);
      o.out(`Warden serve runs now and from each login on, on port ${options.port ?? DEFAULT_PORT}. Its address, with this run's key: ${addressHint(d, dataDir)}`);
      if (d.manager === 'systemd') o.out(`Accounts that read a password from a variable (--password-env) find it in ${join(dataDir, 'service.env')} (VAR=value lines; chmod 600).`);
    });

  service
    .command('uninstall')
    .description('stop the service and remove it')
    .action((_options: unknown, command: Command) => {
      const d = definition(dataDirOf(command), DEFAULT_PORT, false);
      if (!existsSync(d.file)) {
        o.out(`No service to remove (${d.file} does not exist).`);
        return;
      }
      // Stopping fails when it is not running: what matters is that the file goes.
      if (d.manager === 'systemd') manage('systemctl', ['--user', 'disable', '--now', 'warden.service']);
      else manage('launchctl', ['bootout', `gui/${uid()}/${LABEL}`]);
      rmSync(d.file);
      if (d.manager === 'systemd') manage('systemctl', ['--user', 'daemon-reload']);
      o.out(`Stopped and removed ${d.file}.`);
    });

  service
    .command('status')
    .description('whether the service is installed and running, and where to find its address')
    .action((_options: unknown, command: Command) => {
      const dataDir = dataDirOf(command);
      const d = definition(dataDir, DEFAULT_PORT, false);
      if (!existsSync(d.file)) {
        o.out(`Not installed (${d.file} does not exist): warden service install`);
        return;
      }
      const state = d.manager === 'systemd' ? manage('systemctl', ['--user', 'is-active', 'warden.service']) : manage('launchctl', ['print', `gui/${uid()}/${LABEL}`]);
      o.out(`Installed: ${d.file}`);
      o.out(state.ok ? `Running. Its address: ${addressHint(d, dataDir)}` : `Not running (${state.said || 'stopped'}).`);
      if (!state.ok) process.exitCode = 3;
    });

  return service;
}

function addressHint(d: ServiceDefinition, dataDir: string): string {
  return d.manager === 'systemd' ? 'journalctl --user -u warden.service | grep http' : `grep http ${join(dataDir, 'serve.log')}`;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) throw new InvalidArgumentError('a port is a whole number from 1 to 65535');
  return n;
}
