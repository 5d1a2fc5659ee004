import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AppLoginItem } from '../src/api/contract.ts';

/** The argument Warden is started with at login: it then stays in the tray, without a window. */
export const HIDDEN_ARG = '--hidden';

/**
 * The XDG autostart file (Desktop Application Autostart Specification): Electron's
 * app.setLoginItemSettings works on macOS and Windows only, so on Linux Warden writes
 * $XDG_CONFIG_HOME/autostart/warden.desktop itself.
 */
export function autostartFile(env: NodeJS.ProcessEnv, home = os.homedir()): string {
  const config = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(home, '.config');
  return path.join(config, 'autostart', 'warden.desktop');
}

/**
 * The program to start: inside an AppImage, process.execPath is in a mount that is gone after
 * the app quits, and $APPIMAGE names the AppImage file itself.
 */
export function linuxExecutable(env: NodeJS.ProcessEnv, execPath: string): string {
  return env.APPIMAGE || execPath;
}

/**
 * One argument of an Exec line, quoted as the Desktop Entry Specification's "The Exec key"
 * says: in double quotes when it holds a reserved character, with `"`, `` ` ``, `$` and `\`
 * escaped by a backslash; `%` doubled in any case, since `%x` is a field code.
 */
export function execArgument(arg: string): string {
  const escaped = arg.replace(/%/g, '%%');
  if (!/[\s"'\\><~|&;$*?#()`]/.test(escaped) && escaped !== '') return escaped;
  return `"${escaped.replace(/(["`$\\])/g, '\\$1')}"`;
}

export function autostartEntry(executable: string): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Warden',
    'Comment=Junk filtering for your IMAP mailbox',
    `Exec=${[executable, HIDDEN_ARG].map(execArgument).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** Start at login on Linux: the autostart file is there, or not. */
export function linuxLoginItem(file: string, executable: string): AppLoginItem {
  return {
    async get() {
      return access(file).then(
        () => true,
        () => false,
      );
    },
    async set(enabled) {
      if (!enabled) return rm(file, { force: true });
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, autostartEntry(executable));
    },
  };
}
