import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseFile } from '../../src/engine/data-dir.ts';
import { JunkService, PRESETS, WordSettingsError, type Label, type MessageWords, type TrainOutcome } from '../../src/engine/junk.ts';
import { MOX_PARAMS } from '../../src/junk/params.ts';
import { FITTED_FLOOR, FITTED_MIN_HAM, HELD_OUT_HAM } from '../../src/junk/threshold.ts';
import { SIGNIFICANT_HAM } from '../../src/junk/classify.ts';
import { JunkFilter, NotTrainedError, type WordCountStore } from '../../src/junk/filter.ts';
import type { SetUp } from '../../src/junk/set-up.ts';
import { wordsOfMessage } from '../../src/junk/analyze.ts';
import { DEFAULT_JUNK_PARAMS } from '../../src/junk/params.ts';
import { openDatabase } from '../../src/store/database.ts';
import { SqliteWordCounts } from '../../src/store/junk-words.ts';
import { hashWord } from '../../src/junk/word-hash.ts';
import { slotOf } from '../../src/junk/logistic.ts';
import { seededRandom } from '../../src/engine/random.ts';
import { HAM_WORDS, SPAM_WORDS } from '../helpers/synthetic-mail.ts';


/** In ham and spam alike: every message has `hello`. */
const COMMON_WORDS = ['please', 'today', 'your', 'about', 'this', 'with'];

/** The n-th synthetic message of a kind, as raw RFC 5322 bytes (CRLF line ends). */
function message(kind: Label, n: number): Uint8Array {
  const next = seededRandom(n * 7919 + (kind === 'ham' ? 1 : 2));
  const vocabulary = kind === 'ham' ? HAM_WORDS : SPAM_WORDS;
  const pick = (words: readonly string[], count: number) => Array.from({ length: count }, () => words[Math.floor(next() * words.length)]!).join(' ');
  const from = kind === 'ham' ? `Alice Office <alice${n % 5}@office.example>` : `Prize Desk <winner${n}@deals${n % 7}.example>`;
  const lines = [
    `From: ${from}`,
    'To: Me <me@home.example>',
    `Subject: ${pick(vocabulary, 3)}`,
    `Date: Mon, ${(n % 28) + 1} Jan 2024 10:00:00 +0000`,
    `Message-ID: <${kind}-${n}@test.example>`,
    '',
    `hello ${pick(vocabulary, 10)}`,
    `${pick(COMMON_WORDS, 3)} ${pick(vocabulary, 6)}`,
    '',
  ];
  return new TextEncoder().encode(lines.join('\r\n'));
}

/** Stored counts by keyOf(word): the store keeps words by their hashes only. */
type WordTable = Map<string, [ham: number, spam: number]>;

/** A word's two hashes, as WordTable keys them. */
function keyOf(word: string): string {
  const h = new Uint32Array(2);
  hashWord(word, h, 0);
  return `${h[0]}:${h[1]}`;
}

/** The stored word counts of a data directory, read through a connection of its own. */
function storedWords(dataDir: string): WordTable {
  const db = openDatabase(databaseFile(dataDir));
  try {
    const table: WordTable = new Map();
    for (const chunk of new SqliteWordCounts(db, hashWord).dumpWords(Number.MAX_SAFE_INTEGER)!.chunks) {
      for (let at = 0; at < chunk.length; at += 4) table.set(`${chunk[at]}:${chunk[at + 1]}`, [chunk[at + 2]!, chunk[at + 3]!]);
    }
    return table;
  } finally {
    db.close();
  }
}

/** The logistic learner's stored weights of a data directory, by slot. */
function storedWeights(dataDir: string): Map<number, number> {
  const db = openDatabase(databaseFile(dataDir));
  try {
    const { slots, weights } = new SqliteWordCounts(db, hashWord).readWeights();
    return new Map(Array.from(slots, (slot, i) => [slot, weights[i]!]));
  } finally {
    db.close();
  }
}

/**
 * The weights a data directory would hold with `message` its only message learned, at the step
 * the store records for it: each of its words moves its slot by that step.
 */
function weightsOfOnly(dataDir: string, message: MessageWords): Map<number, number> {
  const db = openDatabase(databaseFile(dataDir));
  try {
    const step = new SqliteWordCounts(db, hashWord).readStep(message.fingerprint) ?? 0;
    const weights = new Map<number, number>();
    for (let at = 0; at < message.words.hashes.length; at += 2) {
      const slot = slotOf(message.words.hashes, at);
      weights.set(slot, (weights.get(slot) ?? 0) + step);
    }
    return weights;
  } finally {
    db.close();
  }
}

/** Every slot's weight near what `expected` has (0 for a slot it has not), up to rounding. */
function expectWeightsNear(actual: Map<number, number>, expected: Map<number, number>): void {
  for (const slot of new Set([...actual.keys(), ...expected.keys()])) expect(Math.abs((actual.get(slot) ?? 0) - (expected.get(slot) ?? 0)), `slot ${slot}`).toBeLessThan(1e-9);
}

/**
 * A service judging by the word counts alone: two services' logistic learners take their steps
 * from different weights, so only the counts can equal one service's training the same set.
 */
function countsOnly(service: JunkService): JunkService {
  service.configure({ logistic: false });
  return service;
}

