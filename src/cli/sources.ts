import { createReadStream, openSync, readdirSync, readSync, closeSync, readFileSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';

/** A file holding mail: one message, or an mbox of many. */
export interface MailFile {
  path: string;
  size: number;
}

/** One message read from a mail file. */
export interface SourceMessage {
  /** The file; for an mbox of several messages, with `#n` for the n-th (from 1). */
  source: string;
  raw: Buffer;
  /** Bytes of the file this message accounts for, for progress. */
  bytes: number;
}

export class SourceError extends Error {
  override name = 'SourceError';
}

/**
 * Expands command-line paths into mail files: a file is itself; a Maildir (a folder with cur/
 * or new/) is the files in cur/ and new/; any other folder is the files directly in it
 * (hidden files skipped). Each file is then a single message or, when it starts with an mbox
 * "From " line, an mbox.
 */
export function listMailFiles(paths: string[]): MailFile[] {
  const files: MailFile[] = [];
  for (const path of paths) {
    const stat = statOrThrow(path);
    if (stat.isFile()) {
      files.push({ path, size: stat.size });
    } else if (stat.isDirectory()) {
      const maildir = ['cur', 'new'].map((d) => join(path, d)).filter((d) => statOrUndefined(d)?.isDirectory());
      for (const dir of maildir.length > 0 ? maildir : [path]) files.push(...filesIn(dir));
    } else {
      throw new SourceError(`${path} is neither a file nor a folder`);
    }
  }
  return files;
}

function filesIn(dir: string): MailFile[] {
  const files: MailFile[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    const stat = statOrUndefined(path);
    if (stat?.isFile()) files.push({ path, size: stat.size });
  }
  return files;
}

function statOrThrow(path: string): Stats {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT') throw new SourceError(`no such file or folder: ${path}`);
    if (code === 'EACCES') throw new SourceError(`permission denied: ${path}`);
    throw new SourceError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The mbox "From " line that starts a message: "From <sender> <asctime date>". Requiring the
 * date keeps a body line such as "From home recordings to ..." from splitting a message.
 */
const FROM_LINE = /^From \S*\s+(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{1,2}:\d{2}/;

/** Files up to this size are read whole; larger mbox files are streamed. */
const READ_WHOLE_LIMIT = 16 * 1024 * 1024;

/** Reads the messages of a mail file, in order. */
export async function* readMessages(file: MailFile): AsyncGenerator<SourceMessage> {
  let chunks: AsyncIterable<Buffer> | Buffer[];
  if (file.size <= READ_WHOLE_LIMIT) {
    const raw = readFileSync(file.path);
    if (!startsMbox(raw)) {
      yield { source: file.path, raw, bytes: raw.length };
      return;
    }
    chunks = [raw];
  } else {
    if (!startsMbox(readHead(file.path))) {
      yield { source: file.path, raw: readFileSync(file.path), bytes: file.size };
      return;
    }
    chunks = createReadStream(file.path, { highWaterMark: 1 << 20 });
  }
  // Each message is held back until the next one shows whether the file has several.
  let n = 0;
  let held: { message: Buffer; bytes: number } | undefined;
  for await (const next of mboxMessages(chunks)) {
    if (held) yield { source: `${file.path}#${n}`, raw: unescapeMbox(held.message), bytes: held.bytes };
    held = next;
    n++;
  }
  if (held) yield { source: n > 1 ? `${file.path}#${n}` : file.path, raw: unescapeMbox(held.message), bytes: held.bytes };
}

function startsMbox(head: Buffer): boolean {
  return FROM_LINE.test(head.toString('latin1', 0, Math.min(head.length, 256)));
}

function readHead(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(256);
    return head.subarray(0, readSync(fd, head, 0, head.length, 0));
  } finally {
    closeSync(fd);
  }
}

/**
 * Splits an mbox into messages without holding more than one message in memory. A message
 * starts at a From line that follows an empty line (or starts the file); the From line itself
 * is not part of the message, nor is the empty line that separates it from the next.
 */
async function* mboxMessages(chunks: AsyncIterable<Buffer> | Buffer[]): AsyncGenerator<{ message: Buffer; bytes: number }> {
  let pending: Buffer = Buffer.alloc(0);
  let searchFrom = 0;
  const emit = (end: number) => {
    const chunk = pending.subarray(0, end);
    const firstLineEnd = chunk.indexOf(0x0a);
    let body = firstLineEnd < 0 ? Buffer.alloc(0) : chunk.subarray(firstLineEnd + 1);
    // The empty line before the next From line separates messages; the last message of a file
    // may end without one, and then its final line end is its own.
    const crlf = body.at(-2) === 0x0d;
    const lineEnd = crlf ? 2 : 1;
    if (body.at(-1) === 0x0a && body.at(-1 - lineEnd) === 0x0a) body = body.subarray(0, -lineEnd);
    return { message: body, bytes: end };
  };
  for await (const chunk of chunks) {
    pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    for (;;) {
      const at = pending.indexOf('\nFrom ', searchFrom);
      if (at < 0) {
        searchFrom = Math.max(0, pending.length - 6);
        break;
      }
      const lineEnd = pending.indexOf(0x0a, at + 1);
      if (lineEnd < 0) {
        searchFrom = at; // the From line is not complete yet
        break;
      }
      const afterBlank = at >= 1 && (pending[at - 1] === 0x0a || (pending[at - 1] === 0x0d && pending[at - 2] === 0x0a));
      if (afterBlank && FROM_LINE.test(pending.toString('latin1', at + 1, lineEnd))) {
        yield emit(at + 1);
        pending = pending.subarray(at + 1);
        searchFrom = 0;
      } else {
        searchFrom = at + 1;
      }
    }
  }
  if (pending.length > 0) yield emit(pending.length);
}

/** mboxrd quoting: a body line ">From " (with any number of >) was written with one > more. */
function unescapeMbox(message: Buffer): Buffer {
  if (message.indexOf('>From ') < 0) return message;
  return Buffer.from(message.toString('latin1').replace(/^>(>*From )/gm, '$1'), 'latin1');
}

/** Every message of every file, in order, tagged with its group. */
export async function* messagesOf<T>(groups: [T, MailFile[]][]): AsyncGenerator<SourceMessage & { group: T }> {
  for (const [group, files] of groups) {
    for (const file of files) for await (const message of readMessages(file)) yield { ...message, group };
  }
}
