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

  #run(args: string[]) {
    return spawnSync('bogofilter', ['-d', this.dir, ...args], { encoding: 'utf8' });
  }
}