/** Which messages the data directory records as trained, by fingerprint. */
function storedTraining(dataDir: string): Map<string, Label> {
  const db = openDatabase(databaseFile(dataDir));
  try {
    const rows = db.prepare<[], { fingerprint: string; label: Label }>('SELECT fingerprint, label FROM junk_trained').all();
    return new Map(rows.map((r) => [r.fingerprint, r.label]));
  } finally {
    db.close();
  }
}

/** Data folders and services of the running test, removed and closed after it. */
const dirs: string[] = [];
const services: JunkService[] = [];

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'warden-filter-'));
  dirs.push(dir);
  return join(dir, 'data');
}

function open(dir: string): JunkService {
  const service = JunkService.open(dir);
  services.push(service);
  return service;
}

afterEach(() => {
  for (const service of services.splice(0)) {
    try {
      service.close();
    } catch {
      // Already closed by the test.
    }
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('JunkService training and classification', () => {
  function close(service: JunkService): void {
    services.splice(services.indexOf(service), 1);
    service.close();
  }

  /** Trains ham 0..ham-1 and spam 0..spam-1 in memory, then commits once. */
  async function trainCorpus(service: JunkService, ham: number, spam: number): Promise<void> {
    for (let i = 0; i < ham; i++) expect(service.trainWords(await service.words(message('ham', i)), 'ham')).toBe('trained');
    for (let i = 0; i < spam; i++) expect(service.trainWords(await service.words(message('spam', i)), 'spam')).toBe('trained');
    service.commit();
  }

  const SPAMMY = message('spam', 1000);
  const HAMMY = message('ham', 1000);

  it('scores an unseen spammy message above the threshold and a hammy one below, once trained', async () => {
    const service = open(dataDir());
    await trainCorpus(service, 60, 30);
    expect(service.stats()).toMatchObject({ hamMessages: 60, spamMessages: 30 });

    const spam = await service.classify(SPAMMY);
    expect(spam.threshold).toBe(0.95);
    expect(spam.significant).toBe(true);
    expect(spam.probability).toBeGreaterThan(spam.threshold);
    expect(spam.spam).toBe(true);
    expect(spam.spams.length).toBeGreaterThan(0);
    for (const [word] of spam.spams) expect(word).not.toMatch(new RegExp(`\\b(${HAM_WORDS.join('|')})\\b`));

    const ham = await service.classify(HAMMY);
    expect(ham.probability).toBeLessThan(ham.threshold);
    expect(ham.probability).toBeLessThan(0.05);
    expect(ham.spam).toBe(false);
    expect(ham.hams.length).toBeGreaterThan(0);

    // verdict() on the words gives the same as classify() on the bytes.
    expect(service.verdict((await service.words(SPAMMY)).words)).toEqual(spam);
  });

  it(`calls nothing spam before ${SIGNIFICANT_HAM} ham messages are trained, whatever the probability`, async () => {
    const service = open(dataDir());
    await trainCorpus(service, SIGNIFICANT_HAM - 1, 10);
    const before = await service.classify(SPAMMY);
    expect(before.probability).toBeGreaterThan(before.threshold);
    expect(before.significant).toBe(false);
    expect(before.spam).toBe(false);

    expect(await service.train(message('ham', 500), 'ham')).toBe('trained');
    const after = await service.classify(SPAMMY);
    expect(after.significant).toBe(true);
    expect(after.spam).toBe(true);
  });

  it('is neutral when nothing is trained', async () => {
    const service = open(dataDir());
    const verdict = await service.classify(SPAMMY);
    expect(verdict).toMatchObject({ probability: 0.5, significant: false, spam: false, hams: [], spams: [] });
    expect(service.stats()).toMatchObject({ hamMessages: 0, spamMessages: 0, words: 0 });
  });

  it('trains a message once per fingerprint, whatever its line ends', async () => {
    const dir = dataDir();
    const service = open(dir);
    await trainCorpus(service, 3, 3);
    const raw = message('spam', 77);
    expect(await service.train(raw, 'spam')).toBe('trained');
    const stats = service.stats();
    const words = storedWords(dir);

    expect(await service.train(raw, 'spam')).toBe('unchanged');
    expect(service.trainWords(await service.words(raw), 'spam')).toBe('unchanged');
    expect(service.pending).toEqual({ messages: 0, words: 0 });
    // The same message with LF line ends, as read from a Maildir file: the same fingerprint.
    const lf = new TextEncoder().encode(new TextDecoder().decode(raw).replaceAll('\r\n', '\n'));
    expect((await service.words(lf)).fingerprint).toBe((await service.words(raw)).fingerprint);
    expect(await service.train(lf, 'spam')).toBe('unchanged');
    service.commit();

    expect(service.stats()).toEqual(stats);
    expect(service.trained()).toEqual({ ham: 3, spam: 4 });
    expect(storedWords(dir)).toEqual(words);
    expect(storedTraining(dir).size).toBe(7);
  });

  it('shows training to classification at once, and on disk only after commit', async () => {
    const dir = dataDir();
    const service = open(dir);
    await trainCorpus(service, 5, 5);
    const before = await service.classify(SPAMMY);
    const raw = message('spam', 1000);
    expect(service.trainWords(await service.words(raw), 'spam')).toBe('trained');
    expect(service.pending.messages).toBe(1);
    expect(service.pending.words).toBeGreaterThan(10);
    expect(service.trained()).toEqual({ ham: 5, spam: 6 });
    expect(service.stats()).toMatchObject({ hamMessages: 5, spamMessages: 5 });
    const during = await service.classify(SPAMMY);
    expect(during.probability).toBeGreaterThanOrEqual(before.probability);
    expect(during).not.toEqual(before);

    service.commit();
    expect(service.pending).toEqual({ messages: 0, words: 0 });
    expect(service.stats()).toMatchObject({ hamMessages: 5, spamMessages: 6 });
    expect(await service.classify(SPAMMY)).toEqual(during);
  });

  it('untrains exactly: the word counts return to what they were', async () => {
    const dir = dataDir();
    let service = open(dir);
    await trainCorpus(service, 8, 8);
    const words = storedWords(dir);
    const stats = service.stats();
    const verdict = await service.classify(HAMMY);

    // Words of its own (a novel subject) as well as shared ones.
    const raw = new TextEncoder().encode(
      new TextDecoder().decode(message('ham', 300)).replace(/^Subject: .*$/m, 'Subject: zorblax quintessa flumwidget'),
    );
    expect(await service.train(raw, 'ham')).toBe('trained');
    expect(storedWords(dir).get(keyOf('Subject:zorblax'))).toEqual([1, 0]);
    expect(storedWords(dir)).not.toEqual(words);

    // Across a reopen, so that the counts come from disk rather than memory.
    close(service);
    service = open(dir);
    await service.untrain(raw, 'ham');
    expect(service.pending).toEqual({ messages: 0, words: 0 });
    expect(storedWords(dir)).toEqual(words);
    expect(service.stats()).toMatchObject({ hamMessages: stats.hamMessages, spamMessages: stats.spamMessages, words: stats.words });
    expect(service.trained()).toEqual({ ham: 8, spam: 8 });
    expect(await service.classify(HAMMY)).toEqual(verdict);
    expect(storedTraining(dir).size).toBe(16);
    // Untrained, it can be trained again.
    expect(await service.train(raw, 'ham')).toBe('trained');
  });

  it('refuses to untrain a message not trained with that label, changing nothing', async () => {
    const dir = dataDir();
    const service = open(dir);
    await trainCorpus(service, 3, 3);
    const trainedHam = message('ham', 0);
    const words = storedWords(dir);

    await expect(service.untrain(trainedHam, 'spam')).rejects.toThrow(NotTrainedError);
    await expect(service.untrain(trainedHam, 'spam')).rejects.toThrow('the message is not trained as spam (it is trained as ham)');
    await expect(service.untrain(message('ham', 999), 'ham')).rejects.toThrow('the message is not trained as ham (it was never trained)');
    expect(service.pending).toEqual({ messages: 0, words: 0 });
    expect(storedWords(dir)).toEqual(words);
    expect(service.trained()).toEqual({ ham: 3, spam: 3 });
  });

  it('retrains a message trained with the other label: ham - 1 and spam + 1 for each of its words', async () => {
    const dir = dataDir();
    const service = open(dir);
    await trainCorpus(service, 6, 6);
    const raw = message('ham', 6);
    expect(await service.train(raw, 'ham')).toBe('trained');
    const before = storedWords(dir);
    const { words, fingerprint } = await service.words(raw);

    expect(await service.train(raw, 'spam')).toBe('retrained');
    const after = storedWords(dir);
    expect(service.stats()).toMatchObject({ hamMessages: 6, spamMessages: 7 });
    expect(service.trained()).toEqual({ ham: 6, spam: 7 });
    expect(storedTraining(dir).get(fingerprint)).toBe('spam');

    const own = new Set(words.words.map(keyOf));
    expect(own.size).toBeGreaterThan(20);
    for (const word of own) {
      const [ham, spam] = before.get(word)!;
      expect(after.get(word), word).toEqual([ham - 1, spam + 1]);
    }
    for (const [word, counts] of before) if (!own.has(word)) expect(after.get(word), word).toEqual(counts);
    expect(after.size).toBe(before.size);

    // And back.
    expect(await service.train(raw, 'ham')).toBe('retrained');
    expect(storedWords(dir)).toEqual(before);
  });

  it('persists committed training: a reopened service classifies identically', async () => {
    const dir = dataDir();
    const probes = [SPAMMY, HAMMY, message('spam', 2000), message('ham', 2000)];
    let service = open(dir);
    await trainCorpus(service, 55, 25);
    const verdicts = [];
    for (const probe of probes) verdicts.push(await service.classify(probe));
    const trained = service.trained();
    const words = storedWords(dir);

    // Training left pending is committed by close().
    const late = message('spam', 3000);
    service.trainWords(await service.words(late), 'spam');
    close(service);
    service = open(dir);
    expect(service.trained()).toEqual({ ham: trained.ham, spam: trained.spam + 1 });
    await service.untrain(late, 'spam');
    close(service);

    service = open(dir);
    expect(service.trained()).toEqual(trained);
    expect(storedWords(dir)).toEqual(words);
    for (const [i, probe] of probes.entries()) expect(await service.classify(probe)).toEqual(verdicts[i]);
  });

  it("reads the stored counts and the logistic learner's weights once when warmed, and then classifies without asking the store", async () => {
    const dir = dataDir();
    const trainer = open(dir);
    await trainCorpus(trainer, 55, 25);
    const expected = await trainer.classify(SPAMMY);
    close(trainer);

    const db = openDatabase(databaseFile(dir));
    try {
      const store = new SqliteWordCounts(db, hashWord);
      const reads: string[] = [];
      const counted: WordCountStore = {
        dumpWords: (limit) => (reads.push('dump'), store.dumpWords(limit)),
        readWords: (hashes) => (reads.push('words'), store.readWords(hashes)),
        readTotals: () => store.readTotals(),
        readTrained: (fingerprint) => store.readTrained(fingerprint),
        readHeldOut: (limit) => store.readHeldOut(limit),
        readStep: (fingerprint) => store.readStep(fingerprint),
        readWeights: () => (reads.push('weights'), store.readWeights()),
        writeTransaction: (fn) => store.writeTransaction(fn),
        write: (changes) => store.write(changes),
        version: () => store.version(),
        clear: () => store.clear(),
      };
      const filter = new JunkFilter(counted, DEFAULT_JUNK_PARAMS);
      filter.warm();
      expect(reads).toEqual(['dump', 'weights']);
      const words = await wordsOfMessage(SPAMMY, DEFAULT_JUNK_PARAMS);
      expect(filter.classify(words).probability).toBe(expected.probability);
      expect(reads).toEqual(['dump', 'weights']);
    } finally {
      db.close();
    }
  });

  it('loses no training when two services on one data directory commit interleaved', async () => {
    const dir = dataDir();
    const a = countsOnly(open(dir));
    const b = open(dir);
    const train = async (service: JunkService, kind: Label, from: number, to: number) => {
      for (let n = from; n < to; n++) expect(service.trainWords(await service.words(message(kind, n)), kind)).toBe('trained');
    };

    await train(a, 'ham', 0, 10);
    await train(b, 'ham', 10, 20);
    await train(a, 'spam', 0, 5);
    a.commit();
    await train(b, 'spam', 5, 12); // b's batch began before a's commit
    b.commit();
    await train(a, 'ham', 20, 25); // a's memory is stale: b committed since
    await train(b, 'spam', 12, 15);
    b.commit();
    a.commit();
    await a.untrain(message('ham', 12), 'ham'); // trained by b
    await b.train(message('spam', 1), 'ham'); // trained by a as spam

    const c = open(dir);
    const expected = { ham: 24 + 1, spam: 15 - 1 };
    expect(c.trained()).toEqual(expected);
    expect(c.stats()).toMatchObject({ hamMessages: expected.ham, spamMessages: expected.spam });
    // Each sees the other's commits once it has nothing pending.
    expect(a.trained()).toEqual(expected);
    expect(b.trained()).toEqual(expected);
    // `hello` is in every message.
    expect(storedWords(dir).get(keyOf('hello'))).toEqual([expected.ham, expected.spam]);
    expect(storedWords(dir).get(keyOf('To:home'))).toEqual([expected.ham, expected.spam]);

    // The same as one service training the final set alone.
    const alone = dataDir();
    const single = countsOnly(open(alone));
    for (let n = 0; n < 25; n++) if (n !== 12) single.trainWords(await single.words(message('ham', n)), 'ham');
    for (let n = 0; n < 15; n++) single.trainWords(await single.words(message('spam', n)), n === 1 ? 'ham' : 'spam');
    single.commit();
    expect(storedWords(dir)).toEqual(storedWords(alone));
    expect(storedTraining(dir)).toEqual(storedTraining(alone));
    for (const probe of [SPAMMY, HAMMY]) {
      const verdict = await single.classify(probe);
      for (const service of [a, b, c]) expect(await service.classify(probe)).toEqual(verdict);
    }
  });

  it("adds both services' logistic steps when two services on one data directory commit interleaved", async () => {
    const trainEach = async (service: JunkService, kind: Label) => {
      for (let n = 0; n < 10; n++) service.trainWords(await service.words(message(kind, n)), kind);
    };
    const dir = dataDir();
    const a = open(dir);
    const b = open(dir);
    await trainEach(a, 'ham');
    await trainEach(b, 'spam'); // b's weights do not have a's steps: both begin from none
    a.commit();
    b.commit();

    // Each alone, from no weights, takes the same steps; the stored weights are their sums.
    const aloneA = dataDir();
    const aloneB = dataDir();
    const sa = open(aloneA);
    const sb = open(aloneB);
    await trainEach(sa, 'ham');
    await trainEach(sb, 'spam');
    sa.commit();
    sb.commit();
    const [wa, wb, both] = [storedWeights(aloneA), storedWeights(aloneB), storedWeights(dir)];
    expect(wa.size).toBeGreaterThan(0);
    expect(wb.size).toBeGreaterThan(0);
    const sum = new Map(wa);
    for (const [slot, w] of wb) sum.set(slot, (sum.get(slot) ?? 0) + w);
    expect(both).toEqual(sum);
    // Memory, once it is read again, is what the store holds: a third service judges alike.
    for (const probe of [SPAMMY, HAMMY]) expect((await a.classify(probe)).probability).toBe((await open(dir).classify(probe)).probability);
  });

  it('learns logistic weights with the default settings and none with the mox preset, which judges by the counts alone', async () => {
    const mine = dataDir();
    const mox = dataDir();
    const defaults = open(mine);
    const asMox = open(mox);
    asMox.configure(PRESETS.mox);
    for (const service of [defaults, asMox]) await trainCorpus(service, 55, 25);
    expect(storedWeights(mine).size).toBeGreaterThan(0);
    expect(storedWeights(mox).size).toBe(0);
    // The default's probability is the two learners' average, not the counts' score alone.
    const counts = countsOnly(open(dataDir()));
    await trainCorpus(counts, 55, 25);
    expect((await defaults.classify(SPAMMY)).probability).not.toBe((await counts.classify(SPAMMY)).probability);
  });

  it('judges a filter trained before the learner existed by its counts alone, until the learner has learned from messages of its own', async () => {
    const dir = dataDir();
    const before = countsOnly(open(dir));
    await trainCorpus(before, 55, 25);
    const counted = (await before.classify(SPAMMY)).probability;
    // Switched on (as an upgrade does): no weights, no message learned, the same score.
    const upgraded = open(dir);
    upgraded.configure({ logistic: true });
    expect((await upgraded.classify(SPAMMY)).probability).toBe(counted);
    // One message learned: the learner has a say, a hundredth of its full half.
    await upgraded.train(message('spam', 900), 'spam');
    const learned = (await upgraded.classify(SPAMMY)).probability;
    expect(learned).not.toBe(counted);
    expect(Math.abs(learned - (await countsOnly(open(dir)).classify(SPAMMY)).probability)).toBeLessThan(0.01);
  });

  it("takes a message's logistic step back when it is untrained or retrained, even with the learner switched off since", async () => {
    const dir = dataDir();
    const service = open(dir);
    const spam = message('spam', 901);
    const ham = message('ham', 902);
    await service.train(spam, 'spam');
    await service.train(ham, 'ham');
    expect(storedWeights(dir).size).toBeGreaterThan(0);
    service.configure({ logistic: false });
    await service.untrain(spam, 'spam');
    await service.train(ham, 'spam');
    // Nothing it learned is left: every weight back to 0 (up to rounding).
    for (const w of storedWeights(dir).values()) expect(Math.abs(w)).toBeLessThan(1e-9);
    // And the message retrained while it was off took no step: switched on, it has learned nothing.
    const again = open(dir);
    again.configure({ logistic: true });
    const counted = (await countsOnly(open(dir)).classify(SPAMMY)).probability;
    expect((await again.classify(SPAMMY)).probability).toBe(counted);
  });

  describe('a random sequence of operations over two services', () => {
    const MESSAGES = 30;
    const raws = Array.from({ length: MESSAGES }, (_, i) => message(i % 3 === 0 ? 'spam' : 'ham', 100 + i));

    /**
     * The model: the stored label of each message, each service's uncommitted changes, and per
     * service the messages the other committed while it had uncommitted training.
     *
     * The model cannot say which of two conflicting batches wins, so a service never works on
     * a message the other has uncommitted, nor, during a batch, on one the other committed
     * since the batch began: it commits the conflicting batch first. Those races have their
     * own tests below.
     */
    async function run(seed: number): Promise<void> {
      const next = seededRandom(seed);
      const dir = dataDir();
      const pair = [countsOnly(open(dir)), open(dir)] as const;
      const analyzed: MessageWords[] = [];
      for (const raw of raws) analyzed.push(await pair[0].words(raw));

      const stored: (Label | undefined)[] = Array.from({ length: MESSAGES }, () => undefined);
      const pending = [new Map<number, Label | null>(), new Map<number, Label | null>()];
      const dirty = [new Set<number>(), new Set<number>()];
      /** Whether the other service committed since this one's batch began: its commit must reconcile. */
      const stale = [false, false];
      const view = (x: number, i: number): Label | undefined => (pending[x]!.has(i) ? (pending[x]!.get(i) ?? undefined) : stored[i]);
      const totals = () => ({ ham: stored.filter((l) => l === 'ham').length, spam: stored.filter((l) => l === 'spam').length });

      const counts: Record<string, number> = {};
      /** Records x's commit in the model; the service has committed. */
      const committed = (x: number) => {
        if (pending[x]!.size > 0 && stale[x]) counts.reconciled = (counts.reconciled ?? 0) + 1;
        for (const [i, label] of pending[x]!) {
          stored[i] = label ?? undefined;
          if (pending[1 - x]!.size > 0) {
            dirty[1 - x]!.add(i);
            stale[1 - x] = true;
          }
        }
        pending[x]!.clear();
        dirty[x]!.clear();
        stale[x] = false;
        expect(pair[x]!.stats()).toMatchObject({ hamMessages: totals().ham, spamMessages: totals().spam });
      };
      const commit = (x: number) => {
        pair[x]!.commit();
        committed(x);
      };

      for (let step = 0; step < 250; step++) {
        const x = next() < 0.5 ? 0 : 1;
        const i = Math.floor(next() * MESSAGES);
        const service = pair[x];
        const roll = next();
        if (pending[1 - x]!.has(i)) commit(1 - x);
        if (dirty[x]!.has(i)) commit(x);
        const current = view(x, i);

        if (roll < 0.45) {
          const label: Label = next() < 0.5 ? 'ham' : 'spam';
          const expected: TrainOutcome = current === label ? 'unchanged' : current ? 'retrained' : 'trained';
          expect(service.trainWords(analyzed[i]!, label)).toBe(expected);
          if (expected !== 'unchanged') pending[x]!.set(i, label);
          counts[expected] = (counts[expected] ?? 0) + 1;
        } else if (roll < 0.55) {
          const label: Label = next() < 0.5 ? 'ham' : 'spam';
          const expected: TrainOutcome = current === label ? 'unchanged' : current ? 'retrained' : 'trained';
          expect(await service.train(raws[i]!, label)).toBe(expected);
          if (expected !== 'unchanged') pending[x]!.set(i, label);
          committed(x);
        } else if (roll < 0.7) {
          if (current) {
            await service.untrain(raws[i]!, current);
            pending[x]!.set(i, null);
            committed(x);
            counts.untrained = (counts.untrained ?? 0) + 1;
          } else {
            await expect(service.untrain(raws[i]!, 'ham')).rejects.toThrow(NotTrainedError);
          }
        } else if (roll < 0.8) {
          const other: Label = current === 'ham' ? 'spam' : 'ham';
          await expect(service.untrain(raws[i]!, other)).rejects.toThrow(NotTrainedError);
        } else if (roll < 0.85) {
          const verdict = service.verdict(analyzed[i]!.words);
          expect(verdict.probability).toBeGreaterThanOrEqual(0);
          expect(verdict.probability).toBeLessThanOrEqual(1);
        } else {
          commit(x);
        }
      }
      commit(0);
      commit(1);
      // The sequence did what it is meant to test.
      expect(counts.trained).toBeGreaterThan(10);
      expect(counts.retrained).toBeGreaterThan(5);
      expect(counts.untrained).toBeGreaterThan(5);
      expect(counts.reconciled).toBeGreaterThan(5);

      // Recount from scratch: a fresh directory trained with just the final labels.
      const freshDir = dataDir();
      const fresh = countsOnly(open(freshDir));
      stored.forEach((label, i) => {
        if (label) fresh.trainWords(analyzed[i]!, label);
      });
      fresh.commit();
      expect(storedWords(dir)).toEqual(storedWords(freshDir));
      expect(storedTraining(dir)).toEqual(new Map(stored.flatMap((label, i) => (label ? [[analyzed[i]!.fingerprint, label] as const] : []))));
      const third = open(dir);
      for (const service of [...pair, third]) {
        expect(service.trained()).toEqual(totals());
        for (const probe of [analyzed[0]!, analyzed[1]!, analyzed[2]!]) expect(service.verdict(probe.words)).toEqual(fresh.verdict(probe.words));
      }
    }

    it.each([1, 2, 3])('keeps stored counts equal to a recount of the trained set (seed %i)', async (seed) => {
      await run(seed);
    });
  });

  describe('two services training the same message', () => {
    // JunkFilter.commit must reconcile training state as well as word counts with another
    // connection's commits, or a message trained by both would count twice.
    it('counts a message once when two services train it before either commits', async () => {
      const dir = dataDir();
      const a = open(dir);
      const b = open(dir);
      const raw = message('spam', 5);
      expect(a.trainWords(await a.words(raw), 'spam')).toBe('trained');
      expect(b.trainWords(await b.words(raw), 'spam')).toBe('trained');
      b.commit();
      a.commit();
      expect(storedTraining(dir).size).toBe(1);
      expect(open(dir).trained()).toEqual({ ham: 0, spam: 1 });
    });

    it("keeps one logistic step for a message two services train before either commits, the one the store records", async () => {
      const dir = dataDir();
      const a = open(dir);
      const b = open(dir);
      const m = await a.words(message('spam', 5));
      a.trainWords(m, 'spam');
      b.trainWords(m, 'spam');
      b.commit();
      a.commit();
      expect(storedWeights(dir).size).toBeGreaterThan(0);
      expectWeightsNear(storedWeights(dir), weightsOfOnly(dir, m));
    });

    it('keeps no logistic step for a message trained last by a service with the learner off, though another learned it meanwhile', async () => {
      const dir = dataDir();
      const a = open(dir);
      const b = countsOnly(open(dir));
      const m = await a.words(message('spam', 6));
      b.trainWords(m, 'spam'); // b's batch begins: it records the message with no step
      a.trainWords(m, 'spam');
      a.commit(); // a's step is stored first
      b.commit();
      expect(storedTraining(dir).size).toBe(1);
      expectWeightsNear(storedWeights(dir), new Map());
    });

    it("takes a message's logistic step back once when two services untrain it at once", async () => {
      const dir = dataDir();
      const m = await open(dir).words(message('ham', 7));
      open(dir).trainWords(m, 'ham');
      services.at(-1)!.commit();
      const a = open(dir);
      const b = open(dir);
      expect(a.untrainWords(m, 'ham')).toBe('untrained'); // a's batch takes the stored step back
      expect(b.untrainWords(m, 'ham')).toBe('untrained');
      b.commit(); // and so does b's, first
      a.commit();
      expect(storedTraining(dir).size).toBe(0);
      expectWeightsNear(storedWeights(dir), new Map());
    });

    // During a batch the in-memory table is not refreshed, so it may hold at 0/0 the words of
    // a message another connection trained since; untraining must still take them away.
    it("removes all of a message's words when untraining, during a batch, one that another service trained meanwhile", async () => {
      const dir = dataDir();
      const a = open(dir);
      const b = open(dir);
      a.trainWords(await a.words(message('ham', 0)), 'ham'); // a's batch begins
      const raw = message('spam', 0);
      await b.train(raw, 'spam');
      await a.untrain(raw, 'spam');
      const alone = dataDir();
      await open(alone).train(message('ham', 0), 'ham');
      expect(open(dir).trained()).toEqual({ ham: 1, spam: 0 });
      expect(storedWords(dir)).toEqual(storedWords(alone));
    });
  });
});

describe('JunkService.configure', () => {
  async function trained(dir: string): Promise<JunkService> {
    const service = open(dir);
    for (let n = 0; n < 3; n++) await service.train(message('ham', n), 'ham');
    await service.train(message('spam', 0), 'spam');
    return service;
  }

  it('changes the n-grams freely while nothing is trained, and keeps the change', async () => {
    const dir = dataDir();
    const service = open(dir);
    expect(service.configure({ threegrams: true }).threegrams).toBe(true);
    const words = (await service.words(message('ham', 0))).words.words;
    expect(words.some((w) => w.split(' ').length === 3)).toBe(true);
    service.close();
    expect(open(dir).params.threegrams).toBe(true);
  });

  it('refuses to change the n-grams of a trained database, changing nothing', async () => {
    const dir = dataDir();
    const service = await trained(dir);
    const params = service.params;
    const words = storedWords(dir);

    expect(() => service.configure({ twograms: false })).toThrow(WordSettingsError);
    expect(() => service.configure({ threegrams: true, threshold: 0.5 })).toThrow(
      'changing 1+2-grams to 1+2+3-grams would invalidate the 4 trained messages; add --reset to clear the training, then train again',
    );
    expect(service.params).toEqual(params);
    expect(service.trained()).toEqual({ ham: 3, spam: 1 });
    expect(storedWords(dir)).toEqual(words);
    service.close();
    expect(open(dir).params).toEqual(params);
  });

  it('counts uncommitted training as trained', async () => {
    const service = open(dataDir());
    service.trainWords(await service.words(message('ham', 0)), 'ham');
    expect(() => service.configure({ onegrams: false })).toThrow(WordSettingsError);
  });

  it('allows other settings on a trained database, keeping the training', async () => {
    const dir = dataDir();
    const service = await trained(dir);
    const words = storedWords(dir);
    const next = service.configure({ threshold: 0.8, classifier: 'mox' });
    expect(next).toMatchObject({ threshold: 0.8, classifier: 'mox', onegrams: true, twograms: true });
    expect((await service.classify(message('spam', 1))).threshold).toBe(0.8);
    expect(storedWords(dir)).toEqual(words);
    service.close();
    const reopened = open(dir);
    expect(reopened.params).toEqual(next);
    expect(reopened.trained()).toEqual({ ham: 3, spam: 1 });
  });

  it('changes the n-grams of a trained database with reset, clearing the training', async () => {
    const dir = dataDir();
    const service = await trained(dir);
    const next = service.configure({ twograms: false }, { reset: true });
    expect(next.twograms).toBe(false);
    expect(service.trained()).toEqual({ ham: 0, spam: 0 });
    expect(service.stats()).toMatchObject({ hamMessages: 0, spamMessages: 0, words: 0 });
    expect(storedTraining(dir).size).toBe(0);

    // Training again uses the new settings: single words only.
    expect(await service.train(message('ham', 0), 'ham')).toBe('trained');
    const words = storedWords(dir);
    expect(words.size).toBeGreaterThan(10);
    for (const word of words.keys()) expect(word).not.toContain(' ');
    service.close();
    expect(open(dir).params.twograms).toBe(false);
  });

  it('refuses invalid settings, naming the field, and keeps the old ones', () => {
    const service = open(dataDir());
    const params = service.params;
    expect(() => service.configure({ threshold: 2 })).toThrow(/invalid junk filter settings: threshold/);
    expect(() => service.configure({ onegrams: false, twograms: false, threegrams: false })).toThrow(/at least one of onegrams/);
    expect(service.params).toEqual(params);
  });
});

describe('JunkService, the threshold fitted on the training (src/junk/threshold.ts)', () => {
  /** The stored held-out scores of the data directory's ham, latest first. */
  function storedHeldOut(dir: string): number[] {
    const db = openDatabase(databaseFile(dir));
    try {
      return new SqliteWordCounts(db, hashWord).readHeldOut(HELD_OUT_HAM);
    } finally {
      db.close();
    }
  }

  async function train(service: JunkService, kind: Label, from: number, to: number, as: Label = kind, setUp?: SetUp): Promise<void> {
    for (let i = from; i < to; i++) service.trainWords(await service.words(message(kind, i)), as, setUp);
    service.commit();
  }



  it('after a set-up, judges by the highest held-out score of the wanted mail, and keeps it on disk', async () => {
    const dir = dataDir();
    const service = open(dir);
    const setUp = service.beginSetUp();
    // Archive first, then Junk, as bootstrap reads them: scored as trained, the ham would have no spam to compare with.
    await train(service, 'ham', 0, FITTED_MIN_HAM + 20, 'ham', setUp);
    await train(service, 'spam', 0, 30, 'spam', setUp);
    expect(service.threshold().ham).toBe(0);
    service.endSetUp(setUp);

    const fit = service.threshold();
    expect(fit.ham).toBe(FITTED_MIN_HAM + 20);
    expect(fit.configured).toBe(0.95);
    expect(fit.threshold).toBe(Math.max(FITTED_FLOOR, fit.highest!));
    expect(fit.threshold).toBeLessThan(0.95);
    const scores = storedHeldOut(dir);
    expect(scores).toHaveLength(FITTED_MIN_HAM + 20);
    expect(Math.max(...scores)).toBe(fit.highest);

    const verdict = await service.classify(message('spam', 1000));
    expect(verdict.threshold).toBe(fit.threshold);
    expect(verdict.fit).toEqual(fit);
    services.splice(services.indexOf(service), 1);
    service.close();
    expect(open(dir).threshold()).toEqual(fit);
  });

  it('scores wanted mail learned as it comes, and goes back to the setting when one of it looks like junk', async () => {
    const service = open(dataDir());
    await train(service, 'spam', 0, 10);
    await train(service, 'ham', 0, SIGNIFICANT_HAM);
    // Until the filter judges, wanted mail gets no held-out score.
    expect(service.threshold().ham).toBe(0);
    await train(service, 'ham', SIGNIFICANT_HAM, SIGNIFICANT_HAM + FITTED_MIN_HAM - 1);
    // Fewer held-out scores than the fit needs: the setting stands.
    expect(service.threshold().ham).toBe(0);
    await train(service, 'ham', SIGNIFICANT_HAM + FITTED_MIN_HAM - 1, SIGNIFICANT_HAM + FITTED_MIN_HAM);
    const fitted = service.threshold();
    expect(fitted.ham).toBe(FITTED_MIN_HAM);
    expect(fitted.threshold).toBeLessThan(0.95);

    // A message the user calls wanted that reads like the junk: its score before training is high.
    await train(service, 'spam', 500, 501, 'ham');
    const back = service.threshold();
    expect(back.ham).toBe(FITTED_MIN_HAM + 1);
    expect(back.highest).toBeGreaterThan(0.95);
    expect(back.threshold).toBe(0.95);

    // Retrained as junk, it is no longer wanted mail: its score goes, and the fit comes back down.
    await train(service, 'spam', 500, 501);
    expect(service.threshold()).toEqual(fitted);
  });

  it('set-ups at once on one filter each score exactly their own wanted mail', async () => {
    const shared = dataDir();
    // By the counts alone: the logistic learner learns in the order it is taught, so interleaved
    // training ends with other weights than the same messages one set after the other.
    const service = countsOnly(open(shared));
    const first = service.beginSetUp();
    const second = service.beginSetUp();
    // Interleaved, as two accounts bootstrapping through one engine train.
    const each = FITTED_MIN_HAM + 10;
    for (let i = 0; i < each; i++) {
      service.trainWords(await service.words(message('ham', i)), 'ham', first);
      service.trainWords(await service.words(message('ham', 1000 + i)), 'ham', second);
    }
    await train(service, 'spam', 0, 30, 'spam', second);
    service.endSetUp(first);
    expect(service.threshold().ham).toBe(each);
    service.endSetUp(second);
    expect(service.threshold().ham).toBe(2 * each);
    expect(() => service.endSetUp(first)).toThrow(/already ended/);
    // Training through an ended set-up is refused, and trains nothing.
    const late = await service.words(message('ham', 900));
    expect(() => service.trainWords(late, 'ham', first)).toThrow(/has ended: begin another/);
    expect(service.trained().ham).toBe(2 * each);

    // The same training under one set-up: the same scores, as nothing was trained between the two ends.
    const aloneDir = dataDir();
    const alone = countsOnly(open(aloneDir));
    const one = alone.beginSetUp();
    await train(alone, 'ham', 0, each, 'ham', one);
    await train(alone, 'ham', 1000, 1000 + each, 'ham', one);
    await train(alone, 'spam', 0, 30, 'spam', one);
    alone.endSetUp(one);
    expect(storedHeldOut(shared).sort()).toEqual(storedHeldOut(aloneDir).sort());
  });

  it('scores wanted mail learned outside a set-up as it comes, while the set-up runs', async () => {
    const dir = dataDir();
    const service = open(dir);
    await train(service, 'spam', 0, 30);
    await train(service, 'ham', 0, SIGNIFICANT_HAM);
    const setUp = service.beginSetUp();
    // Wanted mail learned during the set-up, outside it (a restore, feedback).
    const restored = await service.words(message('ham', 500));
    const before = service.verdict(restored.words).probability;
    service.trainWords(restored, 'ham');
    service.commit();
    await train(service, 'ham', 200, 260, 'ham', setUp);
    service.endSetUp(setUp);
    // Its score is the one it had before its training, not one taken at the set-up's end.
    expect(storedHeldOut(dir)).toContain(before);
    // Scored at the set-up's end, without its own words, it would have had another score.
    service.untrainWords(restored, 'ham');
    expect(service.verdict(restored.words).probability).not.toBe(before);
  });

  it('keeps the configured threshold with the mox preset and with too little training', async () => {
    const service = open(dataDir());
    const first = service.beginSetUp();
    await train(service, 'ham', 0, SIGNIFICANT_HAM, 'ham', first);
    await train(service, 'spam', 0, 30, 'spam', first);
    service.endSetUp(first);
    // Each message held out leaves SIGNIFICANT_HAM - 1 ham: the filter without it does not judge.
    expect(service.threshold()).toEqual({ threshold: 0.95, configured: 0.95, ham: 0 });
    const second = service.beginSetUp();
    await train(service, 'ham', SIGNIFICANT_HAM, SIGNIFICANT_HAM + FITTED_MIN_HAM, 'ham', second);
    service.endSetUp(second);
    expect(service.threshold().threshold).toBeLessThan(0.95);
    service.configure(PRESETS.mox, { reset: true });
    expect(service.threshold()).toEqual({ threshold: MOX_PARAMS.threshold, configured: MOX_PARAMS.threshold, ham: 0 });
  });
});
