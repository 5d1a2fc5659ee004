import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** bogofilter, the classic C Bayesian filter, driven through its own command line. */
export class Bogofilter {
  /** The version line, or undefined when bogofilter is not on the PATH. */
  static version(): string | undefined {
    const r = spawnSync('bogofilter', ['-V'], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.split('\n')[0]!.trim() : undefined;
  }

  readonly dir: string;

  /** A bogofilter with a private word list in `dir`. */
  constructor(dir: string) {
    this.dir = dir;
  }

  /** Its spam and ham cutoffs, as its configuration says (bogofilter -Q). */
  cutoffs(): { spam: number; ham: number } {
    const q = this.#run(['-Q']).stdout;
    const value = (name: string) => Number(new RegExp(`^${name}\\s*=\\s*([0-9.]+)`, 'm').exec(q)?.[1]);
    return { spam: value('spam_cutoff'), ham: value('ham_cutoff') };
  }

  /** Its spamicity for one message, full precision (-TT); 0.5 before anything is trained. */
  score(path: string): number {
    if (!existsSync(join(this.dir, 'wordlist.db'))) return 0.5;
    const r = this.#run(['-TT', '-I', path]);
    if (r.status === 3) throw new Error(`bogofilter failed on ${path}: ${r.stderr}`);
    return Number(r.stdout.trim());
  }

  train(path: string, label: 'ham' | 'spam'): void {
    const r = this.#run([label === 'spam' ? '-s' : '-n', '-I', path]);
    if (r.status !== 0) throw new Error(`bogofilter could not train ${path}: ${r.stderr}`);
  }

  /** Trains many messages in one run (bulk mode, -b: the paths on standard input). */
  trainBulk(paths: string[], label: 'ham' | 'spam'): void {
    const r = this.#run([label === 'spam' ? '-s' : '-n', '-b'], paths.join('\n') + '\n');
    if (r.status !== 0) throw new Error(`bogofilter could not train ${paths.length} ${label} messages: ${r.stderr}`);
  }

  /** The spamicity of each message, in order, in one run (bulk mode; -T prints `path class score`). */
  scoreBulk(paths: string[]): number[] {
    const r = this.#run(['-T', '-b'], paths.join('\n') + '\n');
    if (r.status === 3) throw new Error(`bogofilter failed: ${r.stderr}`);
    const scores = r.stdout.trimEnd().split('\n').map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)));
    if (scores.length !== paths.length || scores.some(Number.isNaN)) throw new Error(`bogofilter printed ${scores.length} scores for ${paths.length} messages`);
    return scores;
  }

  #run(args: string[], input?: string) {
    return spawnSync('bogofilter', ['-d', this.dir, ...args], { encoding: 'utf8', input, maxBuffer: 1 << 28 });
  }
}
