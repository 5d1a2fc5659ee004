/**
 * Why Settings cannot offer start at login (preferences.get reports it null), for where this UI
 * runs: the desktop app not installed (started by npm start), or the headless server, where
 * the desktop app's settings are not shown at all.
 */
export function startAtLoginUnavailable(inDesktopApp: boolean): string {
  return inDesktopApp
    ? 'Not available in this copy of the desktop app: Warden starts at login once installed (the AppImage, the deb, the dmg or the Windows installer), not when started with npm start.'
    : 'Desktop notifications and start at login are settings of the desktop app: this page is served by warden serve. To run it at login, start warden serve from your system’s startup (a systemd user service, for example).';
}
