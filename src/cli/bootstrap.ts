import { Command, InvalidArgumentError } from 'commander';
import { resolveDataDir } from '../engine/data-dir.ts';
import { changeFolder } from './folder.ts';
import type { Output } from './junk.ts';
import { date } from './options.ts';
import { countBar } from './progress.ts';

const KIND_WORDS = { spam: 'learned as junk', ham: 'learned as wanted mail', neutral: 'recorded, not judged', sent: 'recipients recorded' } as const;

/** `warden bootstrap NAME`: the account's history from the mail it already has (docs/analysis.md E8). */
export function bootstrapCommand(o: Output): Command {
  return new Command('bootstrap')
    .description('learn from the mail an account already has: Junk as junk, filed folders as wanted mail, Sent as your correspondents (resumable)')
    .argument('<name>', 'the account')
    .option('--since <date>', 'only mail received on or after this date (YYYY-MM-DD; default: a year back)', date)
    .option('--limit <n>', 'at most this many messages per folder, the newest (default 5000)', count)
    .option('--inbox-as-ham <days>', 'also learn read INBOX mail older than this many days as wanted mail (not mail marked junk or unsure)', days)
    .option('--json', 'one JSON object per folder and line')
    .action(async (name: string, options: { since?: Date; limit?: number; inboxAsHam?: number; json?: boolean }, command: Command) => {
      const dataDir = resolveDataDir(command.optsWithGlobals<{ dataDir?: string }>().dataDir);
      const { AccountService } = await import('../engine/accounts.ts');
      const { bootstrap } = await import('../engine/bootstrap.ts');
      const { EngineContext } = await import('../engine/context.ts');
      const account = AccountService.account(dataDir, name);
      const since = options.since && { since: options.since };
      const limit = options.limit !== undefined && { limit: options.limit };
      const inboxAsHam = options.inboxAsHam !== undefined && { inboxAsHam: options.inboxAsHam };
      const result = await changeFolder(dataDir, `warden bootstrap ${name}`, {
        here: async () => {
          const context = EngineContext.open(dataDir);
          const bar = countBar();
          const interrupt = new AbortController();
          const onSignal = () => interrupt.abort();
          process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
          try {
            return await bootstrap(context, account, { ...since, ...limit, ...inboxAsHam, signal: interrupt.signal, onProgress: (p) => bar.update(p.folder, p.done, p.total) });
          } finally {
            process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
            bar.stop();
            context.close();
          }
        },
        // The running engine learns it; its window shows the progress.
        owner: (client) => {
          o.err(`Warden is running (pid ${client.owner.pid}): it does the bootstrap, and its window shows the progress.`);
          return client.call('accounts.bootstrap', { name, ...(since && { since: since.since.toISOString().slice(0, 10) }), ...limit, ...inboxAsHam });
        },
      });
      for (const f of result.folders) {
        if (options.json) o.out(JSON.stringify(f));
        else {
          const asHam = f.asHam === undefined ? '' : `, ${f.asHam} read ones newly learned as wanted mail`;
          o.out(`${f.path}: ${f.messages} messages, ${f.added} new to the history (${KIND_WORDS[f.kind]})${asHam}${f.errors > 0 ? `, ${f.errors} unreadable or too large, skipped` : ''}`);
        }
      }
      if (!options.json && result.hamTrained < result.needHam) {
        // mox's cold-start rule (docs/analysis.md 2.2 step 16): nothing is junk before 50 wanted messages.
        o.out(
          `The filter knows ${result.hamTrained} wanted messages, fewer than the ${result.needHam} it needs before it calls anything junk.` +
            (options.inboxAsHam === undefined
              ? ` Mail you have read in INBOX can count as wanted: warden bootstrap ${name} --inbox-as-ham 30 learns read INBOX mail older than 30 days (not mail marked junk).`
              : ' File more wanted mail in folders, or allow more days with --inbox-as-ham.'),
        );
      }
      if ('interrupted' in result && result.interrupted) {
        o.err('Interrupted: what was learned so far is kept. Run it again to go on from where it stopped.');
        process.exitCode = 130;
      } else if (!options.json) o.out('Done. Run it again any time: it goes on from where it stopped.');
    });
}

function days(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a whole number of days, 0 or more (30: read mail received over 30 days ago)');
  return n;
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number of messages, at least 1');
  return n;
}
