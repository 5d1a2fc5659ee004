import { readFileSync } from 'node:fs';
import { fingerprint } from '../../src/mail/fingerprint.ts';
import { corpusGroups } from '../bench/corpus.ts';

/** One message of the backlog, as an IMAP server holds it. */
export interface BacklogMessage {
  path: string;
  label: 'ham' | 'spam';
  /** The bytes to APPEND: CRLF line ends, without the corpus's mbox "From " line. */
  raw: Buffer;
  /** Its identity, as Warden computes it (SHA-256 of the bytes, line ends normalised). */
  fingerprint: string;
}

export interface Backlog {
  /** Corpus files to train the content filter with first, so that some mail is rejected. */
  train: { ham: string[]; spam: string[] };
  /** Distinct messages, none of them in the training set, in the order they are delivered. */
  messages: BacklogMessage[];
}

/**
 * The mail of a chaos run, drawn from the SpamAssassin corpus in an order `random` decides:
 * `count` messages for the backlog (ham and spam in the corpus's proportions), then `trainEach`
 * other ham and spam files for training. Messages with NUL bytes or bare CRs are left out:
 * Dovecot rewrites those, so they could not be found again by their bytes.
 */
export function chooseBacklog(count: number, trainEach: number, random: () => number): Backlog {
  const files = corpusGroups().flatMap(({ label, files }) => files.map((path) => ({ path, label })));
  shuffle(files, random);
  const train: Backlog['train'] = { ham: [], spam: [] };
  const messages: BacklogMessage[] = [];
  const seen = new Set<string>();
  for (const { path, label } of files) {
    const trained = train.ham.length === trainEach && train.spam.length === trainEach;
    if (trained && messages.length === count) break;
    if (messages.length === count && train[label].length === trainEach) continue;
    const raw = imapForm(readFileSync(path));
    if (raw.includes(0) || /\r(?!\n)/.test(raw.toString('latin1'))) continue;
    const id = fingerprint(raw);
    if (seen.has(id)) continue;
    seen.add(id);
    if (messages.length < count) messages.push({ path, label, raw, fingerprint: id });
    else train[label].push(path);
  }
  if (messages.length < count || train.ham.length + train.spam.length < 2 * trainEach) throw new Error(`the corpus has too few usable messages for a backlog of ${count} and ${trainEach} of each label to train`);
  return { train, messages };
}

/** The message as delivered to a mailbox: no mbox envelope line, CRLF line ends (RFC 5322 section 2.1). */
function imapForm(file: Buffer): Buffer {
  let text = file.toString('latin1');
  if (text.startsWith('From ')) text = text.slice(text.indexOf('\n') + 1);
  return Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'latin1');
}

/** Fisher–Yates, in place. */
export function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
