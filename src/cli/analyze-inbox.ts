import { Command } from 'commander';
import type { Account } from '../engine/accounts.ts';
import type { Arrival } from '../engine/events.ts';
import { resolveDataDir } from '../engine/data-dir.ts';
import { arrivalJson, arrivalLine } from './arrival.ts';
import { changeFolder } from './folder.ts';
import type { Output } from './junk.ts';
import { addDnsOptions, date, dnsOptionsOf } from './options.ts';

/**
 * `warden analyze-inbox NAME`: the mail already in INBOX, which watching leaves alone
 * (docs/analysis.md E8), analysed because the user asks; `--dry-run` shows what would move first.
 */
export function analyzeInboxCommand(o: Output): Command {
  return addDnsOptions(new Command('analyze-inbox'))
    .description('analyse the unread, unflagged mail already in INBOX; in enforce mode, move rejects (--dry-run: only show what would move)')
    .argument('<name>', 'the account')
    .option('--since <date>', 'only mail received on or after this date (YYYY-MM-DD)', date)
    .option('--dry-run', 'record and move nothing: show what analysing would do')
    .option('--json', 'one JSON object per message and line, then a summary')
    .action(async (name: string, options: { since?: Date; dryRun?: boolean; json?: boolean }, command: Command) => {
      const dataDir = resolveDataDir(command.optsWithGlobals<{ dataDir?: string }>().dataDir);
      const { AccountService } = await import('../engine/accounts.ts');
      const { analyzeInbox } = await import('../engine/catch-up.ts');
      const { EngineContext } = await import('../engine/context.ts');
      const account = AccountService.account(dataDir, name);
      const dryRun = options.dryRun ?? false;
      const arrivals = await changeFolder(dataDir, `warden analyze-inbox ${name}`, {
        here: async () => {
          const context = EngineContext.open(dataDir, dnsOptionsOf(command));
          try {
            return await analyzeInbox(context, account, {
              dryRun,
              ...(options.since && { since: options.since }),
              onArrival: (a, done, total) => {
                o.out(options.json ? JSON.stringify(arrivalJson(name, a)) : `[${done}/${total}] ${arrivalLine(name, a, dryRun ? 'preview' : 'run')}`);
              },
            });
          } finally {
            context.close();
          }
        },
      });
      const summary = summarize(arrivals);
      if (options.json) o.out(JSON.stringify({ summary: true, dryRun, mode: account.mode, ...summary }));
      else o.out(summaryLine(summary, dryRun, account));
    });
}

interface Summary {
  messages: number;
  accepted: number;
  rejected: number;
  moved: number;
  known: number;
  unanalysed: number;
}

function summarize(arrivals: Arrival[]): Summary {
  const fresh = arrivals.filter((a) => a.decision && !a.known);
  return {
    messages: arrivals.length,
    accepted: fresh.filter((a) => a.decision!.accept).length,
    rejected: fresh.filter((a) => !a.decision!.accept).length,
    moved: arrivals.filter((a) => a.moved).length,
    known: arrivals.filter((a) => a.known).length,
    unanalysed: arrivals.filter((a) => !a.decision).length,
  };
}

function summaryLine(s: Summary, dryRun: boolean, { name, mode }: Account): string {
  if (s.messages === 0) return 'No unread, unflagged mail in INBOX to analyse.';
  const rejects = dryRun
    ? `${s.rejected} would be moved to Rejects${mode === 'observe' ? ` in enforce mode (this account observes: warden account mode ${name} enforce)` : ''}`
    : mode === 'enforce'
      ? `${s.rejected} rejected, ${s.moved} moved to Rejects`
      : `${s.rejected} rejected and left in INBOX (observe mode)`;
  return `${s.messages} messages: ${s.accepted} accepted, ${rejects}, ${s.known} seen before, ${s.unanalysed} not analysed.${dryRun ? ' Nothing was recorded or moved.' : ''}`;
}
