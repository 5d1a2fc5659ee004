import { describe, expect, it } from 'vitest';
import type { AccountState, AccountView } from '../../src/api/contract.ts';
import { TOOLTIP_MAX, trayModel, type TrayMenuItem } from '../../electron/tray-state.ts';

function account(name: string, state: AccountState, mode: 'observe' | 'enforce' = 'enforce', error?: string): AccountView {
  return { name, folders: {}, host: 'imap.example.com', port: 993, tls: 'implicit', allowPlain: false, user: name, auth: 'password', mode, state, ...(error ? { error } : {}) };
}

const noLogin = { startAtLogin: null };

/** A menu item by its label path, e.g. ['Accounts', 'home: filtering', 'Paused']. */
function item(menu: TrayMenuItem[], ...labels: string[]): TrayMenuItem {
  const [first, ...rest] = labels;
  const found = menu.find((i) => i.type !== 'separator' && i.label === first);
  if (!found) throw new Error(`no item ${first} in ${menu.map((i) => (i.type === 'separator' ? '—' : i.label)).join(', ')}`);
  if (rest.length === 0) return found;
  if (found.type !== 'submenu') throw new Error(`${first} has no submenu`);
  return item(found.submenu, ...rest);
}

describe('the tray icon and tooltip', () => {
  it('ok while an account is filtering (enforce mode)', () => {
    const model = trayModel([account('home', 'watching'), account('work', 'watching', 'observe')], noLogin);
    expect(model.icon).toBe('ok');
    expect(model.tooltip).toBe('Warden: filtering home; observing (moves nothing) work');
  });

  it('ok while an enforcing account connects', () => {
    expect(trayModel([account('home', 'connecting')], noLogin).icon).toBe('ok');
  });

  it('observing when nothing is moved: observe mode, all paused, or no account', () => {
    expect(trayModel([account('home', 'watching', 'observe')], noLogin)).toMatchObject({ icon: 'observing', tooltip: 'Warden: observing (moves nothing) home' });
    expect(trayModel([account('home', 'paused'), account('work', 'paused', 'observe')], noLogin)).toMatchObject({ icon: 'observing', tooltip: 'Warden: paused' });
    expect(trayModel([], noLogin)).toMatchObject({ icon: 'observing', tooltip: 'Warden: no accounts yet' });
  });

  it('error when an account stopped or cannot connect, saying which and why', () => {
    const stopped = trayModel([account('home', 'watching'), account('work', 'stopped', 'enforce', 'login refused')], noLogin);
    expect(stopped).toMatchObject({ icon: 'error', tooltip: 'Warden: work stopped: login refused' });
    const two = trayModel([account('a', 'retrying', 'observe', 'connection reset'), account('b', 'stopped')], noLogin);
    expect(two).toMatchObject({ icon: 'error', tooltip: 'Warden: a cannot connect, retrying: connection reset (and 1 more)' });
  });

  it('keeps the tooltip within what Windows shows', () => {
    const model = trayModel([account('home', 'stopped', 'enforce', 'x'.repeat(300))], noLogin);
    expect(Array.from(model.tooltip)).toHaveLength(TOOLTIP_MAX);
    expect(model.tooltip.endsWith('…')).toBe(true);
  });
});

describe('the tray menu', () => {
  it('opens, pauses, lists the accounts and quits', () => {
    const { menu } = trayModel([account('home', 'watching'), account('work', 'stopped', 'enforce', 'login refused')], noLogin);
    expect(menu.map((i) => (i.type === 'separator' ? '—' : i.label))).toEqual(['Open Warden', '—', 'Pause all accounts', 'Accounts', '—', 'Quit Warden']);
    expect(item(menu, 'Open Warden')).toMatchObject({ action: { kind: 'open' } });
    expect(item(menu, 'Quit Warden')).toMatchObject({ action: { kind: 'quit' } });
    expect(item(menu, 'Pause all accounts')).toMatchObject({ type: 'checkbox', checked: false, enabled: true, action: { kind: 'pause-all', paused: true } });
    expect(item(menu, 'Accounts', 'home: filtering', 'Paused')).toMatchObject({ checked: false, action: { kind: 'pause', account: 'home', paused: true } });
    expect(item(menu, 'Accounts', 'home: filtering', 'Show rejects')).toMatchObject({ action: { kind: 'open', view: { view: 'rejects', account: 'home' } } });
    expect(item(menu, 'Accounts', 'work: stopped', 'login refused')).toEqual({ type: 'label', label: 'login refused' });
    expect(item(menu, 'Accounts', 'Manage accounts…')).toMatchObject({ action: { kind: 'open', view: { view: 'accounts' } } });
  });

  it('resumes what is paused', () => {
    const { menu } = trayModel([account('home', 'paused'), account('work', 'paused')], noLogin);
    expect(item(menu, 'Pause all accounts')).toMatchObject({ checked: true, action: { kind: 'pause-all', paused: false } });
    expect(item(menu, 'Accounts', 'home: paused', 'Paused')).toMatchObject({ checked: true, action: { kind: 'pause', account: 'home', paused: false } });
  });

  it('offers to add an account when there is none, and nothing to pause', () => {
    const { menu } = trayModel([], noLogin);
    expect(item(menu, 'Pause all accounts')).toMatchObject({ enabled: false });
    const accounts = item(menu, 'Accounts');
    expect(accounts.type === 'submenu' && accounts.submenu).toEqual([{ type: 'normal', label: 'Add an account…', action: { kind: 'open', view: { view: 'accounts' } } }]);
  });

  it('has the start-at-login switch where the platform offers one', () => {
    expect(item(trayModel([], { startAtLogin: false }).menu, 'Start at login')).toMatchObject({ checked: false, action: { kind: 'start-at-login', enabled: true } });
    expect(item(trayModel([], { startAtLogin: true }).menu, 'Start at login')).toMatchObject({ checked: true, action: { kind: 'start-at-login', enabled: false } });
    expect(() => item(trayModel([], noLogin).menu, 'Start at login')).toThrow('no item Start at login');
  });
});
