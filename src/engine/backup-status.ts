import { backups } from './backups.ts';

/** The daily backup as a UI shows it: the newest, and the last failure when none was made since. */
export interface BackupStatusView {
  /** When the newest backup was made (ms since the epoch, to the second); absent when there is none. */
  newest?: number;
  failure?: { error: string; at: number };
}

/**
 * What the engine's daily backup last did (docs/backups.md): a failure is told as it happens
 * (the `backup` event) and kept here, so a window opened later shows it too, until a backup
 * made after it says the trouble is over.
 */
export class BackupStatus {
  readonly #dataDir: string;
  #failure: { error: string; at: number } | undefined;

  constructor(dataDir: string) {
    this.#dataDir = dataDir;
  }

  failed(error: string, at = Date.now()): void {
    this.#failure = { error, at };
  }

  view(): BackupStatusView {
    const newest = backups(this.#dataDir)[0]?.time;
    // Backups are named to the second: one from the failure's second on was made after it.
    if (this.#failure && newest !== undefined && newest >= Math.floor(this.#failure.at / 1000) * 1000) this.#failure = undefined;
    return { ...(newest !== undefined && { newest }), ...(this.#failure && { failure: this.#failure }) };
  }
}
