import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpawnSyncReturns } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAM_WORDS, mbox, SPAM_WORDS, syntheticMessage, type Kind } from '../helpers/synthetic-mail.ts';
import { runWarden, runWardenAsync, spawnWarden } from '../helpers/warden.ts';
import { createInterface } from 'node:readline';
import { describeThreshold, type FittedThreshold } from '../../src/engine/junk.ts';

/**
 * `warden junk train / classify / stats / config` as a person runs them: the real command line
 * in a child process, on data folders in a temporary directory.
 */

const DEFAULT_SETTINGS = 'Settings: Robinson-Fisher (strength 0.0178, prior 0.5, combined as share) with logistic regression, 1+2-grams, threshold 0.95 or fitted below it, ignore words 0';
const MOX_SETTINGS = 'Settings: mox (max power 0.01, top words 10, rare words 2), 1-grams, threshold 0.95, ignore words 0.1';

/** The four kinds of source `train` takes, with how many messages each holds. */
type SourceKind = 'files' | 'maildir' | 'mbox' | 'folder';
const COUNTS: Record<Kind, Record<SourceKind, number>> = {
  ham: { files: 2, maildir: 80, mbox: 15, folder: 13 },
  spam: { files: 2, maildir: 10, mbox: 8, folder: 6 },
};
const total = (kind: Kind) => Object.values(COUNTS[kind]).reduce((a, b) => a + b, 0);
const HAM_TOTAL = total('ham'); // 110: enough ham for the filter to be significant (50) and for a fitted threshold (100)
const SPAM_TOTAL = total('spam'); // 26

let root: string;
/** The command-line paths of each source, by label and kind. */
const sources = { ham: {}, spam: {} } as Record<Kind, Record<SourceKind, string[]>>;
let hamMboxCopies: string;
let spamProbe: string;
let hamProbe: string;
/** A data folder trained with every source. */
let main: string;
let dirCount = 0;

/** A data folder path not used before (created by Warden on first use). */
function freshDataDir(): string {
  return join(root, `data-${++dirCount}`);
}

function warden(args: string[], env?: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  // Never fall back to the real data folder of whoever runs the tests.
  return runWarden(args, { env: { WARDEN_DATA_DIR: undefined, XDG_DATA_HOME: join(root, 'xdg'), ...env } });
}

/** Runs warden and expects it to succeed, with nothing on stderr. */
function ok(args: string[], env?: NodeJS.ProcessEnv): string {
  const r = warden(args, env);
  expect({ status: r.status, stderr: r.stderr }, `warden ${args.join(' ')}`).toEqual({ status: 0, stderr: '' });
  return r.stdout;
}

interface Stats {
  hamMessages: number;
  spamMessages: number;
  words: number;
  databaseBytes: number;
  params: Record<string, unknown>;
  threshold: FittedThreshold;
}

function stats(dataDir: string): Stats {
  return JSON.parse(ok(['junk', 'stats', '--json', '--data-dir', dataDir])) as Stats;
}

interface VerdictLine {
  source: string;
  score: number;
  spam: boolean;
  significant: boolean;
  words: [string, number][];
}

function classifyJson(dataDir: string, paths: string[]): VerdictLine[] {
  const out = ok(['junk', 'classify', '--json', '--data-dir', dataDir, ...paths]);
  return out
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as VerdictLine);
}

function write(path: string, content: string): string {
  writeFileSync(path, content);
  return path;
}

