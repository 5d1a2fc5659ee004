import type { AccountView } from '../src/api/contract.ts';
import type { View } from './routes.ts';

/** What the tray icon shows: filtering, moving nothing (observe mode, paused, no account), or a fault. */
export type TrayIcon = 'ok' | 'observing' | 'error';

export type TrayAction =
  | { kind: 'open'; view?: View }
  | { kind: 'pause-all'; paused: boolean }
  | { kind: 'pause'; account: string; paused: boolean }
  | { kind: 'start-at-login'; enabled: boolean }
  | { kind: 'quit' };

/** A menu as data: main.ts turns it into Electron's Menu, each click dispatching its action. */
export type TrayMenuItem =
  | { type: 'normal'; label: string; action: TrayAction; enabled?: boolean }
  | { type: 'checkbox'; label: string; checked: boolean; action: TrayAction; enabled?: boolean }
  | { type: 'label'; label: string }
  | { type: 'separator' }
  | { type: 'submenu'; label: string; submenu: TrayMenuItem[] };

export interface TrayModel {
  icon: TrayIcon;
  tooltip: string;
  menu: TrayMenuItem[];
}

/** Windows cuts a tray tooltip at 127 characters (NOTIFYICONDATA's szTip). */
export const TOOLTIP_MAX = 127;

export interface TrayOptions {
  /** Whether Warden starts at login, as preferences.get reports it: null where it cannot. */
  startAtLogin: boolean | null;
}

/** The tray as the accounts' states make it. */
export function trayModel(accounts: AccountView[], options: TrayOptions): TrayModel {
  return { icon: trayIcon(accounts), tooltip: clip(`Warden: ${summary(accounts)}`, TOOLTIP_MAX), menu: trayMenu(accounts, options) };
}

function failing(account: AccountView): boolean {
  return account.state === 'stopped' || account.state === 'retrying';
}

function filtering(account: AccountView): boolean {
  return account.mode === 'enforce' && (account.state === 'watching' || account.state === 'connecting');
}

export function trayIcon(accounts: AccountView[]): TrayIcon {
  if (accounts.some(failing)) return 'error';
  if (accounts.some(filtering)) return 'ok';
  return 'observing';
}

/** An account's state in a word or two. */
export function stateWords(account: AccountView): string {
  switch (account.state) {
    case 'watching':
      return account.mode === 'enforce' ? 'filtering' : 'observing';
    case 'connecting':
      return 'connecting';
    case 'retrying':
      return 'cannot connect, retrying';
    case 'stopped':
      return 'stopped';
    case 'paused':
      return 'paused';
  }
}

function summary(accounts: AccountView[]): string {
  if (accounts.length === 0) return 'no accounts yet';
  const failed = accounts.filter(failing);
  const first = failed[0];
  if (first !== undefined) {
    const more = failed.length > 1 ? ` (and ${failed.length - 1} more)` : '';
    return `${first.name} ${stateWords(first)}${first.error ? `: ${first.error}` : ''}${more}`;
  }
  if (accounts.every((a) => a.state === 'paused')) return 'paused';
  const groups: [string, AccountView[]][] = [
    ['filtering', accounts.filter(filtering)],
    ['observing (moves nothing)', accounts.filter((a) => a.state !== 'paused' && !filtering(a))],
    ['paused', accounts.filter((a) => a.state === 'paused')],
  ];
  return groups
    .filter(([, list]) => list.length > 0)
    .map(([words, list]) => `${words} ${list.map((a) => a.name).join(', ')}`)
    .join('; ');
}

function trayMenu(accounts: AccountView[], options: TrayOptions): TrayMenuItem[] {
  const allPaused = accounts.length > 0 && accounts.every((a) => a.state === 'paused');
  const accountItems: TrayMenuItem[] = accounts.map((a) => ({
    type: 'submenu',
    label: `${a.name}: ${stateWords(a)}`,
    submenu: [
      ...(a.error && failing(a) ? [{ type: 'label', label: clip(a.error, 80) } as const] : []),
      { type: 'checkbox', label: 'Paused', checked: a.state === 'paused', action: { kind: 'pause', account: a.name, paused: a.state !== 'paused' } },
      { type: 'normal', label: 'Show rejects', action: { kind: 'open', view: { view: 'rejects', account: a.name } } },
    ],
  }));
  return [
    { type: 'normal', label: 'Open Warden', action: { kind: 'open' } },
    { type: 'separator' },
    { type: 'checkbox', label: 'Pause all accounts', checked: allPaused, enabled: accounts.length > 0, action: { kind: 'pause-all', paused: !allPaused } },
    {
      type: 'submenu',
      label: 'Accounts',
      submenu: [
        ...accountItems,
        ...(accountItems.length > 0 ? [{ type: 'separator' } as const] : []),
        { type: 'normal', label: accounts.length > 0 ? 'Manage accounts…' : 'Add an account…', action: { kind: 'open', view: { view: 'accounts' } } },
      ],
    },
    ...(options.startAtLogin === null
      ? []
      : [{ type: 'checkbox', label: 'Start at login', checked: options.startAtLogin, action: { kind: 'start-at-login', enabled: !options.startAtLogin } } as const]),
    { type: 'separator' },
    { type: 'normal', label: 'Quit Warden', action: { kind: 'quit' } },
  ];
}

/** Cuts text to `max` characters, ending with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : chars.slice(0, max - 1).join('') + '…';
}
