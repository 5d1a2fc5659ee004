import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDovecot } from '../helpers/dovecot.ts';
import { chronologicalCorpus } from './corpus.ts';
import { connect, crlf, dovecotVersion } from './imap.ts';
import { measure, type Measurement } from './measure.ts';
import { fixed, printTable } from './table.ts';

/** What the owner issue asks of long work, whatever the backlog. */
const TARGET_MB = 200;
const PASSWORD_VAR = 'WARDEN_BENCH_PASSWORD';

export interface BacklogBenchOptions {
  work: string;
  /** The command that runs the built `warden`. */
  warden: string[];
  /** The backlogs measured, in messages, smallest first: INBOX is filled up to each in turn. */
  sizes: number[];
  ham: string;
  spam: string;
}

/**
 * Peak memory of the three kinds of long work over a backlog in INBOX, at each size: a catch-up
 * (`warden run --once` with everything above where watching stood), `warden analyze-inbox
 * --dry-run` (everything below it) and `warden bootstrap` (which reads INBOX to record it).
 * Streaming keeps each flat as the backlog grows; memory that grew with it would show here.
 * The corpus is appended again and again, each copy made distinct by a header of its own, so
 * that none is taken for a message seen before.
 */
export async function benchBacklog(o: BacklogBenchOptions): Promise<void> {
  const corpus = (await chronologicalCorpus()).map((m) => crlf(readFileSync(m.path)));
  const dovecot = await startDovecot({ users: ['backlog'] });
  const env = { [PASSWORD_VAR]: dovecot.users[0]!.password };
  const client = await connect(dovecot);
  try {
    // Before the first run (`fresh`), and after it, with INBOX empty (`watching`).
    const fresh = join(o.work, 'backlog-fresh');
    const watching = join(o.work, 'backlog-watching');
    const warden = (dir: string, args: string[]) => execFileSync(o.warden[0]!, [...o.warden.slice(1), '--data-dir', dir, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    warden(fresh, ['junk', 'train', '--ham', o.ham, '--spam', o.spam]);
    warden(fresh, ['account', 'add', 'backlog', '--host', dovecot.host, '--port', String(dovecot.imapPort), '--tls', 'plain', '--allow-plain', '--user', dovecot.users[0]!.name, '--password-env', PASSWORD_VAR]);
    cpSync(fresh, watching, { recursive: true });
    warden(watching, ['run', '--once', '--offline']);

    const rows: string[][] = [['backlog', 'catch-up (run --once)', 'analyze-inbox --dry-run', 'bootstrap', 'target', 'met']];
    let appended = 0;
    for (const size of o.sizes) {
      process.stderr.write(`backlog: appending up to ${size} messages\n`);
      for (; appended < size; appended++) {
        const raw = Buffer.concat([Buffer.from(`X-Backlog-Copy: ${appended}\r\n`), corpus[appended % corpus.length]!]);
        if (!(await client.append('INBOX', raw))) throw new Error(`Dovecot refused message ${appended}`);
      }
      const copy = (from: string, name: string) => {
        const dir = join(o.work, `backlog-${name}-${size}`);
        cpSync(from, dir, { recursive: true });
        return dir;
      };
      const run = (name: string, dir: string, args: string[]): Measurement => {
        process.stderr.write(`backlog ${size}: ${name}\n`);
        return measure([...o.warden, '--data-dir', dir, ...args], { env });
      };
      const catchUp = run('catch-up', copy(watching, 'catch-up'), ['run', '--once', '--offline']);
      const below = copy(fresh, 'analyze');
      // Its first run notes where INBOX ends: the backlog is then below it, as analyze-inbox finds mail.
      warden(below, ['run', '--once', '--offline']);
      const analyze = run('analyze-inbox', below, ['analyze-inbox', 'backlog', '--dry-run', '--offline']);
      const bootstrap = run('bootstrap', copy(fresh, 'bootstrap'), ['bootstrap', 'backlog']);
      const peak = Math.max(catchUp.peakMB, analyze.peakMB, bootstrap.peakMB);
      const mb = (m: Measurement) => `${fixed(m.peakMB, 0)} MB (${fixed(size / m.seconds, 0)} msg/s)`;
      rows.push([String(size), mb(catchUp), mb(analyze), mb(bootstrap), `≤ ${TARGET_MB} MB`, peak <= TARGET_MB ? 'yes' : 'NO']);
    }
    console.log(
      `\nLong work over a backlog in INBOX, Dovecot ${dovecotVersion()} on loopback, offline: the corpus appended again and again (each copy distinct), ` +
        'the content filter trained on the corpus beforehand, observe mode; peak RSS of each command, one run each.',
    );
    printTable(rows);
  } finally {
    await client.logout().catch(() => {});
    await dovecot.stop();
  }
}
