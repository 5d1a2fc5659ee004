/**
 * The schema, as numbered steps. A database records the last step applied in PRAGMA
 * user_version; opening applies the missing ones in one transaction. Never edit a released
 * step: add a new one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the Bayesian filter's word counts (docs/junk.md section 2.2) and per-message training state.
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

  // 2: the mail history the analysis reads (docs/analysis.md section 7.1): every message Warden
  // decided on or learned from, where it was first delivered, how the user judged it, and what
  // the user sent. Times are milliseconds since the epoch.
  `
  CREATE TABLE account (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
  );
  -- The files and stdio simulation work on this account until IMAP accounts exist.
  INSERT INTO account (id, name) VALUES (1, 'local');

  -- App-stable mailbox ids, so a message's original mailbox survives renames.
  CREATE TABLE mailbox (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account (id),
    name TEXT NOT NULL,
    UNIQUE (account_id, name)
  );

  -- mox's Message fields that reputation queries (docs/analysis.md 3.1), plus the decision.
  CREATE TABLE msg (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account (id),
    fingerprint TEXT NOT NULL,
    message_id TEXT NOT NULL,
    received INTEGER NOT NULL,
    orig_mailbox INTEGER REFERENCES mailbox (id),
    destined_mailbox INTEGER REFERENCES mailbox (id),
    is_reject INTEGER NOT NULL DEFAULT 0,
    rejected_at INTEGER,
    junk INTEGER NOT NULL DEFAULT 0,
    notjunk INTEGER NOT NULL DEFAULT 0,
    gone_at INTEGER,
    remote_ip TEXT NOT NULL,
    ip_m1 TEXT NOT NULL,
    ip_m2 TEXT NOT NULL,
    ip_m3 TEXT NOT NULL,
    ehlo_domain TEXT NOT NULL,
    mailfrom_local TEXT NOT NULL,
    mailfrom_domain TEXT NOT NULL,
    from_local TEXT NOT NULL,
    from_domain TEXT NOT NULL,
    from_orgdomain TEXT NOT NULL,
    ehlo_validated INTEGER NOT NULL,
    mailfrom_validated INTEGER NOT NULL,
    from_validated INTEGER NOT NULL,
    is_forward INTEGER NOT NULL DEFAULT 0,
    is_mailing_list INTEGER NOT NULL DEFAULT 0,
    subject TEXT NOT NULL,
    UNIQUE (account_id, fingerprint)
  );
  CREATE INDEX msg_message_id ON msg (account_id, message_id) WHERE message_id <> '';
  -- One index per reputation query (docs/analysis.md 3.3): the filter columns, then received, so
  -- "newest first, at most n" reads only the rows it returns. Only messages the user judged
  -- (junk or not junk) and that still exist are ever queried, so only those are indexed.
  CREATE INDEX msg_from_full ON msg (orig_mailbox, from_domain, from_local, from_validated, received)
    WHERE (junk OR notjunk) AND gone_at IS NULL;
  CREATE INDEX msg_from_domain ON msg (orig_mailbox, from_domain, from_validated, received)
    WHERE (junk OR notjunk) AND gone_at IS NULL;
  CREATE INDEX msg_from_orgdomain ON msg (orig_mailbox, from_orgdomain, from_validated, received)
    WHERE (junk OR notjunk) AND gone_at IS NULL;
  CREATE INDEX msg_mailfrom ON msg (orig_mailbox, mailfrom_domain, mailfrom_local, received)
    WHERE (junk OR notjunk) AND gone_at IS NULL;
  CREATE INDEX msg_mailfrom_domain ON msg (orig_mailbox, mailfrom_domain, received)
    WHERE (junk OR notjunk) AND gone_at IS NULL;
  CREATE INDEX msg_ehlo ON msg (orig_mailbox, ehlo_domain, received) WHERE (junk OR notjunk) AND gone_at IS NULL;
  CREATE INDEX msg_ip1 ON msg (orig_mailbox, ip_m1, received) WHERE (junk OR notjunk) AND gone_at IS NULL;
  CREATE INDEX msg_ip2 ON msg (orig_mailbox, ip_m2, received) WHERE (junk OR notjunk) AND gone_at IS NULL;
  CREATE INDEX msg_ip3 ON msg (orig_mailbox, ip_m3, received) WHERE (junk OR notjunk) AND gone_at IS NULL;

  -- Verified DKIM signing domains (mox's DKIMDomains); orig = 1 for those a forwarding
  -- ruleset set aside (OrigDKIMDomains).
  CREATE TABLE msg_dkim (
    msg_id INTEGER NOT NULL REFERENCES msg (id) ON DELETE CASCADE,
    domain TEXT NOT NULL,
    orig INTEGER NOT NULL,
    PRIMARY KEY (msg_id, domain, orig)
  ) WITHOUT ROWID;
  CREATE INDEX msg_dkim_domain ON msg_dkim (domain, orig, msg_id);

  -- Addresses the user sent mail to (docs/analysis.md 3.5).
  CREATE TABLE recipient (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account (id),
    local TEXT NOT NULL,
    domain TEXT NOT NULL,
    orgdomain TEXT NOT NULL,
    sent INTEGER NOT NULL,
    src_fingerprint TEXT NOT NULL
  );
  CREATE INDEX recipient_full ON recipient (account_id, domain, local, sent);
  CREATE INDEX recipient_orgdomain ON recipient (account_id, orgdomain, sent);
  CREATE UNIQUE INDEX recipient_once ON recipient (src_fingerprint, domain, local);

  -- Every decision Warden made, with the evidence shown to the user (JSON).
  CREATE TABLE decision (
    id INTEGER PRIMARY KEY,
    msg_id INTEGER NOT NULL REFERENCES msg (id) ON DELETE CASCADE,
    decided_at INTEGER NOT NULL,
    accept INTEGER NOT NULL,
    reason TEXT NOT NULL,
    mailbox TEXT NOT NULL,
    score REAL NOT NULL,
    evidence TEXT NOT NULL
  );
  CREATE INDEX decision_msg ON decision (msg_id);
  CREATE INDEX decision_time ON decision (decided_at);

  -- Subject-pass keys per recipient address (docs/analysis.md section 5).
  CREATE TABLE subjectpass_key (
    address TEXT PRIMARY KEY,
    key TEXT NOT NULL
  ) WITHOUT ROWID;
  `,

  // 3: summaries of the DMARC and TLS reports accepted with a message (docs/analysis.md 2.2 steps 6, 7).
  `
  CREATE TABLE report (
    id INTEGER PRIMARY KEY,
    msg_id INTEGER NOT NULL REFERENCES msg (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('dmarc', 'tls')),
    org TEXT NOT NULL,
    report_id TEXT NOT NULL,
    -- The policy domain (DMARC) or domains (TLS, space-separated) the report is about.
    about TEXT NOT NULL,
    begin INTEGER NOT NULL,
    end INTEGER NOT NULL,
    summary TEXT NOT NULL
  );
  CREATE INDEX report_end ON report (end);
  `,

  // 4: IMAP accounts. The configuration is JSON validated by the engine; it never holds a
  // secret, only where to read one. A removed account keeps its row (and its history) with no
  // configuration, so adding it again finds its history.
  `
  ALTER TABLE account ADD COLUMN config TEXT;
  ALTER TABLE account ADD COLUMN mode TEXT NOT NULL DEFAULT 'observe' CHECK (mode IN ('observe', 'enforce'));
  ALTER TABLE account ADD COLUMN added_at INTEGER;
  `,

  // 5: where Warden is in each watched mailbox, and the journal of its actions on the server:
  // written before an action is sent and marked done after, so a crash in between is repaired
  // at the next start (docs/design.md invariant 3).
  `
  CREATE TABLE mailbox_sync (
    mailbox_id INTEGER PRIMARY KEY REFERENCES mailbox (id),
    uidvalidity INTEGER NOT NULL,
    last_uid INTEGER NOT NULL
  );

  CREATE TABLE journal (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account (id),
    action TEXT NOT NULL CHECK (action IN ('move')),
    mailbox TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    target TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    done_at INTEGER
  );
  CREATE INDEX journal_pending ON journal (account_id) WHERE done_at IS NULL;
  `,

  // 6: a mailbox's HIGHESTMODSEQ at the last look (RFC 7162), to find the flags changed since.
  `
  ALTER TABLE mailbox_sync ADD COLUMN highest_modseq TEXT;
  `,

  // 7: messages Warden could not analyse (docs/analysis.md E7, docs/design.md invariant 7): left where
  // they are, logged with the error, and tried again a few times with growing pauses. And the
  // journal by fingerprint: a reject is restorable only when Warden itself moved it.
  `
  CREATE TABLE unanalysed (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account (id),
    mailbox_id INTEGER NOT NULL REFERENCES mailbox (id),
    uidvalidity INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    error TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    first_at INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    -- When to try again; NULL once Warden gave up, or once it was analysed (resolved_at).
    retry_at INTEGER,
    resolved_at INTEGER,
    UNIQUE (mailbox_id, uidvalidity, uid)
  );
  CREATE INDEX unanalysed_due ON unanalysed (mailbox_id, retry_at) WHERE retry_at IS NOT NULL;

  CREATE INDEX journal_fingerprint ON journal (fingerprint) WHERE done_at IS NOT NULL;
  `,

  // 8: when the user corrected Warden, for the charts of corrections over time: a reject
  // restored, or a message judged junk. And the decisions by verdict, for the UI's lists.
  `
  ALTER TABLE msg ADD COLUMN restored_at INTEGER;
  ALTER TABLE msg ADD COLUMN junked_at INTEGER;
  -- The UI's lists of rejects (or of accepted mail), newest first, a page at a time.
  CREATE INDEX decision_accept ON decision (accept, id);
  `,

  // 9: how far bootstrap (docs/analysis.md E8) got in each folder: the UIDs from first_uid to
  // last_uid are done, so an interrupted or widened bootstrap does only the rest.
  `
  CREATE TABLE bootstrap (
    mailbox_id INTEGER PRIMARY KEY REFERENCES mailbox (id),
    uidvalidity INTEGER NOT NULL,
    first_uid INTEGER NOT NULL,
    last_uid INTEGER NOT NULL,
    done_at INTEGER
  );
  `,

  // 10: rejects moved on to Trash after the retention period (docs/analysis.md 8, E5): when.
  `
  ALTER TABLE msg ADD COLUMN retired_at INTEGER;
  CREATE INDEX msg_rejects_by_age ON msg (account_id, rejected_at) WHERE is_reject = 1 AND retired_at IS NULL;
  `,

  // 11: a history that stays small and fast (docs/history.md). The evidence leaves the decision
  // row for a table of its own, deflated from now on (src/store/evidence.ts; what an earlier
  // schema wrote stays JSON text), and the reason in words stays in the row: lists and counts
  // read the row alone. Decisions are counted per day as they are written, for the charts;
  // subjects and senders get a full-text index, for search; the history an index by age, for
  // retention; and corrections one each, for the charts.
  `
  CREATE TABLE decision_evidence (
    decision_id INTEGER PRIMARY KEY REFERENCES decision (id) ON DELETE CASCADE,
    body NOT NULL
  );
  INSERT INTO decision_evidence (decision_id, body) SELECT id, evidence FROM decision;
  ALTER TABLE decision ADD COLUMN text TEXT NOT NULL DEFAULT '';
  UPDATE decision SET text = coalesce(json_extract(evidence, '$.text'), '') WHERE json_valid(evidence);
  ALTER TABLE decision DROP COLUMN evidence;
  -- Only the charts read decisions by time, and they read decision_day now.
  DROP INDEX decision_time;

  -- Decisions per UTC day, reason and verdict. Kept by the trigger as each decision is
  -- written, and kept when retention deletes the decisions: the charts show what Warden did.
  CREATE TABLE decision_day (
    day TEXT NOT NULL,
    reason TEXT NOT NULL,
    accept INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (day, reason, accept)
  ) WITHOUT ROWID;
  INSERT INTO decision_day (day, reason, accept, count)
    SELECT date(decided_at / 1000, 'unixepoch'), reason, accept, count(*) FROM decision GROUP BY 1, 2, 3;
  CREATE TRIGGER decision_day_count AFTER INSERT ON decision BEGIN
    INSERT INTO decision_day (day, reason, accept, count) VALUES (date(new.decided_at / 1000, 'unixepoch'), new.reason, new.accept, 1)
      ON CONFLICT DO UPDATE SET count = count + 1;
  END;

  -- The words of each decision's message, its subject and sender address (FTS5, contentless:
  -- the text is in msg). The rowid is the decision's id, so a search reads its matches newest
  -- first and stops at a page. The triggers keep it in step; a message's subject and sender
  -- never change.
  CREATE VIRTUAL TABLE decision_words USING fts5 (words, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');
  -- Deleting does not rewrite a segment once a tenth of it is deleted (FTS5's deletemerge):
  -- retention deletes thousands, and that rewrite held a transaction for a second and more.
  -- The merges that every write does (automerge) drop the deleted entries in time.
  INSERT INTO decision_words (decision_words, rank) VALUES ('deletemerge', 0);
  INSERT INTO decision_words (rowid, words)
    SELECT d.id, m.subject || ' ' || m.from_local || '@' || m.from_domain FROM decision d JOIN msg m ON m.id = d.msg_id;
  CREATE TRIGGER decision_words_add AFTER INSERT ON decision BEGIN
    INSERT INTO decision_words (rowid, words) SELECT new.id, subject || ' ' || from_local || '@' || from_domain FROM msg WHERE id = new.msg_id;
  END;
  CREATE TRIGGER decision_words_remove AFTER DELETE ON decision BEGIN
    DELETE FROM decision_words WHERE rowid = old.id;
  END;

  CREATE INDEX msg_age ON msg (account_id, received);
  CREATE INDEX msg_restored ON msg (restored_at) WHERE restored_at IS NOT NULL;
  CREATE INDEX msg_junked ON msg (junked_at) WHERE junked_at IS NOT NULL;
  -- Deleting a message deletes its reports (ON DELETE CASCADE): found by this index.
  CREATE INDEX report_msg ON report (msg_id);
  `,

  // 12: the daily digests (docs/digest.md): when each was made and the last decision it covers,
  // so a restart makes no second one; and what the one appended to INBOX was (its SHA-256,
  // written before the APPEND; its UID, from APPENDUID, after), so the arrival loop knows it
  // for Warden's own and leaves it alone. A day with nothing rejected has a row and no message.
  `
  CREATE TABLE digest (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account (id),
    made_at INTEGER NOT NULL,
    last_decision_id INTEGER NOT NULL,
    rejects INTEGER NOT NULL,
    fingerprint TEXT,
    message_id TEXT,
    uidvalidity INTEGER,
    uid INTEGER,
    appended_at INTEGER
  );
  CREATE INDEX digest_account ON digest (account_id, made_at);
  CREATE INDEX digest_fingerprint ON digest (fingerprint) WHERE fingerprint IS NOT NULL;
  `,

  // 13: the unsure band (docs/analysis.md 2.5): decisions accepted unsure, for the UI's
  // Unsure list, and the keyword Warden sets on them, journalled like its moves (docs/design.md
  // invariant 3). SQLite cannot change a CHECK, so the journal is built again with the new action.
  `
  ALTER TABLE decision ADD COLUMN unsure INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX decision_unsure ON decision (id) WHERE unsure = 1;

  ALTER TABLE journal RENAME TO journal_v11;
  CREATE TABLE journal (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account (id),
    -- move: to the folder \`target\`; keyword: set the keyword \`target\` (mailbox stays).
    action TEXT NOT NULL CHECK (action IN ('move', 'keyword')),
    mailbox TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    target TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    done_at INTEGER
  );
  INSERT INTO journal SELECT id, account_id, action, mailbox, uidvalidity, uid, fingerprint, target, created_at, done_at FROM journal_v11;
  -- Its indexes go with it.
  DROP TABLE journal_v11;
  CREATE INDEX journal_pending ON journal (account_id) WHERE done_at IS NULL;
  CREATE INDEX journal_fingerprint ON journal (fingerprint) WHERE done_at IS NOT NULL;
  -- The keywords set on INBOX messages by UID: the flag scan asks which changed messages Warden marked.
  CREATE INDEX journal_keyword ON journal (account_id, uidvalidity, uid) WHERE action = 'keyword' AND done_at IS NOT NULL;
  `,

  // 14: claims, for two computers on one mailbox (docs/design.md, "Two computers, one mailbox").
  // A move out of INBOX is journalled before its claim is made on the server, and claimed_at
  // says the claim was won (earlier moves needed none). elsewhere_at: when this engine found that
  // another engine acted on the message (its claim, or the message gone before this one's).
  `
  ALTER TABLE journal ADD COLUMN claimed_at INTEGER;
  UPDATE journal SET claimed_at = created_at;
  ALTER TABLE msg ADD COLUMN elsewhere_at INTEGER;
  `,

  // 15: the word counts keyed by the word's two 32-bit hashes (src/junk/word-hash.ts) as one
  // 64-bit integer, hash1 << 32 | hash2, not by its text (docs/junk.md section 2.2). SQL cannot
  // compute the hashes: the words stored so far wait in junk_word_text, which SqliteWordCounts
  // empties into junk_word when it first opens the database.
  `
  CREATE TABLE junk_word_text (
    word TEXT PRIMARY KEY,
    ham INTEGER NOT NULL CHECK (ham >= 0),
    spam INTEGER NOT NULL CHECK (spam >= 0)
  ) WITHOUT ROWID;
  INSERT INTO junk_word_text SELECT word, ham, spam FROM junk_word;
  DROP TABLE junk_word;
  -- How many trained ham and spam messages contained each word, by the word's hashes. Rows at 0/0 are deleted.
  CREATE TABLE junk_word (
    key INTEGER PRIMARY KEY,
    ham INTEGER NOT NULL CHECK (ham >= 0),
    spam INTEGER NOT NULL CHECK (spam >= 0)
  );
  `,

  // 16: the held-out score of a message trained as ham, what the junk threshold is fitted on
  // (src/junk/threshold.ts); the index serves the latest of them without reading the table.
  `
  ALTER TABLE junk_trained ADD COLUMN held_out REAL;
  CREATE INDEX junk_trained_held_out ON junk_trained (trained_at, held_out) WHERE label = 'ham' AND held_out IS NOT NULL;
  `,

  // 17: the weights of the content filter's second learner, logistic regression on hashed
  // words (src/junk/logistic.ts), by slot; a slot never moved has no row (weight 0). A trained
  // message's step is the learner's move for it, taken back when it is untrained; the messages
  // trained before have none, and the learner counts as learned from those with one. The
  // held-out scores so far stay: until the learner has learned from messages of its own, the
  // filter judges by the Fisher score alone, as they were scored (logistic.ts FULL_WEIGHT_MESSAGES).
  `
  CREATE TABLE junk_weight (
    slot INTEGER PRIMARY KEY,
    weight REAL NOT NULL
  );
  ALTER TABLE junk_trained ADD COLUMN step REAL;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
