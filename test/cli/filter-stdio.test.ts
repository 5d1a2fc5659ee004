import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FITTED_MIN_HAM } from '../../src/junk/threshold.ts';
import { NOVEL_WORDS, syntheticMessage } from '../helpers/synthetic-mail.ts';
import { FilterClient, runWarden, spawnWarden } from '../helpers/warden.ts';

/**
 * `warden filter --stdio` as docs/filter-stdio.md specifies it: one JSON request a line in, one response
 * a line out, in order, each echoing the request's id; failures answered, never fatal.
 */

type Response = Record<string, unknown>;

const HAM = FITTED_MIN_HAM + 10; // enough for the filter to be significant (50), and for a set-up to fit the threshold
const SPAM = 25;

let root: string;
/** Trained with HAM ham and SPAM spam messages before the tests. */
let dataDir: string;
let hamFiles: string[];
let spamProbe: string;
let hamProbe: string;
let client: FilterClient | undefined;
let messageCount = 0;

function write(path: string, content: string): string {
  writeFileSync(path, content);
  return path;
}

const SYLLABLES = ['ka', 'lo', 'mi', 'nu', 'po', 'ri', 'su', 'te', 'va', 'zo', 'be', 'du'];

/** A message file whose words (and sender) no trained message and no other novel message has. */
function novelMessage(): string {
  const n = ++messageCount;
  const words = NOVEL_WORDS.map((w) => w + SYLLABLES[n % SYLLABLES.length]);
  return write(join(root, `novel-${n}.eml`), syntheticMessage('spam', n, { words, from: `Stranger ${words[0]} <x${n}@nowhere.example>` }));
}

function stats(dir: string): { hamMessages: number; spamMessages: number } {
  const r = runWarden(['junk', 'stats', '--json', '--data-dir', dir]);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { hamMessages: number; spamMessages: number };
}

function filter(): FilterClient {
  client ??= new FilterClient(dataDir);
  return client;
}

/** Checks the shape of a successful classify response and returns it. */
function expectVerdict(response: Response, id: unknown): { score: number; spam: boolean; words: [string, number][] } {
  expect(response).toMatchObject({ id, ok: true, significant: true });
  expect(Object.keys(response).sort()).toEqual(['id', 'ok', 'score', 'significant', 'spam', 'threshold', 'words']);
  expect(response.id).toStrictEqual(id);
  const { score, spam, words } = response as { score: number; spam: boolean; words: unknown[] };
  expect(score).toBeTypeOf('number');
  expect(score).toBeGreaterThanOrEqual(0);
  expect(score).toBeLessThanOrEqual(1);
  expect(spam).toBeTypeOf('boolean');
  expect(Array.isArray(words)).toBe(true);
  for (const entry of words) {
    expect(entry).toEqual([expect.any(String), expect.any(Number)]);
  }
  return response as { score: number; spam: boolean; words: [string, number][] };
}

/**
 * Writes `input` to a new `warden filter --stdio` all at once, without waiting for any answer;
 * closes stdin once `expected` responses have come (stdin open until then: answers must not wait
 * for the end of input). Resolves with every response, the exit code and stderr.
 */
function pipeline(dir: string, input: string, expected: number): Promise<{ responses: Response[]; code: number | null; stderr: string }> {
  const child = spawnWarden(['filter', '--stdio', '--data-dir', dir]);
  const responses: Response[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const endWhenAnswered = () => {
    if (responses.length >= expected) child.stdin.end();
  };
  createInterface({ input: child.stdout }).on('line', (line) => {
    responses.push(JSON.parse(line) as Response);
    endWhenAnswered();
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  child.stdin.write(input);
  endWhenAnswered();
  return exited.then((code) => ({ responses, code, stderr }));
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'warden-filter-stdio-'));
  dataDir = join(root, 'data');
  mkdirSync(join(root, 'ham'));
  mkdirSync(join(root, 'spam'));
  hamFiles = Array.from({ length: HAM }, (_, i) => write(join(root, 'ham', `${i}.eml`), syntheticMessage('ham', i)));
  for (let i = 0; i < SPAM; i++) write(join(root, 'spam', `${i}.eml`), syntheticMessage('spam', i));
  spamProbe = write(join(root, 'probe-spam.eml'), syntheticMessage('spam', 1000));
  hamProbe = write(join(root, 'probe-ham.eml'), syntheticMessage('ham', 1000));
  const r = runWarden(['junk', 'train', '--data-dir', dataDir, '--ham', join(root, 'ham'), '--spam', join(root, 'spam')]);
  expect(r.status, r.stderr).toBe(0);
});

