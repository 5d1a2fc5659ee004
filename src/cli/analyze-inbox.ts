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
      const { analyzeInbox } = await import('../engine/mailbox.ts');
      const { EngineContext } = await import('../engine/context.ts');
      const account = AccountService.account(dataDir, name);
      const dryRun = options.dryRun ?? false;
      // Counted as they come: the arrivals themselves are not kept (a backlog may be large).
      const summary: Summary = { messages: 0, accepted: 0, rejected: 0, moved: 0, known: 0, unanalysed: 0 };
      const interrupt = new AbortController();
      const onSignal = () => interrupt.abort();
      process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
      const onArrival = (a: Arrival, done: number, total: number) => {
        count(summary, a);
        o.out(options.json ? JSON.stringify(arrivalJson(name, a)) : `[${done}/${total}] ${arrivalLine(name, a, dryRun ? 'preview' : 'run')}`);
      };
      try {
        await changeFolder(dataDir, `warden analyze-inbox ${name}`, {
          here: async () => {
            const context = EngineContext.open(dataDir, dnsOptionsOf(command));
            try {
              await analyzeInbox(context, account, { dryRun, signal: interrupt.signal, ...(options.since && { since: options.since }), onArrival });
            } finally {
              context.close();
            }
          },
          // With Warden running, its engine analyses them (with its own DNS settings), and tells each here.
          owner: async (client) => {
            let settle: (end: { error?: string }) => void = () => {};
            const ended = new Promise<{ error?: string }>((resolve) => (settle = resolve));
            const events = await client.subscribe(
              (event) => {
                if (event.kind === 'inbox' && event.account === name) onArrival(event.arrival, event.done, event.total);
                else if (event.kind === 'inbox-end' && event.account === name) settle(event);
              },
              () => settle({ error: `the Warden process that owned ${dataDir} stopped before the analysis ended` }),
            );
            const stop = () => void client.call('accounts.analyzeInboxStop', { name }).catch(() => {});
            interrupt.signal.addEventListener('abort', stop);
            try {
              // Tied to this process's listener: killed, or its terminal closed, it stops the analysis too.
              await client.call('accounts.analyzeInbox', {
                name,
                dryRun,
                listener: events.listener,
                ...(options.since && { since: options.since.toISOString().slice(0, 10) }),
              });
              const end = await ended;
              if (end.error) throw new Error(end.error);
            } finally {
              interrupt.signal.removeEventListener('abort', stop);
              events.close();
            }
          },
        });
      } finally {
        process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      }
      if (interrupt.signal.aborted) {
        o.err('Interrupted: what was analysed so far is recorded; run it again to go on (what was done counts as seen before).');
        process.exitCode = 130;
      }
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

function count(s: Summary, a: Arrival): void {
  s.messages++;
  if (a.decision && !a.known) {
    if (a.decision.accept) s.accepted++;
    else s.rejected++;
  }
  if (a.moved) s.moved++;
  if (a.known) s.known++;
  if (!a.decision) s.unanalysed++;
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
