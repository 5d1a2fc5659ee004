import type { ApiEvent } from '../src/api/contract.ts';
import { forBody, plain, type NotificationModel } from './notifications.ts';

/** A failing backup is told again after this long, not at each hourly retry (docs/backups.md). */
export const BACKUP_NOTICE_EVERY_MS = 24 * 3600_000;

/**
 * The notice that the daily backup of the database failed: mail is still filtered, but the
 * backups the user would restore from grow old. Told at the first failure, then at most once a
 * day while it goes on failing (the engine retries every hour); told even with notifications of
 * rejects off, as sign-in losses are.
 */
export class BackupNotices {
  #toldAt: number | undefined;

  noticeFor(event: ApiEvent, platform: NodeJS.Platform, now = Date.now()): NotificationModel | undefined {
    if (event.kind !== 'backup') return undefined;
    if (this.#toldAt !== undefined && now - this.#toldAt < BACKUP_NOTICE_EVERY_MS) return undefined;
    this.#toldAt = now;
    return {
      title: 'Warden could not back up its database',
      body: forBody(`${plain(event.error, 160)}\nMail is still filtered; Warden tries again every hour.`, platform),
      open: { view: 'decisions' },
    };
  }
}
