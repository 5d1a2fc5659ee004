import { Command, InvalidArgumentError } from 'commander';
import type { DecisionView } from '../api/contract.ts';
import { withApi } from './folder.ts';
import type { Output } from './junk.ts';
import { dataDirOf, date } from './options.ts';

/** `warden rejects list|restore`: what Warden moved to Rejects, and putting it back. */
export function rejectsCommands(o: Output): Command {
  const rejects = new Command('rejects').description('the mail Warden moved to Rejects, and putting it back');

  rejects
    .command('list')
    .description('what Warden moved to Rejects and is still there, newest first, with the reason')
    .option('--account <name>', "only this account's rejects")
    .option('--since <date>', 'only what was rejected on or after this date (YYYY-MM-DD)', date)
    .option('--json', 'one JSON object per reject and line')
    .action(async (options: { account?: string; since?: Date; json?: boolean }, command: Command) => {
      await withApi(dataDirOf(command), 'warden rejects list', async (call) => {
        const since = options.since?.getTime() ?? -Infinity;
        let shown = 0;
        let before: number | undefined;
        do {
          const page = await call('rejects.list', { ...(options.account && { account: options.account }), ...(before && { before }) });
          const recent = page.items.filter((r) => r.decidedAt >= since);
          for (const r of recent) o.out(options.json ? JSON.stringify(r) : rejectLine(r));
          shown += recent.length;
          // Newest first: past the first older one, all are older.
          before = recent.length === page.items.length ? page.next : undefined;
        } while (before !== undefined);
        if (shown === 0 && !options.json) o.out(`No rejects${options.account ? ` of ${options.account}` : ''}${options.since ? ` since ${options.since.toISOString().slice(0, 10)}` : ''}.`);
        else if (!options.json) o.out(`To put one back in INBOX (Warden learns from it): warden rejects restore ID`);
      });
    });

  rejects
    .command('restore')
    .description('move rejects back to INBOX; Warden learns from it as from a restore in any mail client')
    .argument('<id...>', 'the rejects, by the ID warden rejects list shows', ids)
    .action(async (chosen: number[], _options: unknown, command: Command) => {
      await withApi(dataDirOf(command), 'warden rejects restore', async (call) => {
        const byAccount = new Map<string, DecisionView[]>();
        for (const id of chosen) {
          const decision = await call('decisions.get', { id });
          if (!decision.isReject) throw new Error(`${id} is not a reject (${decision.account}: ${decision.subject || 'no subject'}, ${decision.reason}): warden rejects list shows the rejects`);
          byAccount.set(decision.account, [...(byAccount.get(decision.account) ?? []), decision]);
        }
        for (const [account, decisions] of byAccount) {
          const { restored, missing } = await call('rejects.restore', { account, messages: decisions.map((d) => d.message) });
          if (restored > 0) o.out(`${account}: ${restored} moved back to INBOX. Warden learns from ${restored === 1 ? 'it' : 'them'} when it next looks at INBOX.`);
          for (const d of decisions.filter((d) => missing.includes(d.message))) {
            process.exitCode = 1;
            o.err(`warden: ${d.id} (${d.subject || 'no subject'}) is no longer in ${account}'s Rejects: look for it in your mail client`);
          }
        }
      });
    });

  return rejects;
}

function rejectLine(r: DecisionView): string {
  const when = new Date(r.decidedAt).toISOString().slice(0, 16).replace('T', ' ');
  return `${String(r.id).padStart(6)}  ${when}  ${r.account}  ${r.from || '(no sender)'}  ${r.subject || '(no subject)'}\n        ${r.reason}: ${r.text}`;
}

function ids(value: string, previous: number[] = []): number[] {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('an ID is a whole number, from warden rejects list');
  return [...previous, n];
}
