import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autostartEntry, autostartFile, execArgument, HIDDEN_ARG, linuxExecutable, linuxLoginItem } from '../../electron/login-item.ts';

describe('start at login on Linux', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'warden-autostart-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('uses $XDG_CONFIG_HOME/autostart, or ~/.config when it is unset, empty or relative', () => {
    expect(autostartFile({ XDG_CONFIG_HOME: '/home/u/conf' }, '/home/u')).toBe('/home/u/conf/autostart/warden.desktop');
    for (const XDG_CONFIG_HOME of [undefined, '', 'conf']) {
      expect(autostartFile({ XDG_CONFIG_HOME }, '/home/u')).toBe('/home/u/.config/autostart/warden.desktop');
    }
  });

  it('starts the AppImage file, not its mount, which is gone after the app quits', () => {
    expect(linuxExecutable({ APPIMAGE: '/home/u/Apps/Warden-1.0.AppImage' }, '/tmp/.mount_WardenX/warden')).toBe('/home/u/Apps/Warden-1.0.AppImage');
    expect(linuxExecutable({}, '/opt/Warden/warden')).toBe('/opt/Warden/warden');
  });

  it('quotes the Exec line as the Desktop Entry Specification says', () => {
    expect(execArgument('/opt/Warden/warden')).toBe('/opt/Warden/warden');
    expect(execArgument('/home/u/My Apps/Warden.AppImage')).toBe('"/home/u/My Apps/Warden.AppImage"');
    expect(execArgument('/home/u/a"b$c`d\\e')).toBe('"/home/u/a\\"b\\$c\\`d\\\\e"');
    expect(execArgument('/home/u/100%/warden')).toBe('/home/u/100%%/warden');
    expect(autostartEntry('/home/u/My Apps/Warden.AppImage')).toBe(
      [
        '[Desktop Entry]',
        'Type=Application',
        'Name=Warden',
        'Comment=Junk filtering for your IMAP mailbox',
        `Exec="/home/u/My Apps/Warden.AppImage" ${HIDDEN_ARG}`,
        'Terminal=false',
        'X-GNOME-Autostart-enabled=true',
        '',
      ].join('\n'),
    );
  });

  it('is on while the autostart file is there', async () => {
    const file = path.join(dir, 'config', 'autostart', 'warden.desktop');
    const item = linuxLoginItem(file, '/opt/Warden/warden');
    expect(await item.get()).toBe(false);
    await item.set(true);
    expect(await item.get()).toBe(true);
    expect(await readFile(file, 'utf8')).toContain('Exec=/opt/Warden/warden --hidden\n');
    await item.set(false);
    expect(await item.get()).toBe(false);
    await item.set(false);
  });
});
