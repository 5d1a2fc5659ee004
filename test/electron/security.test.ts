import { describe, expect, it } from 'vitest';
import {
  allowNavigation,
  APP_URL,
  appScheme,
  CONTENT_SECURITY_POLICY,
  grantPermission,
  isAppUrl,
  isOwnerUi,
  isSignInPage,
  isTrustedSender,
  webPreferences,
  windowOpenResponse,
} from '../../electron/security.ts';

// One test per item of Electron's security checklist that applies
// (electronjs.org/docs/latest/tutorial/security); the items a lint holds are in lint.test.ts.

/** The CSP's directives, by name. */
function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp.split(';').map((d) => {
      const [name = '', ...values] = d.trim().split(/\s+/);
      return [name, values];
    }),
  );
}

const foreign = [
  'https://example.com/',
  'http://warden/index.html',
  'file:///etc/passwd',
  'app://warden.example.com/index.html',
  'app://evil/index.html',
  'app://user@warden/index.html',
  'app://warden:secret@warden/index.html',
  'javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'about:blank',
  'not a url',
];

describe("Electron's security checklist", () => {
  const prefs = webPreferences('/app/dist-electron/preload.cjs');

  it('1, 18: the page comes from the app scheme, not file:// nor the network', () => {
    expect(APP_URL).toBe('app://warden/index.html');
    expect(isAppUrl(APP_URL)).toBe(true);
    expect(appScheme.privileges).toEqual({ standard: true, secure: true, supportFetchAPI: true });
  });

  it('2: no Node.js integration, in the page, its workers or its frames', () => {
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.nodeIntegrationInSubFrames).toBe(false);
  });

  it('3: context isolation', () => {
    expect(prefs.contextIsolation).toBe(true);
  });

  it('4: the renderer is sandboxed', () => {
    expect(prefs.sandbox).toBe(true);
    expect(prefs.preload).toBe('/app/dist-electron/preload.cjs');
  });

  it('5: every permission request and check is refused, from the app itself too', () => {
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'clipboard-sanitized-write', 'openExternal', 'hid', 'usb', 'serial', 'fullscreen']) {
      for (const origin of ['app://warden', 'https://example.com', '']) expect(grantPermission(permission, origin)).toBe(false);
    }
  });

  it('6, 8, 9, 10: web security on; no insecure content, experimental or Blink features', () => {
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.allowRunningInsecureContent).toBe(false);
    expect(prefs.experimentalFeatures).toBe(false);
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
  });

  it('7: a strict Content Security Policy', () => {
    const csp = directives(CONTENT_SECURITY_POLICY);
    expect(csp.get('default-src')).toEqual(["'none'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('form-action')).toEqual(["'none'"]);
    for (const [name, values] of csp) {
      expect(values, name).not.toContain("'unsafe-inline'");
      expect(values, name).not.toContain("'unsafe-eval'");
      expect(values, name).not.toContain('*');
      expect(values.filter((v) => /^(https?:|wss?:)/.test(v)), name).toEqual([]);
    }
    expect(appScheme.privileges?.bypassCSP).toBeUndefined();
  });

  it('11, 12: no <webview>', () => {
    expect(prefs.webviewTag).toBe(false);
  });

  it('13: navigation only within the app', () => {
    expect(allowNavigation('app://warden/index.html#/rejects')).toBe(true);
    expect(allowNavigation('app://warden/other.html')).toBe(true);
    for (const url of foreign) expect(allowNavigation(url), url).toBe(false);
  });

  it('14: no new windows, not even of the app', () => {
    expect(windowOpenResponse()).toEqual({ action: 'deny' });
  });

  it('15: only sign-in pages go to the browser: HTTPS, or HTTP to this machine, no credentials in them', () => {
    expect(isSignInPage('https://accounts.google.com/o/oauth2/v2/auth?client_id=x')).toBe(true);
    expect(isSignInPage('http://127.0.0.1:4444/auth?x=1')).toBe(true);
    for (const url of ['http://accounts.example.com/auth', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'https://user:pw@example.com/', 'not a url', 'http://localhost.evil.test/']) {
      expect(isSignInPage(url), url).toBe(false);
    }
  });

  it("15: and the UI of the warden serve that owns the data folder, on this machine only", () => {
    expect(isOwnerUi('http://127.0.0.1:4242/#token=abc')).toBe(true);
    for (const url of ['https://127.0.0.1:4242/', 'http://192.168.1.2:4242/', 'http://localhost.evil.test/', 'http://u:p@127.0.0.1/', 'file:///x', 'not a url']) {
      expect(isOwnerUi(url), url).toBe(false);
    }
  });

  it("17: IPC only from the main frame of the app's own page", () => {
    expect(isTrustedSender({ url: 'app://warden/index.html#/decisions/3', parent: null })).toBe(true);
    for (const url of foreign) expect(isTrustedSender({ url, parent: null }), url).toBe(false);
    expect(isTrustedSender({ url: APP_URL, parent: { url: 'https://example.com/' } }), 'a subframe').toBe(false);
    expect(isTrustedSender({ url: APP_URL, parent: { url: APP_URL } }), 'a subframe of ours').toBe(false);
    expect(isTrustedSender(null), 'a frame that is gone').toBe(false);
    expect(isTrustedSender(undefined)).toBe(false);
  });
});
