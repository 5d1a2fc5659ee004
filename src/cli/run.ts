import { Command } from 'commander';
import type { Account } from '../engine/accounts.ts';
import { resolveDataDir } from '../engine/data-dir.ts';
import type { WatchEvent } from '../engine/watch.ts';
import { arrivalJson, arrivalLine } from './arrival.ts';
import type { Output } from './junk.ts';
import { addDnsOptions, dnsOptionsOf, randomOf, seedOption } from './options.ts';

/** `warden run`: watch every account's INBOX; `--once`: catch up once, then exit. */
export function runCommand(o: Output): Command {
  return addDnsOptions(new Command('run'))
    .description("analyse what arrives in every account's INBOX; in enforce mode, move rejects to Rejects")
    .option('--once', 'catch up with what arrived since the last run, then exit (for cron, scripts and tests)')
    .option('--json', 'one JSON object per event and line')
    .addOption(seedOption())
    .action(async (options: { once?: boolean; json?: boolean; seed?: number }, command: Command) => {
      const dataDir = resolveDataDir(command.optsWithGlobals<{ dataDir?: string }>().dataDir);
      const dns = { ...dnsOptionsOf(command), random: randomOf(options.seed) };
      const print = (event: WatchEvent) => (options.json ? o.out(JSON.stringify(eventJson(event))) : eventLine(event, o));
      await withAccountList(dataDir, async (accounts) => {
        if (accounts.length === 0) {
          o.out('No accounts yet: warden account add NAME --host HOST --user USER --password-env VAR');
          return;
        }
        if (options.once) {
          const { catchUp } = await import('../engine/catch-up.ts');
          const { catchUpEvents } = await import('../engine/watch.ts');
          for (const a of accounts) {
            try {
              for (const event of catchUpEvents(await catchUp(dataDir, a, dns))) print(event);
            } catch (err) {
              print({ kind: 'stopped', account: a.name, error: (err as Error).message });
            }
          }
          return;
        }
        const { Engine, ENGINE_EVENT_KINDS } = await import('../engine/engine.ts');
        const engine = new Engine(dataDir, dns);
        for (const kind of ENGINE_EVENT_KINDS) engine.on(kind, print);
        const onSignal = () => void engine.stop();
        process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
        try {
          for (const a of accounts) engine.watch(a);
          await engine.idle();
        } finally {
          process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
        }
      });
    });

  function eventLine(e: WatchEvent, out: Output): void {
    switch (e.kind) {
      case 'connected':
        return out.err(`${e.account}: connected, watching INBOX`);
      case 'started':
        return out.err(`${e.account}: first run, or INBOX was renumbered: Warden starts from here and leaves the mail already there alone.`);
      case 'repaired':
        return out.err(`${e.account}: finished ${e.moves} moves an earlier run had left undone.`);
      case 'retired':
        return out.out(`${e.account}: moved ${e.moves} rejects past the retention period (rejectsRetentionDays) to Trash.`);
      case 'arrival':
        return out.out(arrivalLine(e.account, e.arrival, 'run'));
      case 'learned': {
        const l = e.learned;
        return out.out(`${e.account} ${l.folder} #${l.uid}: ${l.error ? `could not learn from it: ${l.error}` : l.role === 'junk' ? `you filed it as junk: ${l.outcome}` : l.role === 'flag' ? `you flagged it: ${l.outcome}` : `you sent it: ${l.outcome}`}`);
      }
      case 'disconnected':
        return out.err(`${e.account}: ${e.error}; trying again in ${Math.round(e.retryInMs / 1000)} s`);
      case 'stopped':
        process.exitCode = 1;
        return out.err(`${e.account}: stopped: ${e.error}${e.signIn ? ` (warden account signin ${e.account})` : ''}`);
    }
  }
}

/** An event as one JSON object: an arrival flattened to what a script needs. */
function eventJson(e: WatchEvent): Record<string, unknown> {
  if (e.kind === 'stopped') process.exitCode = 1;
  if (e.kind === 'learned') return { kind: e.kind, account: e.account, ...e.learned };
  if (e.kind !== 'arrival') return { ...e };
  return { kind: e.kind, ...arrivalJson(e.account, e.arrival) };
}

async function withAccountList(dataDir: string, work: (accounts: Account[]) => Promise<void>): Promise<void> {
  const { AccountService } = await import('../engine/accounts.ts');
  const service = AccountService.open(dataDir);
  let accounts: Account[];
  try {
    accounts = service.list();
  } finally {
    service.close();
  }
  await work(accounts);
}
