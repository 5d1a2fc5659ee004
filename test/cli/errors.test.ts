import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWarden } from '../helpers/warden.ts';

/** The command line's errors and help, as a person mistyping meets them. */

let dir: string;
let data: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-errors-'));
  data = join(dir, 'data');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One line, `warden: <what went wrong>: <how to fix it>`, and a failed exit. */
function failsWith(args: string[], line: string | RegExp) {
  const r = runWarden(['--data-dir', data, ...args]);
  expect(r.status).toBe(1);
  expect(r.stdout).toBe('');
  if (typeof line === 'string') expect(r.stderr).toBe(`${line}\n`);
  else expect(r.stderr).toMatch(line);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
}

// Each test runs the command line a few times, seconds each on a busy machine.
describe('errors', { timeout: 90_000 }, () => {
  it('answers a mistyped command with the suggestion alone, not the whole help', () => {
    failsWith(['acount'], "warden: unknown command 'acount': did you mean account?");
    failsWith(['junk', 'tran'], "warden: unknown command 'tran': did you mean train?");
    failsWith(['xyzzy'], "warden: unknown command 'xyzzy': see warden --help");
    failsWith(['junk', 'stats', '--jsno'], "warden: unknown option '--jsno': did you mean --json?");
  });

  it("puts commander's own errors in the same form, with the help to read", () => {
    failsWith(['account', 'mode'], "warden: missing required argument 'name': see warden account mode --help");
    failsWith(['account', 'mode', 'home', 'loud'], "warden: command-argument value 'loud' is invalid for argument 'mode': choose one of observe, enforce");
    failsWith(['account', 'mode', 'a', 'b', 'c'], "warden: too many arguments for 'mode' (it takes 2): see warden account mode --help");
    failsWith(['account', 'add', 'x'], "warden: required option '--user <user>' not specified: see warden account add --help");
    failsWith(['account', 'add', 'x', '--user', 'u', '--port', '70000'], "warden: option '--port <port>' argument '70000' is invalid: a port is a whole number from 1 to 65535");
  });

  it("names --allow-plain, and the fix of the command line's own errors", () => {
    failsWith(['account', 'add', 'x', '--host', 'h', '--user', 'u', '--tls', 'plain', '--password-env', 'PATH'], /^warden: .*plain IMAP sends your password unencrypted: .*--allow-plain/);
    failsWith(['junk', 'train'], 'warden: nothing to train: give --ham PATH... and/or --spam PATH...');
    failsWith(['settings', '--set', '[1]'], 'warden: --set is not a JSON object: give one, e.g. --set \'{"jitter":0.05}\'');
  });

  it('says what is wrong with a data folder that cannot be one, and makes a good one private', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const fix = 'choose another with --data-dir DIR or WARDEN_DATA_DIR';
    for (const [dataDir, line] of [
      [file, `warden: the data folder ${file} is a file, not a folder: ${fix}`],
      [join(file, 'below'), `warden: the data folder ${join(file, 'below')} cannot be made (${file} is a file): ${fix}`],
      // Places no one can make a folder in, root included.
      ['/proc/warden-test', `warden: the data folder /proc/warden-test cannot be made (ENOENT at /proc/warden-test): ${fix}`],
      ['/sys/warden-test', `warden: the data folder /sys/warden-test cannot be made (EPERM at /sys/warden-test): ${fix}`],
    ] as const) {
      const r = runWarden(['--data-dir', dataDir, 'junk', 'stats']);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`${line}\n`);
    }
    const fresh = join(dir, 'new', 'data');
    expect(runWarden(['--data-dir', fresh, 'junk', 'stats']).status).toBe(0);
    expect(statSync(fresh).mode & 0o777).toBe(0o700);
  });
});

describe('help', () => {
  it('shows a default only where it tells something, once, and describes every argument', { timeout: 60_000 }, () => {
    const helps = new Map([['account add'], ['account mode'], ['serve'], ['bootstrap'], ['junk train']].map(([c]) => [c!, runWarden([...c!.split(' '), '--help']).stdout]));
    for (const help of helps.values()) {
      expect(help).toMatch(/^Usage: warden /);
      expect(help).not.toContain('(default: [])');
      expect(help).not.toMatch(/\(default[^)]*\)\s*\(default/);
    }
    expect(helps.get('serve')).toMatch(/--port <port> +the port \(default: a free one\)\n/);
    expect(helps.get('account mode')).toMatch(/ name +the account, by the name it was added with/);
    expect(helps.get('account mode')).toMatch(/ mode +observe: decide and record only; enforce: move what is rejected/);
  });
});
