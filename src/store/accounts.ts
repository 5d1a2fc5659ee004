import type { Db } from './database.ts';

export type AccountMode = 'observe' | 'enforce';

export interface AccountRow {
  id: number;
  name: string;
  /** The configuration as JSON, as the engine validated it. */
  config: unknown;
  mode: AccountMode;
  addedAt: number;
}

interface Row {
  id: number;
  name: string;
  config: string | null;
  mode: AccountMode;
  added_at: number | null;
}

/** The IMAP accounts: their configuration and mode. */
export class Accounts {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  list(): AccountRow[] {
    const rows = this.#db.prepare('SELECT id, name, config, mode, added_at FROM account WHERE config IS NOT NULL ORDER BY name').all() as Row[];
    return rows.map(accountRow);
  }

  find(name: string): AccountRow | undefined {
    const row = this.#db.prepare('SELECT id, name, config, mode, added_at FROM account WHERE name = ? AND config IS NOT NULL').get(name) as Row | undefined;
    return row && accountRow(row);
  }

  /**
   * Adds an account, or brings back a removed one of that name with its history. Returns
   * undefined when an account of that name exists.
   */
  add(name: string, config: unknown, now: number): AccountRow | undefined {
    return this.#db
      .transaction(() => {
        const existing = this.#db.prepare('SELECT id, config FROM account WHERE name = ?').get(name) as { id: number; config: string | null } | undefined;
        if (existing?.config) return undefined;
        if (existing) {
          this.#db.prepare("UPDATE account SET config = ?, mode = 'observe', added_at = ? WHERE id = ?").run(JSON.stringify(config), now, existing.id);
        } else {
          this.#db.prepare('INSERT INTO account (name, config, added_at) VALUES (?, ?, ?)').run(name, JSON.stringify(config), now);
        }
        return this.find(name);
      })
      .immediate();
  }

  /** Forgets the configuration; the history stays. Returns whether there was such an account. */
  remove(name: string): boolean {
    return this.#db.prepare('UPDATE account SET config = NULL WHERE name = ? AND config IS NOT NULL').run(name).changes > 0;
  }

  /** Replaces an account's configuration (validated by the engine). */
  setConfig(name: string, config: unknown): boolean {
    return this.#db.prepare('UPDATE account SET config = ? WHERE name = ? AND config IS NOT NULL').run(JSON.stringify(config), name).changes > 0;
  }

  setMode(name: string, mode: AccountMode): boolean {
    return this.#db.prepare('UPDATE account SET mode = ? WHERE name = ? AND config IS NOT NULL').run(mode, name).changes > 0;
  }
}

function accountRow(r: Row): AccountRow {
  return { id: r.id, name: r.name, config: JSON.parse(r.config ?? 'null') as unknown, mode: r.mode, addedAt: r.added_at ?? 0 };
}
