/**
 * The schema, as numbered steps. A database records the last step applied in PRAGMA
 * user_version; opening applies the missing ones in one transaction. Never edit a released
 * step: add a new one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the Bayesian filter's word counts (junk.md section 2.2) and per-message training state.
  `
  CREATE TABLE setting (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;

  -- How many trained ham and spam messages contained each word. Rows at 0/0 are deleted.
  CREATE TABLE junk_word (
    word TEXT PRIMARY KEY,
    ham INTEGER NOT NULL CHECK (ham >= 0),
    spam INTEGER NOT NULL CHECK (spam >= 0)
  ) WITHOUT ROWID;

  -- How many ham and spam messages are trained: the single row with id 1.
  CREATE TABLE junk_total (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    ham INTEGER NOT NULL CHECK (ham >= 0),
    spam INTEGER NOT NULL CHECK (spam >= 0)
  );
  INSERT INTO junk_total (id, ham, spam) VALUES (1, 0, 0);

  -- How each message is trained, by the SHA-256 fingerprint of its bytes: training is
  -- idempotent per message, and a copy of a trained message is not counted twice.
  CREATE TABLE junk_trained (
    fingerprint TEXT PRIMARY KEY,
    label TEXT NOT NULL CHECK (label IN ('ham', 'spam')),
    trained_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
