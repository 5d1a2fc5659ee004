import type { CustomScheme, WebPreferences } from 'electron';

/**
 * The window's security, after Electron's checklist (electronjs.org/docs/latest/tutorial/security):
 * each rule here is a value or a function of a URL, so it is tested without Electron.
 *
 * The renderer is served from its own scheme, `app://warden/`, rather than file:// (checklist
 * item 18): a file:// page may read any file:// URL, and every file:// page shares one origin.
 * Our scheme serves only renderer/dist, and gives the page an origin the IPC check can name.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'warden';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * `standard` gives the scheme an origin and relative URLs, `secure` makes it count as https
 * (a secure context). No `bypassCSP`, no `corsEnabled`, no service workers: the page needs none.
 */
export const appScheme: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true },
};

/**
 * The renderer's Content Security Policy (checklist item 7), sent with every response of the
 * app scheme. Scripts, styles and fonts only from the app itself, no eval, no inline script;
 * images also as data: URLs; nothing fetched from anywhere else (the API goes over IPC); no
 * frames, plugins, <base> or form posts.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The window's webPreferences: the checklist's items 2, 3, 4, 6, 8, 9, 10 and 11. */
export function webPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
  };
}

/**
 * Whether a URL is one of the app's own pages. WHATWG URL gives schemes it does not know an
 * opaque origin ("null"), so the scheme and host are compared instead of `origin`.
 */
export function isAppUrl(url: string): boolean {
  const parsed = URL.parse(url);
  if (!parsed) return false;
  return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.username === '' && parsed.password === '';
}

/** Navigation (checklist item 13): only within the app. Mail links are not followed. */
export function allowNavigation(url: string): boolean {
  return isAppUrl(url);
}

/**
 * New windows (checklist item 14): none, whatever the URL. The app has one window, and a link
 * in a message is not opened in a browser either: shell.openExternal with URLs from mail is
 * what item 15 warns against (eslint.config.js forbids it in electron/).
 */
export function windowOpenResponse(): { action: 'deny' } {
  return { action: 'deny' };
}

/**
 * The one kind of page the app opens in the user's browser (checklist item 15): a provider's
 * sign-in page, whose address the engine built from the account's settings, never a link from
 * mail. Only HTTPS, or plain HTTP to this machine (a sign-in server on loopback); no
 * credentials in the address.
 */
export function isSignInPage(url: string): boolean {
  const parsed = URL.parse(url);
  if (!parsed) return false;
  if (parsed.username !== '' || parsed.password !== '') return false;
  return parsed.protocol === 'https:' || (parsed.protocol === 'http:' && (parsed.hostname === '127.0.0.1' || parsed.hostname === '[::1]'));
}

/**
 * The other kind (checklist item 15): the UI of the `warden serve` that owns the data folder,
 * whose address it wrote in the folder's owner.json (0600): plain HTTP to this machine only.
 */
export function isOwnerUi(url: string): boolean {
  const parsed = URL.parse(url);
  return parsed !== null && parsed.protocol === 'http:' && parsed.username === '' && parsed.password === '' && (parsed.hostname === '127.0.0.1' || parsed.hostname === '[::1]');
}

/**
 * Permission requests and checks (checklist item 5): all refused. The page needs no camera,
 * location, notification or clipboard permission: notifications come from the main process.
 */
export function grantPermission(_permission: string, _origin: string): boolean {
  return false;
}

/** The part of Electron's WebFrameMain the IPC check reads. */
export interface SenderFrame {
  url: string;
  /** null for a window's main frame. */
  parent: unknown;
}

/**
 * Whether an IPC message comes from the app's own page (checklist item 17): the main frame of
 * a page on the app's scheme; not a subframe, not a page the window was navigated to, and not
 * a frame that is already gone (Electron then gives no frame).
 */
export function isTrustedSender(frame: SenderFrame | null | undefined): boolean {
  return frame != null && frame.parent === null && isAppUrl(frame.url);
}
