// The main process: wiring only. Every decision is in a module of its own, tested without
// Electron (test/electron/); this file connects those modules to Electron's objects.
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, Notification, protocol, safeStorage, screen, session, shell, Tray } from 'electron';
import type { MenuItemConstructorOptions, WebContents } from 'electron';
import type { AccountView, ApiEvent, ApiService, AppLoginItem } from '../src/api/contract.ts';
import { serveAppFile } from './app-protocol.ts';
import { CALL_CHANNEL } from './channels.ts';
import { openEngine, ownedElsewhere } from './engine.ts';
import { APP_ID } from './identity.ts';
import { callHandler, sendEvent } from './ipc.ts';
import { autostartFile, HIDDEN_ARG, linuxExecutable, linuxLoginItem } from './login-item.ts';
import { notificationsFor, RejectBatcher, rejectOf, SignInNotices, type NotificationModel, type Reject } from './notifications.ts';
import { BackupNotices } from './backup-notices.ts';
import { viewUrl, type View } from './routes.ts';
import { SafeSecretFile } from './secrets.ts';
import { allowNavigation, APP_SCHEME, APP_URL, appScheme, grantPermission, isOwnerUi, isSignInPage, webPreferences, windowOpenResponse } from './security.ts';
import { trayIconBitmap } from './tray-icon.ts';
import { trayModel, type TrayAction, type TrayIcon, type TrayMenuItem } from './tray-state.ts';

protocol.registerSchemesAsPrivileged([appScheme]);

let window: BrowserWindow | undefined;
let quitting = false;

if (app.requestSingleInstanceLock()) {
  start().catch(async (err: unknown) => {
    const elsewhere = ownedElsewhere(err);
    if (elsewhere && 'open' in elsewhere) {
      // warden serve owns the data folder: its UI is this Warden.
      await openOwnerUi(elsewhere.open).catch(() => undefined);
      app.exit(0);
      return;
    }
    dialog.showErrorBox('Warden cannot start', elsewhere?.message ?? (err as Error).message);
    app.exit(1);
  });
} else {
  // Another Warden runs: it shows its window (second-instance below), and this one leaves.
  app.quit();
}

async function start(): Promise<void> {
  if (process.platform === 'win32') app.setAppUserModelId(APP_ID);
  app.on('web-contents-created', (_event, contents) => guard(contents));
  app.on('before-quit', () => {
    quitting = true;
  });
  // Closing the window leaves Warden filtering in the tray; Quit is in the tray's menu.
  app.on('window-all-closed', () => undefined);
  await app.whenReady();

  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, permission, callback, details) => callback(grantPermission(permission, details.requestingUrl)));
  ses.setPermissionCheckHandler((_contents, permission, origin) => grantPermission(permission, origin));
  ses.setDevicePermissionHandler((details) => grantPermission(details.deviceType, details.origin));
  const rendererRoot = path.join(app.getAppPath(), 'renderer', 'dist');
  protocol.handle(APP_SCHEME, (request) => serveAppFile(rendererRoot, request.url));

  const login = loginItem();
  const api = await openEngine({
    secrets: new SafeSecretFile(path.join(app.getPath('userData'), 'secrets.json'), safeStorage),
    openBrowser: openSignInPage,
    ...(login && { loginItem: login }),
  });
  ipcMain.handle(CALL_CHANNEL, callHandler(api));
  // A window only once the API answers: a second launch or a click on the dock shows it.
  app.on('second-instance', () => show());
  app.on('activate', () => show());
  app.on('will-quit', (event) => {
    event.preventDefault();
    void api.close().finally(() => app.exit(0));
  });

  const tray = new AppTray(api);
  // The user's preference, read now and followed as it changes.
  const preferences = await api.call('preferences.get', {});
  let notifications = !preferences.ok || preferences.result.notifications;
  const batcher = new RejectBatcher(
    (rejects) => {
      if (notifications) notificationsFor(rejects, process.platform).forEach((model) => notify(api, model));
    },
    { now: Date.now, setTimeout: (fn, ms) => clearTimeout.bind(null, setTimeout(fn, ms)) },
  );
  const signIns = new SignInNotices();
  const backupNotices = new BackupNotices();
  api.subscribe((event: ApiEvent) => {
    sendEvent(window?.webContents, event);
    if (event.kind === 'preferences') notifications = event.preferences.notifications;
    const reject = rejectOf(event);
    if (reject) batcher.add(reject);
    // Told even with notifications of rejects off: the account has stopped filtering.
    const signIn = signIns.noticeFor(event, process.platform);
    if (signIn) notify(api, signIn);
    const backup = backupNotices.noticeFor(event, process.platform);
    if (backup) notify(api, backup);
    // The tray shows the accounts' states, and start at login as Settings or the tray set it.
    if (['account', 'connected', 'disconnected', 'stopped', 'preferences'].includes(event.kind)) tray.refresh().catch(console.error);
  });
  await tray.refresh();

  const atLogin = process.argv.includes(HIDDEN_ARG) || (process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin);
  if (!atLogin) show();
}

/** What went wrong behind a click, where the user sees it. */
function report(err: unknown): void {
  dialog.showErrorBox('Warden', (err as Error).message);
}

