import { describe, expect, it } from 'vitest';
import { BACKUP_NOTICE_EVERY_MS, BackupNotices } from '../../electron/backup-notices.ts';

describe('the notice of a failing backup', () => {
  it('tells the first failure, then at most once a day while it goes on, and nothing else', () => {
    const notices = new BackupNotices();
    const failed = { kind: 'backup', error: 'ENOTDIR: not a directory, open /data/backups/warden-2026.sqlite' } as const;
    expect(notices.noticeFor({ kind: 'connected', account: 'home' }, 'linux', 0)).toBeUndefined();
    expect(notices.noticeFor(failed, 'linux', 1000)).toEqual({
      title: 'Warden could not back up its database',
      body: 'ENOTDIR: not a directory, open /data/backups/warden-2026.sqlite\nMail is still filtered; Warden tries again every hour.',
      open: { view: 'decisions' },
    });
    // The hourly retries fail too: not told again within the day.
    expect(notices.noticeFor(failed, 'linux', 1000 + 3600_000)).toBeUndefined();
    expect(notices.noticeFor(failed, 'linux', 1000 + BACKUP_NOTICE_EVERY_MS)).toMatchObject({ title: 'Warden could not back up its database' });
  });

  it('makes an error with markup harmless on Linux', () => {
    const notice = new BackupNotices().noticeFor({ kind: 'backup', error: 'cannot write <img src=x>' }, 'linux', 0);
    expect(notice?.body).not.toContain('<');
  });
});