afterAll(async () => {
  await client?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('warden filter --stdio', () => {
  it('classify: score, verdict and deciding words', async () => {
    const spam = expectVerdict(await filter().request({ id: 1, op: 'classify', path: spamProbe }), 1);
    expect(spam.spam).toBe(true);
    expect(spam.score).toBeGreaterThan(0.95);
    expect(spam.words.length).toBeGreaterThan(0);
    expect(spam.words[0]![1]).toBeGreaterThan(0.5);

    const ham = expectVerdict(await filter().request({ id: 'ham-probe', op: 'classify', path: hamProbe }), 'ham-probe');
    expect(ham.spam).toBe(false);
    expect(ham.score).toBeLessThan(0.05);
    expect(ham.words[0]![1]).toBeLessThan(0.5);
  });

  it.each([0, -7, 2.5, 123456789, 'abc', '', 'ünïcødé ✓ "quoted"', null])('echoes the id %j', async (id) => {
    expectVerdict(await filter().request({ id, op: 'classify', path: hamProbe }), id);
  });

  it('a set-up fits the threshold on the wanted mail it trained; the verdicts are at that threshold', async () => {
    const own = new FilterClient(join(root, 'set-up'));
    let fitted: number;
    try {
      expect(await own.request({ id: 'b', op: 'setup', phase: 'begin' })).toEqual({ id: 'b', ok: true, threshold: 0.95 });
      for (const [i, path] of hamFiles.entries()) expect(await own.request({ id: i, op: 'train', path, label: 'ham' })).toMatchObject({ ok: true, outcome: 'trained' });
      for (let i = 0; i < SPAM; i++) expect(await own.request({ id: i, op: 'train', path: join(root, 'spam', `${i}.eml`), label: 'spam' })).toMatchObject({ ok: true });
      const end = await own.request({ id: 'e', op: 'setup', phase: 'end' });
      expect(end).toMatchObject({ id: 'e', ok: true });
      fitted = end.threshold as number;
      expect(fitted).toBeGreaterThanOrEqual(0.5);
      expect(fitted).toBeLessThan(0.95);
      const verdict = expectVerdict(await own.request({ id: 1, op: 'classify', path: hamProbe }), 1);
      expect(verdict).toMatchObject({ threshold: fitted, spam: verdict.score > fitted });
    } finally {
      await own.close();
    }
    // The other tests' data folder, trained with the same mail by `warden junk train` (a set-up too), judges by the same fit.
    expect(expectVerdict(await filter().request({ id: 2, op: 'classify', path: hamProbe }), 2)).toMatchObject({ threshold: fitted });
    expect(await filter().request({ id: 3, op: 'setup', phase: 'middle' })).toMatchObject({ ok: false, error: expect.stringMatching(/phase/) });
    expect(await filter().request({ id: 4, op: 'setup', phase: 'end' })).toMatchObject({ ok: false, error: expect.stringMatching(/no set-up is open: begin one/) });
  });

  it('gives the same verdict as warden junk classify --json', async () => {
    const response = await filter().request({ id: 'same', op: 'classify', path: spamProbe });
    const r = runWarden(['junk', 'classify', '--json', '--data-dir', dataDir, spamProbe]);
    expect(r.status, r.stderr).toBe(0);
    const { source, ...verdict } = JSON.parse(r.stdout) as Response;
    expect(source).toBe(spamProbe);
    expect(response).toEqual({ id: 'same', ok: true, ...verdict });
  });

  it('training changes later classification, and untraining reverses it', async () => {
    const f = filter();
    const path = novelMessage();
    const before = expectVerdict(await f.request({ id: 'c0', op: 'classify', path }), 'c0');
    // Junk-shaped with words never seen: below the setting, though the threshold this folder's
    // set-up fitted may already judge it junk.
    expect(before.score).toBeLessThan(0.95);

    expect(await f.request({ id: 't1', op: 'train', path, label: 'spam' })).toEqual({ id: 't1', ok: true, outcome: 'trained' });
    const asSpam = expectVerdict(await f.request({ id: 'c1', op: 'classify', path }), 'c1');
    expect(asSpam.spam).toBe(true);
    expect(asSpam.score).toBeGreaterThan(0.95);
    expect(asSpam.words.some(([w, s]) => NOVEL_WORDS.some((n) => w.includes(n)) && s > 0.5)).toBe(true);

    expect(await f.request({ id: 't2', op: 'train', path, label: 'spam' })).toEqual({ id: 't2', ok: true, outcome: 'unchanged' });
    expect(await f.request({ id: 't3', op: 'train', path, label: 'ham' })).toEqual({ id: 't3', ok: true, outcome: 'retrained' });
    const asHam = expectVerdict(await f.request({ id: 'c2', op: 'classify', path }), 'c2');
    expect(asHam.spam).toBe(false);
    expect(asHam.score).toBeLessThan(0.05);

    expect(await f.request({ id: 'u0', op: 'untrain', path, label: 'spam' })).toEqual({
      id: 'u0',
      ok: false,
      error: 'the message is not trained as spam (it is trained as ham)',
    });
    expect(await f.request({ id: 'u1', op: 'untrain', path, label: 'ham' })).toEqual({ id: 'u1', ok: true });
    const after = expectVerdict(await f.request({ id: 'c3', op: 'classify', path }), 'c3');
    expect(after.score).toBeCloseTo(before.score, 12);
    expect(after.words).toEqual(before.words);
    expect(await f.request({ id: 'u2', op: 'untrain', path, label: 'ham' })).toEqual({
      id: 'u2',
      ok: false,
      error: 'the message is not trained as ham (it was never trained)',
    });
    expect(stats(dataDir)).toEqual(expect.objectContaining({ hamMessages: HAM, spamMessages: SPAM }));
  });

  it('training is on disk when its response is written', async () => {
    const f = filter();
    const path = novelMessage();
    expect(await f.request({ id: 1, op: 'train', path, label: 'spam' })).toMatchObject({ ok: true, outcome: 'trained' });
    expect(stats(dataDir)).toMatchObject({ hamMessages: HAM, spamMessages: SPAM + 1 });
    expect(await f.request({ id: 2, op: 'untrain', path, label: 'spam' })).toEqual({ id: 2, ok: true });
    expect(stats(dataDir)).toMatchObject({ hamMessages: HAM, spamMessages: SPAM });
  });

  it('holds its data folder: training from another process is refused, naming it, and nothing changes', async () => {
    const f = filter();
    const path = novelMessage();
    const before = expectVerdict(await f.request({ id: 'before', op: 'classify', path }), 'before');
    const r = runWarden(['junk', 'train', '--data-dir', dataDir, '--spam', path]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/in use by `warden filter --stdio` \(pid \d+, since .*\): wait until it has finished, then run warden junk train again/);
    expect(stats(dataDir)).toMatchObject({ hamMessages: HAM, spamMessages: SPAM });
    expect(expectVerdict(await f.request({ id: 'after', op: 'classify', path }), 'after').score).toBe(before.score);
  });

  describe('a failing request gets ok:false with the reason, and the next is served', () => {
    const missing = () => join(root, 'no-such-message.eml');
    it.each<[string, () => string, unknown, RegExp | (() => string)]>([
      ['a line that is not JSON', () => 'this is not json', null, /^the request is not JSON: /],
      ['a cut-off JSON line', () => '{"id": 3, "op": "classify"', null, /^the request is not JSON: /],
      ['a JSON array', () => '[1, 2]', null, /^invalid request: a request is a JSON object, like \{/],
      ['a JSON number', () => '42', null, /^invalid request: a request is a JSON object/],
      ['no id', () => JSON.stringify({ op: 'classify', path: hamProbe }), null, /^invalid request: id: missing/],
      ['an unknown op', () => JSON.stringify({ id: 'op1', op: 'frobnicate', path: hamProbe }), 'op1', /^invalid request: op: .*"classify" \| "train" \| "untrain".* but received "frobnicate"/],
      ['no op', () => JSON.stringify({ id: 'op2', path: hamProbe }), 'op2', /^invalid request: op: .* but received undefined/],
      ['no path', () => JSON.stringify({ id: 7, op: 'classify' }), 7, /^invalid request: path: missing/],
      ['an empty path', () => JSON.stringify({ id: 8, op: 'classify', path: '' }), 8, /^invalid request: path: path must name a message file$/],
      ['a path that is no string', () => JSON.stringify({ id: 9, op: 'train', path: 9, label: 'spam' }), 9, /^invalid request: path: .*Expected string but received 9/],
      ['a nonexistent file to classify', () => JSON.stringify({ id: 'f1', op: 'classify', path: missing() }), 'f1', () => `no such file: ${missing()}`],
      ['a nonexistent file to train', () => JSON.stringify({ id: 'f2', op: 'train', path: missing(), label: 'ham' }), 'f2', () => `no such file: ${missing()}`],
      ['a nonexistent file to untrain', () => JSON.stringify({ id: 'f3', op: 'untrain', path: missing(), label: 'ham' }), 'f3', () => `no such file: ${missing()}`],
      ['a folder', () => JSON.stringify({ id: 'f4', op: 'classify', path: root }), 'f4', () => `${root} is a folder, not a message file`],
      ['a bad label', () => JSON.stringify({ id: 'l1', op: 'train', path: hamFiles[0], label: 'eggs' }), 'l1', /^invalid request: label: .*"ham" \| "spam".* but received "eggs"/],
      ['a label in capitals', () => JSON.stringify({ id: 'l2', op: 'untrain', path: hamFiles[0], label: 'HAM' }), 'l2', /^invalid request: label: .* but received "HAM"/],
      ['no label', () => JSON.stringify({ id: 'l3', op: 'train', path: hamFiles[0] }), 'l3', /^invalid request: label: missing/],
      ['a received time that is no time', () => JSON.stringify({ id: 'r1', op: 'deliver', path: hamProbe, received: 'yesterday' }), 'r1', /^invalid request: received: a date and time with its offset \(ISO 8601, like 2026-11-24T10:00:00\+01:00\), or ms since the epoch$/],
      // ISO 8601 in form, but no instant JavaScript reads (an offset of hours alone): refused, not kept as NaN.
      ['a received time JavaScript cannot read', () => JSON.stringify({ id: 'r2', op: 'deliver', path: hamProbe, received: '2026-11-24T10:00:00+01' }), 'r2', /^invalid request: received: a date and time/],
      ['a received time before 1970', () => JSON.stringify({ id: 'r3', op: 'deliver', path: hamProbe, received: -1 }), 'r3', /^invalid request: received: a date and time/],
    ])('%s', async (_name, line, id, error) => {
      const f = filter();
      const response = await f.send(line());
      expect(Object.keys(response).sort()).toEqual(['error', 'id', 'ok']);
      expect(response).toMatchObject({ id, ok: false });
      if (typeof error === 'function') expect(response.error).toBe(error());
      else expect(response.error).toMatch(error);
      // The process goes on.
      expectVerdict(await f.request({ id: 'next', op: 'classify', path: hamProbe }), 'next');
    });

    it('and nothing was trained by them', () => {
      expect(stats(dataDir)).toMatchObject({ hamMessages: HAM, spamMessages: SPAM });
    });
  });

  it('keeps the received time a delivery gives, as ISO 8601 text or ms since the epoch', async () => {
    const dir = join(root, 'received');
    const f = new FilterClient(dir);
    try {
      const iso = await f.request({ id: 1, op: 'deliver', path: novelMessage(), received: '2026-11-24T10:00:00.5+01:00' });
      const ms = await f.request({ id: 2, op: 'deliver', path: novelMessage(), received: 1_700_000_000_000 });
      expect([iso.ok, ms.ok]).toEqual([true, true]);
      const db = new Database(join(dir, 'warden.db'), { readonly: true });
      const received = (msg: unknown) => (db.prepare('SELECT received FROM msg WHERE id = ?').get(Number(msg)) as { received: number }).received;
      expect([received(iso.msg), received(ms.msg)]).toEqual([Date.parse('2026-11-24T09:00:00.500Z'), 1_700_000_000_000]);
      db.close();
    } finally {
      await f.close();
    }
  });

  it('answers pipelined requests in order, each with its id, and exits 0 when stdin closes', async () => {
    const dir = join(root, 'pipelined');
    const probe = novelMessage();
    const requests: (Response | string)[] = [];
    hamFiles.forEach((path, i) => {
      requests.push({ id: i, op: 'train', path, label: 'ham' });
      requests.push({ id: `c${i}`, op: 'classify', path: i % 2 ? spamProbe : path });
      if (i % 15 === 0) requests.push('not json at all');
      if (i % 20 === 0) requests.push({ id: `bad${i}`, op: 'train', path, label: 'eggs' });
    });
    // Each request sees the ones before it.
    requests.push(
      { id: 'p0', op: 'classify', path: probe },
      { id: 'p1', op: 'train', path: probe, label: 'spam' },
      { id: 'p2', op: 'classify', path: probe },
      { id: 'p3', op: 'untrain', path: probe, label: 'spam' },
      { id: 'p4', op: 'classify', path: probe },
      { id: 'p5', op: 'train', path: hamFiles[0], label: 'ham' },
    );
    // Blank lines get no response.
    const input = requests.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n\n   \n') + '\n';

    const { responses, code, stderr } = await pipeline(dir, input, requests.length);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(responses.map((r) => r.id)).toEqual(requests.map((r) => (typeof r === 'string' ? null : r.id)));
    requests.forEach((request, i) => {
      const response = responses[i]!;
      if (typeof request === 'string') expect(response).toMatchObject({ ok: false, error: expect.stringMatching(/not JSON/) });
      else if (request.label === 'eggs') expect(response).toMatchObject({ ok: false, error: expect.stringMatching(/label/) });
      else if (request.op === 'train') expect(response).toEqual({ id: request.id, ok: true, outcome: request.id === 'p5' ? 'unchanged' : 'trained' });
      else if (request.op === 'untrain') expect(response).toEqual({ id: request.id, ok: true });
      else expect(response).toMatchObject({ ok: true, score: expect.any(Number) });
    });
    const score = (id: string) => responses.find((r) => r.id === id)!.score as number;
    expect(score('p2')).toBeGreaterThan(score('p0'));
    expect(score('p4')).toBeCloseTo(score('p0'), 12);

    // Everything acknowledged is on disk.
    expect(stats(dir)).toMatchObject({ hamMessages: HAM, spamMessages: 0 });
  });

  it('exits 0 when stdin closes, and a new process on the same data folder classifies the same', async () => {
    const path = novelMessage();
    const first = filter();
    expect(await first.request({ id: 't', op: 'train', path, label: 'spam' })).toMatchObject({ ok: true, outcome: 'trained' });
    const verdict = await first.request({ id: 'c', op: 'classify', path });
    expect(verdict).toMatchObject({ ok: true, spam: true });
    client = undefined;
    expect(await first.close()).toBe(0);

    const second = filter();
    expect(second.pid).not.toBe(first.pid);
    expect(await second.request({ id: 'c', op: 'classify', path })).toEqual(verdict);
    expect(await second.request({ id: 't', op: 'train', path, label: 'spam' })).toEqual({ id: 't', ok: true, outcome: 'unchanged' });
    client = undefined;
    expect(await second.close()).toBe(0);
    expect(stats(dataDir)).toMatchObject({ hamMessages: HAM, spamMessages: SPAM + 1 });
  });

  it('exits 0 at once when stdin closes without a request', async () => {
    const { responses, code, stderr } = await pipeline(join(root, 'idle'), '', 0);
    expect({ responses, code, stderr }).toEqual({ responses: [], code: 0, stderr: '' });
  });
});
