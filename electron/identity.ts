/**
 * The app's id: electron-builder.yml's appId, and on Windows the AppUserModelID, which must be
 * the installer shortcut's for notifications to show (test/electron/builder-config.test.ts).
 */
export const APP_ID = 'org.warden.desktop';
