import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchdAgent, systemdUnit } from '../../src/cli/service.ts';
import { runWarden } from '../helpers/warden.ts';

/** `warden service`: warden serve in the background, as systemd and launchd define it. */

let home: string;
let runtime: string;
let data: string;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'warden-service-'));
  runtime = join(home, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  data = join(home, 'data');
});

afterAll(() => rmSync(home, { recursive: true, force: true }));

/**
 * The command line with a home of its own, and no user session to reach: systemctl --user
 * fails for real (no bus), so no test ever starts a service on the machine that runs it.
 */
const warden = (...args: string[]) =>
  runWarden(['--data-dir', data, 'service', ...args], { env: { HOME: home, XDG_CONFIG_HOME: '', XDG_RUNTIME_DIR: join(home, 'no-session'), DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(home, 'no-bus')}` } });

const unitFile = () => join(home, '.config', 'systemd', 'user', 'warden.service');

describe.runIf(process.platform === 'linux')('warden service on Linux (systemd)', { timeout: 60_000 }, () => {
  it('writes a user unit for warden serve, and says how to start it when it cannot', () => {
    const r = warden('install', '--port', '8125');
    expect(r.stdout).toBe(`Wrote ${unitFile()}.\n`);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^warden: the service is written but did not start \(.+\): start it from your login session with systemctl --user enable --now warden\.service\n$/);
    const unit = readFileSync(unitFile(), 'utf8');
    const exec = /^ExecStart=(.*)$/m.exec(unit)![1]!.split(' ');
    expect(exec.slice(-5)).toEqual(['--data-dir', data, 'serve', '--port', '8125']);
    // This Node.js with the V8 flags of warden's #! line, and this command line, by paths that exist.
    expect(exec.slice(1, -6)).toEqual(['--max-semi-space-size=2', '--heap-growing-percent=20']);
    expect(existsSync(exec[0]!) && existsSync(exec.at(-6)!)).toBe(true);
    expect(unit).toContain(`EnvironmentFile=-${join(data, 'service.env')}\n`);
    // and the environment of that line.
    expect(unit).toContain('Environment=MALLOC_ARENA_MAX=2\n');
  });

  it('writes a unit systemd accepts', (context) => {
    // systemd-analyze comes with systemd (Debian's package systemd).
    const which = spawnSync('sh', ['-c', 'command -v systemd-analyze']);
    if (which.status !== 0) return context.skip('systemd-analyze is not installed here (apt-get install systemd)');
    const verify = spawnSync('systemd-analyze', ['verify', '--user', unitFile()], { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: runtime } });
    expect(verify.stderr).toBe('');
    expect(verify.status).toBe(0);
  });

  it('says whether it is installed and running, and removes it', () => {
    const status = warden('status');
    expect(status.stdout).toMatch(new RegExp(`^Installed: ${unitFile()}\\nNot running \\(.+\\)\\.\\n$`));
    expect(status.status).toBe(3);
    expect(warden('uninstall').stdout).toBe(`Stopped and removed ${unitFile()}.\n`);
    expect(existsSync(unitFile())).toBe(false);
    expect(warden('status').stdout).toBe(`Not installed (${unitFile()} does not exist): warden service install\n`);
    expect(warden('uninstall').stdout).toBe(`No service to remove (${unitFile()} does not exist).\n`);
  });
});

describe('the service definitions', () => {
  const argv = ['/opt/node/bin/node', '--max-semi-space-size=2', '/home/me/R&D <mail>/warden/dist/cli/main.js', '--data-dir', '/home/me/100% warden', 'serve', '--port', '8025'];

  it('launchd: a well-formed property list with the command, at login and kept alive', () => {
    const agent = launchdAgent(argv, '/home/me/warden/serve.log', '/home/me');
    expect(agent.file).toBe('/home/me/Library/LaunchAgents/org.warden.serve.plist');
    expect(XMLValidator.validate(agent.text)).toBe(true);
    const { plist } = new XMLParser({ ignoreAttributes: false, parseTagValue: false }).parse(agent.text) as { plist: { '@_version': string; dict: { key: string[]; string: string[]; array: { string: string[] }; true: string; dict: { key: string; false: string } } } };
    expect(plist['@_version']).toBe('1.0');
    expect(plist.dict.key).toEqual(['Label', 'ProgramArguments', 'RunAtLoad', 'KeepAlive', 'StandardOutPath', 'StandardErrorPath']);
    expect(plist.dict.string).toEqual(['org.warden.serve', '/home/me/warden/serve.log', '/home/me/warden/serve.log']);
    expect(plist.dict.array.string).toEqual(argv);
    expect(plist.dict.dict).toEqual({ key: 'SuccessfulExit', false: '' });
  });

  it('systemd: words with spaces quoted, and % (a specifier) doubled', () => {
    const unit = systemdUnit(argv, '/home/me/100% warden/service.env', '/home/me');
    expect(unit.file).toBe(process.env.XDG_CONFIG_HOME ? join(process.env.XDG_CONFIG_HOME, 'systemd/user/warden.service') : '/home/me/.config/systemd/user/warden.service');
    expect(unit.text).toContain('ExecStart=/opt/node/bin/node --max-semi-space-size=2 "/home/me/R&D <mail>/warden/dist/cli/main.js" --data-dir "/home/me/100%% warden" serve --port 8025\n');
    // The rest of the line is the file's name: spaces need no quotes there.
    expect(unit.text).toContain('EnvironmentFile=-/home/me/100%% warden/service.env\n');
  });
});
