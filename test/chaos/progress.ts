import Database from 'better-sqlite3';

/**
 * How far the engine is, read from its database: the messages of the account it has decided
 * on (rows of the history); with two computers on one mailbox, the messages either decided on.
 * The chaos run paces deliveries, faults and restores by it, so that each happens while the
 * engine is at work, wherever the timing of this machine puts it.
 */
export class Progress {
  readonly #db: Database.Database;
  readonly #count: Database.Statement<number[], number>;
  readonly #account: number;
  /** The account's id, once per database in the count's union. */
  readonly #params: number[];
  readonly #stallMs: number;
  #failure: Error | undefined;

  /**
   * `files`: the database of each computer (the account has the same id in each: they were
   * made alike). `stallMs`: how long the engines may decide nothing while there is work before
   * the run gives up.
   */
  constructor(files: string[], account: string, stallMs: number) {
    this.#db = new Database(files[0], { readonly: true, fileMustExist: true });
    // Attached read-only, as the connection was opened.
    for (const [i, file] of files.slice(1).entries()) this.#db.prepare(`ATTACH ? AS computer${i + 2}`).run(file);
    this.#account = (this.#db.prepare('SELECT id FROM account WHERE name = ?').get(account) as { id: number }).id;
    const schemas = ['main', ...files.slice(1).map((_, i) => `computer${i + 2}`)];
    const union = schemas.map((s) => `SELECT fingerprint FROM ${s}.msg WHERE account_id = ?`).join(' UNION ');
    this.#count = this.#db.prepare<number[], number>(`SELECT count(*) FROM (${union})`).pluck();
    this.#params = schemas.map(() => this.#account);
    this.#stallMs = stallMs;
  }

  decided(): number {
    return this.#count.get(...this.#params)!;
  }

  /** Resolves once `n` messages are decided; rejects when nothing moves for too long, or when the run failed elsewhere. */
  async reach(n: number): Promise<void> {
    let last = this.decided();
    let since = Date.now();
    for (;;) {
      if (this.#failure) throw this.#failure;
      const now = this.decided();
      if (now >= n) return;
      if (now !== last) [last, since] = [now, Date.now()];
      else if (Date.now() - since > this.#stallMs) throw new Error(`the engine decided nothing for ${this.#stallMs / 1000} s, at ${now} messages of ${n} awaited`);
      await sleep(15);
    }
  }

  /** Every wait, now and later, rejects with `err`: one part of the run failed, the others stop. */
  fail(err: Error): void {
    this.#failure ??= err;
  }

  close(): void {
    this.#db.close();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