/** Writes the messages of one label, numbered from `first`, in each kind of source. */
function writeSources(kind: Kind, dir: string, first: number): void {
  let n = first;
  const next = (extraBody?: string[]) => syntheticMessage(kind, n++, { extraBody });
  const c = COUNTS[kind];
  mkdirSync(dir);

  sources[kind].files = Array.from({ length: c.files }, (_, i) => write(join(dir, `single-${i}.eml`), next()));

  // A Maildir: cur/ and new/ hold messages; tmp/ (deliveries in progress) and hidden files do not count.
  const maildir = join(dir, 'Maildir');
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
  const inNew = Math.floor(c.maildir / 3);
  for (let i = 0; i < c.maildir; i++) {
    const sub = i < inNew ? 'new' : 'cur';
    write(join(maildir, sub, `17000000${i}.M${i}P42.host${sub === 'cur' ? ':2,S' : ''}`), next());
  }
  write(join(maildir, 'tmp', '1700000099.M99P42.host'), next());
  write(join(maildir, 'cur', '.hidden'), next());
  sources[kind].maildir = [maildir];

  // An mbox whose bodies have lines starting with "From " that are not message separators.
  const messages = Array.from({ length: c.mbox }, (_, i) =>
    next(i % 3 === 1 ? ['', 'From home recordings to the studio and back.', '>From the archive, quoted once already.'] : undefined),
  );
  if (kind === 'ham') {
    // mboxrd: the body lines are quoted, and read back unquoted.
    sources.ham.mbox = [write(join(dir, 'archive.mbox'), mbox(messages))];
    hamMboxCopies = join(dir, 'mbox-copies');
    mkdirSync(hamMboxCopies);
    messages.forEach((m, i) => write(join(hamMboxCopies, `${i}.eml`), m));
  } else {
    // Unquoted: only a "From " line with an asctime date after an empty line starts a message.
    sources.spam.mbox = [write(join(dir, 'junk.mbox'), mbox(messages, { quote: false }))];
  }

  // A plain folder: the files directly in it, not hidden files nor subfolders.
  const folder = join(dir, 'folder');
  mkdirSync(join(folder, 'sub'), { recursive: true });
  for (let i = 0; i < c.folder; i++) write(join(folder, `msg-${i}.txt`), next());
  write(join(folder, '.index'), next());
  write(join(folder, 'sub', 'nested.eml'), next());
  sources[kind].folder = [folder];
}