/** Navigation, new windows and <webview> for every page Electron creates (security.ts). */
function guard(contents: WebContents): void {
  contents.on('will-navigate', (event) => {
    if (!allowNavigation(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!allowNavigation(event.url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(windowOpenResponse);
}

function show(view?: View): void {
  if (window === undefined || window.isDestroyed()) {
    const created = new BrowserWindow({
      width: 1100,
      height: 760,
      show: false,
      title: 'Warden',
      webPreferences: webPreferences(path.join(import.meta.dirname, 'preload.cjs')),
    });
    created.on('close', (event) => {
      if (quitting) return;
      event.preventDefault();
      created.hide();
    });
    created.once('ready-to-show', () => created.show());
    void created.loadURL(view ? viewUrl(view) : APP_URL);
    window = created;
    return;
  }
  if (view) void window.loadURL(viewUrl(view));
  window.show();
  window.focus();
}

/** A provider's sign-in page, in the user's own browser (RFC 8252 section 4.1: not in a window of the app). */
async function openSignInPage(url: string): Promise<void> {
  if (!isSignInPage(url)) throw new Error(`not a sign-in page: ${url}`);
  // eslint-disable-next-line no-restricted-properties -- checklist item 15 holds: only sign-in pages the engine built, checked just above, never links from mail.
  await shell.openExternal(url);
}

async function openOwnerUi(url: string): Promise<void> {
  if (!isOwnerUi(url)) throw new Error(`not a Warden UI on this computer: ${url}`);
  // eslint-disable-next-line no-restricted-properties -- checklist item 15 holds: the address the owning warden serve wrote in the data folder, checked just above, never a link from mail.
  await shell.openExternal(url);
}

/**
 * Start at login, for the API (preferences.startAtLogin): XDG autostart on Linux, Electron's
 * login item on macOS and Windows; none unpackaged (npm start), which has no app to start.
 */
function loginItem(): AppLoginItem | undefined {
  if (!app.isPackaged) return undefined;
  if (process.platform === 'linux') return linuxLoginItem(autostartFile(process.env), linuxExecutable(process.env, process.execPath));
  if (process.platform !== 'darwin' && process.platform !== 'win32') return undefined;
  return {
    get: () => Promise.resolve(app.getLoginItemSettings().openAtLogin),
    set: (enabled) => Promise.resolve(app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_ARG] })),
  };
}

class AppTray {
  readonly #tray: Tray;
  readonly #api: ApiService;
  #accounts: AccountView[] = [];

  constructor(api: ApiService) {
    this.#api = api;
    this.#tray = new Tray(trayImage('observing'));
    this.#tray.on('click', () => show());
  }

  async refresh(): Promise<void> {
    const listed = await this.#api.call('accounts.list', {});
    if (listed.ok) this.#accounts = listed.result;
    const preferences = await this.#api.call('preferences.get', {});
    const model = trayModel(this.#accounts, { startAtLogin: preferences.ok ? preferences.result.startAtLogin : null });
    this.#tray.setImage(trayImage(model.icon));
    this.#tray.setToolTip(model.tooltip);
    this.#tray.setContextMenu(Menu.buildFromTemplate(model.menu.map((item) => this.#menuItem(item))));
  }

  #menuItem(item: TrayMenuItem): MenuItemConstructorOptions {
    switch (item.type) {
      case 'separator':
        return { type: 'separator' };
      case 'label':
        return { label: item.label, enabled: false };
      case 'submenu':
        return { label: item.label, submenu: item.submenu.map((sub) => this.#menuItem(sub)) };
      default:
        return {
          type: item.type,
          label: item.label,
          enabled: item.enabled ?? true,
          ...(item.type === 'checkbox' ? { checked: item.checked } : {}),
          click: () => {
            this.#act(item.action)
              .finally(() => this.refresh())
              .catch(report);
          },
        };
    }
  }

  async #act(action: TrayAction): Promise<void> {
    switch (action.kind) {
      case 'open':
        return show(action.view);
      case 'pause':
        await this.#api.call('accounts.pause', { name: action.account, paused: action.paused });
        return;
      case 'pause-all':
        for (const account of this.#accounts.filter((a) => (a.state === 'paused') !== action.paused)) {
          await this.#api.call('accounts.pause', { name: account.name, paused: action.paused });
        }
        return;
      case 'start-at-login': {
        // Through the API, as Settings does: the preference event keeps both in step.
        const set = await this.#api.call('preferences.set', { startAtLogin: action.enabled });
        if (!set.ok) throw new Error(set.error);
        return;
      }
      case 'quit':
        return app.quit();
    }
  }
}

function trayImage(icon: TrayIcon) {
  const scaleFactor = screen.getPrimaryDisplay().scaleFactor;
  const size = Math.round((process.platform === 'linux' ? 22 : 16) * scaleFactor);
  return nativeImage.createFromBitmap(trayIconBitmap(icon, size), { width: size, height: size, scaleFactor });
}

/** Notifications are kept until closed: one that is garbage-collected no longer reports its click. */
const shown = new Set<Notification>();

function notify(api: ApiService, model: NotificationModel): void {
  if (!Notification.isSupported()) return;
  const notification = new Notification({ title: model.title, body: model.body, actions: model.restore ? [{ type: 'button', text: 'Restore' }] : [] });
  notification.on('click', () => {
    openNotified(model);
  });
  const restore = model.restore;
  if (restore) {
    notification.on('action', () => {
      restoreNotified(api, restore).catch(report);
    });
  }
  notification.on('close', () => shown.delete(notification));
  shown.add(notification);
  notification.show();
}

function openNotified(model: NotificationModel): void {
  show('reject' in model.open ? { view: 'decision', id: model.open.reject.decisionId } : model.open);
}

async function restoreNotified(api: ApiService, reject: Reject): Promise<void> {
  const restored = await api.call('rejects.restore', { account: reject.account, messages: [reject.message] });
  if (restored.ok && restored.result.restored > 0) return;
  // Not found, or refused: the Rejects list shows what is there, and the restore can be done there.
  show({ view: 'rejects', account: reject.account });
}