const all = (kind: Kind) => Object.values(sources[kind]).flat();

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'warden-junk-cli-'));
  writeSources('ham', join(root, 'ham'), 1);
  writeSources('spam', join(root, 'spam'), 1);
  spamProbe = write(join(root, 'probe-spam.eml'), syntheticMessage('spam', 1000));
  hamProbe = write(join(root, 'probe-ham.eml'), syntheticMessage('ham', 1000));
  main = freshDataDir();
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('warden junk train', () => {
  it.each(['files', 'maildir', 'mbox', 'folder'] as const)('trains every message of %s, and only those', (kind) => {
    const dataDir = freshDataDir();
    const [ham, spam] = [COUNTS.ham[kind], COUNTS.spam[kind]];
    const out = ok(['junk', 'train', '--data-dir', dataDir, '--ham', ...sources.ham[kind], '--spam', ...sources.spam[kind]]);
    expect(out).toMatch(new RegExp(`^Trained ${ham} ham and ${spam} spam messages in `));
    expect(out).toContain(`The filter now knows ${ham} ham and ${spam} spam messages`);
    expect(stats(dataDir)).toMatchObject({ hamMessages: ham, spamMessages: spam });
  });

  it('trains files, Maildirs, mbox files and folders together, and stats counts them', () => {
    const out = ok(['junk', 'train', '--data-dir', main, '--ham', ...all('ham'), '--spam', ...all('spam')]);
    expect(out).toMatch(new RegExp(`^Trained ${HAM_TOTAL} ham and ${SPAM_TOTAL} spam messages in [\\d.]+ s \\(\\d+ messages/s\\)\\.$`, 'm'));

    const text = ok(['junk', 'stats', '--data-dir', main]);
    const json = stats(main);
    expect(json).toMatchObject({ hamMessages: HAM_TOTAL, spamMessages: SPAM_TOTAL });
    expect(json.words).toBeGreaterThan(HAM_WORDS.length + SPAM_WORDS.length);
    expect(json.databaseBytes).toBeGreaterThan(0);
    expect(json.params).toMatchObject({ threshold: 0.95, classifier: 'fisher', onegrams: true, twograms: true, threegrams: false });
    // Training is a set-up, as bootstrap's: each wanted message scored without its own words at the end, and the threshold fitted on them.
    expect(json.threshold).toMatchObject({ configured: 0.95, ham: HAM_TOTAL });
    expect(json.threshold.threshold).toBeLessThan(0.95);
    expect(text).toContain(`Judging by: threshold ${json.threshold.threshold.toFixed(3)}, fitted on your training (your setting 0.95): the highest of your latest ${HAM_TOTAL} wanted messages`);
    expect(text).toBe(
      [
        `Trained messages: ${HAM_TOTAL} ham, ${SPAM_TOTAL} spam`,
        `Words: ${json.words}`,
        `Database: ${(json.databaseBytes / 1e6).toFixed(1)} MB`,
        DEFAULT_SETTINGS,
        `Judging by: ${describeThreshold(json.threshold)}`,
        '',
      ].join('\n'),
    );
  });

  it('skips what is already trained, however it is read, and moves a message trained with the other label', () => {
    const again = ok(['junk', 'train', '--data-dir', main, '--ham', ...all('ham'), '--spam', ...all('spam')]);
    expect(again).toContain(`Trained 0 ham and 0 spam messages`);
    expect(again).toContain(`; ${HAM_TOTAL + SPAM_TOTAL} were already trained.`);

    // The mbox messages as separate files: the same messages, so nothing new.
    const copies = ok(['junk', 'train', '--data-dir', main, '--ham', hamMboxCopies]);
    expect(copies).toContain(`Trained 0 ham and 0 spam messages`);
    expect(copies).toContain(`; ${COUNTS.ham.mbox} were already trained.`);
    expect(stats(main)).toMatchObject({ hamMessages: HAM_TOTAL, spamMessages: SPAM_TOTAL });

    const moved = ok(['junk', 'train', '--data-dir', main, '--spam', sources.ham.files[0]!]);
    expect(moved).toContain('Trained 0 ham and 1 spam messages');
    expect(moved).toContain('1 of them were trained with the other label before');
    expect(stats(main)).toMatchObject({ hamMessages: HAM_TOTAL - 1, spamMessages: SPAM_TOTAL + 1 });

    const back = ok(['junk', 'train', '--data-dir', main, '--ham', sources.ham.files[0]!]);
    expect(back).toContain('Trained 1 ham and 0 spam messages');
    expect(stats(main)).toMatchObject({ hamMessages: HAM_TOTAL, spamMessages: SPAM_TOTAL });
  });

  it('through a running Warden, fits the threshold on the wanted mail it sends', async () => {
    const dataDir = freshDataDir();
    const owner = spawnWarden(['--data-dir', dataDir, 'serve', '--offline'], { WARDEN_DATA_DIR: undefined, XDG_DATA_HOME: join(root, 'xdg') });
    try {
      await new Promise<void>((resolve, reject) => {
        createInterface({ input: owner.stdout }).once('line', () => resolve());
        owner.once('exit', (code) => reject(new Error(`warden serve exited with ${code}`)));
      });
      const r = await runWardenAsync(['junk', 'train', '--data-dir', dataDir, '--ham', ...all('ham'), '--spam', ...all('spam')], { WARDEN_DATA_DIR: undefined, XDG_DATA_HOME: join(root, 'xdg') });
      expect(r, r.stderr).toMatchObject({ status: 0, stdout: expect.stringContaining(`The filter now knows ${HAM_TOTAL} ham and ${SPAM_TOTAL} spam messages`) });
      // Trained by the owner, scored there at the set-up's end: the same fit as training here.
      expect(stats(dataDir).threshold).toEqual(stats(main).threshold);
    } finally {
      owner.kill('SIGTERM');
      await new Promise((resolve) => owner.once('exit', resolve));
    }
  });

  it('reads the last message of an mbox that ends without an empty line as the same message as its file', () => {
    const message = 'From: a@x.example\nSubject: one\n\nbody\n';
    const box = write(join(root, 'no-final-blank.mbox'), `From a@x Mon Jan  1 10:00:00 2024\n${message}`);
    const file = write(join(root, 'no-final-blank.eml'), message);
    const out = ok(['junk', 'train', '--data-dir', freshDataDir(), '--spam', box, file]);
    expect(out).toContain('Trained 0 ham and 1 spam messages');
    expect(out).toContain('; 1 were already trained.');
  });

  it('refuses a missing path, naming it, and trains nothing', () => {
    const dataDir = freshDataDir();
    const missing = join(root, 'no-such-mailbox');
    for (const args of [
      ['--ham', sources.ham.files[0]!, missing, '--spam', ...sources.spam.files],
      ['--ham', ...sources.ham.folder, '--spam', missing],
    ]) {
      const r = warden(['junk', 'train', '--data-dir', dataDir, ...args]);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(`no such file or folder: ${missing}`);
      expect(r.stdout).not.toContain('Trained');
    }
    expect(stats(dataDir)).toMatchObject({ hamMessages: 0, spamMessages: 0, words: 0 });
  });

  it('asks for something to train', () => {
    const r = warden(['junk', 'train', '--data-dir', freshDataDir()]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('give --ham PATH... and/or --spam PATH...');
  });
});


describe('warden junk untrain', () => {
  it('takes back the training of messages trained with the label given, leaving the filter as if they never were', () => {
    const [hamCount, spamCount] = [COUNTS.ham.folder, COUNTS.spam.folder];
    const hamOnly = freshDataDir();
    ok(['junk', 'train', '--data-dir', hamOnly, '--ham', ...sources.ham.folder]);
    const dataDir = freshDataDir();
    ok(['junk', 'train', '--data-dir', dataDir, '--ham', ...sources.ham.folder, '--spam', ...sources.spam.folder]);

    // The wrong label: nothing changes.
    const wrong = ok(['junk', 'untrain', '--data-dir', dataDir, '--ham', ...sources.spam.folder]);
    expect(wrong).toMatch(new RegExp(`^Untrained 0 ham and 0 spam messages in .*; ${spamCount} were not trained with that label and are left as they were\\.$`, 'm'));
    expect(stats(dataDir)).toMatchObject({ hamMessages: hamCount, spamMessages: spamCount });

    const out = ok(['junk', 'untrain', '--data-dir', dataDir, '--spam', ...sources.spam.folder]);
    expect(out).toMatch(new RegExp(`^Untrained 0 ham and ${spamCount} spam messages in `, 'm'));
    expect(out).toContain(`The filter now knows ${hamCount} ham and 0 spam messages`);
    // Every word only the spam had is gone, and the others' counts are as before.
    expect(stats(dataDir)).toMatchObject({ hamMessages: hamCount, spamMessages: 0, words: stats(hamOnly).words });

    // Again: each is untrained once.
    expect(ok(['junk', 'untrain', '--data-dir', dataDir, '--spam', ...sources.spam.folder])).toContain(`Untrained 0 ham and 0 spam messages`);
  });
});
describe('warden junk classify', () => {
  it('prints the probability, the verdict and the deciding words', () => {
    const out = ok(['junk', 'classify', '--data-dir', main, spamProbe, hamProbe]);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    const spamVerdict = /^(.+): (spam|ham) (\d\.\d{4})$/.exec(lines[0]!);
    const hamVerdict = /^(.+): (spam|ham) (\d\.\d{4})$/.exec(lines[3]!);
    expect(spamVerdict?.slice(1, 3)).toEqual([spamProbe, 'spam']);
    expect(Number(spamVerdict?.[3])).toBeGreaterThan(0.95);
    expect(hamVerdict?.slice(1, 3)).toEqual([hamProbe, 'ham']);
    expect(Number(hamVerdict?.[3])).toBeLessThan(0.05);
    expect(lines[1]).toMatch(/^ {2}spam words: \S.* \d\.\d{3}/);
    expect(lines[2]).toMatch(/^ {2}ham words: /);
    expect(lines[4]).toMatch(/^ {2}spam words: /);
    expect(lines[5]).toMatch(/^ {2}ham words: \S.* \d\.\d{3}/);
    // The words that decided come from the vocabulary of the side they speak for.
    expect(SPAM_WORDS.some((w) => lines[1]!.includes(w))).toBe(true);
    expect(HAM_WORDS.some((w) => lines[5]!.includes(w))).toBe(true);
    expect(out).not.toContain('not significant');
  });

  it('--json: one object per message with score, verdict and words', () => {
    const [spam, ham] = classifyJson(main, [spamProbe, hamProbe]);
    for (const v of [spam!, ham!]) {
      expect(Object.keys(v).sort()).toEqual(['score', 'significant', 'source', 'spam', 'threshold', 'words']);
      expect(v.score).toBeGreaterThanOrEqual(0);
      expect(v.score).toBeLessThanOrEqual(1);
      expect(v.significant).toBe(true);
      expect(v.words.length).toBeGreaterThan(0);
      for (const entry of v.words) {
        expect(entry).toHaveLength(2);
        expect(entry[0]).toBeTypeOf('string');
        expect(entry[1]).toBeTypeOf('number');
      }
    }
    expect(spam).toMatchObject({ source: spamProbe, spam: true });
    expect(spam!.score).toBeGreaterThan(0.95);
    expect(spam!.words[0]![1]).toBeGreaterThan(0.5);
    expect(ham).toMatchObject({ source: hamProbe, spam: false });
    expect(ham!.score).toBeLessThan(0.05);
    expect(ham!.words[0]![1]).toBeLessThan(0.5);
  });

  it('names each message of an mbox', () => {
    const verdicts = classifyJson(main, sources.ham.mbox);
    expect(verdicts.map((v) => v.source)).toEqual(Array.from({ length: COUNTS.ham.mbox }, (_, i) => `${sources.ham.mbox[0]}#${i + 1}`));
    expect(verdicts.every((v) => !v.spam && v.score < 0.05)).toBe(true);
  });

  it('judges nothing junk before 50 ham messages are trained', () => {
    const dataDir = freshDataDir();
    ok(['junk', 'train', '--data-dir', dataDir, '--ham', ...sources.ham.folder, '--spam', ...sources.spam.folder]);
    const [v] = classifyJson(dataDir, [spamProbe]);
    expect(v).toMatchObject({ spam: false, significant: false });
    expect(v!.score).toBeGreaterThan(0.95);
    const text = ok(['junk', 'classify', '--data-dir', dataDir, spamProbe]);
    expect(text).toContain(`${spamProbe}: ham `);
    expect(text).toContain(`(not significant: ${COUNTS.ham.folder} of 50 ham messages trained)`);
  });

  it('fails on a missing path, naming it', () => {
    const missing = join(root, 'missing.eml');
    const r = warden(['junk', 'classify', '--data-dir', main, missing]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(missing);
    expect(r.stdout).toBe('');
  });
});

describe('warden junk config', () => {
  it('shows the settings, changes them, and keeps them', () => {
    const dataDir = freshDataDir();
    expect(ok(['junk', 'config', '--data-dir', dataDir])).toBe(DEFAULT_SETTINGS + '\n');
    expect(ok(['junk', 'config', '--data-dir', dataDir, '--preset', 'mox'])).toBe(MOX_SETTINGS + '\n');
    expect(stats(dataDir).params).toMatchObject({ classifier: 'mox', onegrams: true, twograms: false });
    expect(ok(['junk', 'config', '--data-dir', dataDir, '--preset', 'default', '--threshold', '0.99', '--threegrams'])).toBe(
      DEFAULT_SETTINGS.replace('1+2-grams', '1+2+3-grams').replace('0.95', '0.99') + '\n',
    );
    // Shown again by a new process: stored, not just printed.
    expect(ok(['junk', 'config', '--data-dir', dataDir])).toBe(DEFAULT_SETTINGS.replace('1+2-grams', '1+2+3-grams').replace('0.95', '0.99') + '\n');
    // The threshold fitted on the training: on by default, and off when asked.
    expect(ok(['junk', 'config', '--data-dir', dataDir, '--no-fit-threshold'])).toContain('threshold 0.99, ignore words');
    expect(stats(dataDir).params).toMatchObject({ fitThreshold: false });
    expect(ok(['junk', 'config', '--data-dir', dataDir, '--fit-threshold'])).toContain('threshold 0.99 or fitted below it,');
    // The second learner: on by default, and off when asked.
    expect(ok(['junk', 'config', '--data-dir', dataDir, '--no-logistic'])).toContain('combined as share), 1+2+3-grams');
    expect(stats(dataDir).params).toMatchObject({ logistic: false });
    expect(ok(['junk', 'config', '--data-dir', dataDir, '--logistic'])).toContain('combined as share) with logistic regression,');
  });

  it('rejects invalid settings and keeps the old ones', () => {
    const dataDir = freshDataDir();
    for (const [args, error] of [
      [['--threshold', '2'], /threshold: .*<=\s*1/],
      [['--threshold', 'abc'], /--threshold <p>.*'abc' is invalid.*not a number/],
      [['--preset', 'bogus'], /'bogus' is invalid.*default.*mox/],
      [['--no-onegrams', '--no-twograms'], /at least one of onegrams, twograms and threegrams/],
    ] as const) {
      const r = warden(['junk', 'config', '--data-dir', dataDir, ...args]);
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.stderr).toMatch(error);
      expect(r.stdout).toBe('');
    }
    expect(ok(['junk', 'config', '--data-dir', dataDir])).toBe(DEFAULT_SETTINGS + '\n');
  });

  it('refuses to change the n-grams of a trained filter unless --reset', () => {
    const dataDir = freshDataDir();
    const [ham, spam] = [COUNTS.ham.folder, COUNTS.spam.folder];
    ok(['junk', 'train', '--data-dir', dataDir, '--ham', ...sources.ham.folder, '--spam', ...sources.spam.folder]);
    const before = stats(dataDir);

    for (const args of [['--no-twograms'], ['--preset', 'mox'], ['--threegrams', '--threshold', '0.5']]) {
      const r = warden(['junk', 'config', '--data-dir', dataDir, ...args]);
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.stderr).toContain(`would invalidate the ${ham + spam} trained messages; add --reset`);
      expect(r.stdout).toBe('');
    }
    expect(stats(dataDir)).toEqual(before);

    // Settings that leave the words as they are can change.
    expect(ok(['junk', 'config', '--data-dir', dataDir, '--threshold', '0.9'])).toBe(DEFAULT_SETTINGS.replace('0.95', '0.9') + '\n');
    expect(stats(dataDir)).toMatchObject({ hamMessages: ham, spamMessages: spam, words: before.words });

    expect(ok(['junk', 'config', '--data-dir', dataDir, '--no-twograms', '--reset'])).toBe(
      'Training cleared.\n' + DEFAULT_SETTINGS.replace('1+2-grams', '1-grams').replace('0.95', '0.9') + '\n',
    );
    expect(stats(dataDir)).toMatchObject({ hamMessages: 0, spamMessages: 0, words: 0, params: { twograms: false } });

    // Trained again with single words only: every message is new, and there are fewer words.
    const out = ok(['junk', 'train', '--data-dir', dataDir, '--ham', ...sources.ham.folder, '--spam', ...sources.spam.folder]);
    expect(out).toContain(`Trained ${ham} ham and ${spam} spam messages`);
    const after = stats(dataDir);
    expect(after).toMatchObject({ hamMessages: ham, spamMessages: spam });
    expect(after.words).toBeLessThan(before.words);
  });

  it('the threshold decides the verdict', () => {
    // Not fitted below it: main's training fitted one (a set-up).
    ok(['junk', 'config', '--data-dir', main, '--threshold', '1', '--no-fit-threshold']);
    try {
      const [v] = classifyJson(main, [spamProbe]);
      expect(v).toMatchObject({ spam: false, significant: true });
      expect(v!.score).toBeGreaterThan(0.95);
    } finally {
      ok(['junk', 'config', '--data-dir', main, '--threshold', '0.95', '--fit-threshold']);
    }
    expect(classifyJson(main, [spamProbe])[0]).toMatchObject({ spam: true });
  });
});

describe('the data folder', () => {
  it('WARDEN_DATA_DIR selects it', () => {
    const [chosen, other] = [freshDataDir(), freshDataDir()];
    ok(['junk', 'train', '--ham', ...sources.ham.files], { WARDEN_DATA_DIR: chosen });
    expect(existsSync(join(chosen, 'warden.db'))).toBe(true);
    expect(ok(['junk', 'stats'], { WARDEN_DATA_DIR: chosen })).toContain(`Trained messages: ${COUNTS.ham.files} ham, 0 spam`);
    expect(ok(['junk', 'stats'], { WARDEN_DATA_DIR: other })).toContain('Trained messages: 0 ham, 0 spam');
    expect(stats(chosen).hamMessages).toBe(COUNTS.ham.files);
  });

  it('--data-dir selects it, before or after the command, over WARDEN_DATA_DIR', () => {
    const [chosen, decoy] = [freshDataDir(), freshDataDir()];
    ok(['--data-dir', chosen, 'junk', 'train', '--spam', ...sources.spam.files], { WARDEN_DATA_DIR: decoy });
    expect(existsSync(join(chosen, 'warden.db'))).toBe(true);
    expect(existsSync(join(decoy, 'warden.db'))).toBe(false);
    expect(ok(['junk', 'stats'], { WARDEN_DATA_DIR: chosen })).toContain(`Trained messages: 0 ham, ${COUNTS.spam.files} spam`);
    expect(ok(['junk', 'stats', '--data-dir', decoy], { WARDEN_DATA_DIR: chosen })).toContain('Trained messages: 0 ham, 0 spam');
  });

  // env-paths follows XDG_DATA_HOME on Linux only.
  it.runIf(process.platform === 'linux')('without either, is the platform data folder ($XDG_DATA_HOME/warden on Linux)', () => {
    const xdg = join(root, 'xdg-home');
    ok(['junk', 'train', '--ham', ...sources.ham.files], { XDG_DATA_HOME: xdg });
    expect(existsSync(join(xdg, 'warden', 'warden.db'))).toBe(true);
    expect(stats(join(xdg, 'warden')).hamMessages).toBe(COUNTS.ham.files);
  });
});

describe('command-line mistakes', () => {
  // One line in the form every error takes, with the way to the help, not the help itself.
  it.each([
    [['frobnicate'], "unknown command 'frobnicate': see warden --help"],
    [['junk', 'frobnicate'], "unknown command 'frobnicate': see warden junk --help"],
    [['junk', 'train', '--bogus', 'x'], "unknown option '--bogus': see warden junk train --help"],
    [['junk', 'stats', '--verbose'], "unknown option '--verbose': see warden junk stats --help"],
    [['junk', 'classify'], "missing required argument 'path': see warden junk classify --help"],
    [['filter'], 'warden filter serves only standard input and output: warden filter --stdio'],
  ])('warden %j: one line on stderr that says what is wrong and where to look', (args, error) => {
    const dataDir = freshDataDir();
    const r = warden([...args, '--data-dir', dataDir]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toBe(`warden: ${error}\n`);
    expect(r.stdout).toBe('');
    expect(existsSync(join(dataDir, 'warden.db'))).toBe(false);
  });
});
