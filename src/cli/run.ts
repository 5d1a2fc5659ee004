import { Command } from 'commander';
import type { ContextOptions } from '../engine/context.ts';
import { resolveDataDir } from '../engine/data-dir.ts';
import type { WatchEvent } from '../engine/events.ts';
import { arrivalJson, arrivalLine } from './arrival.ts';
import type { Output } from './junk.ts';
import { addDnsOptions, dnsOptionsOf, randomOf, seedOption } from './options.ts';

const NO_ACCOUNTS = 'No accounts yet: warden account add NAME --host HOST --user USER --password-env VAR';

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
      const { Ownership, describeOwner } = await import('../engine/owner.ts');
      if (options.once) {
        const taken = Ownership.tryTake(dataDir, { kind: 'command', command: 'warden run --once' });
        if (!(taken instanceof Ownership)) {
          // Whoever owns the folder is already catching up with every account (or soon will be).
          o.err(`Nothing to do: ${taken.owner ? describeOwner(taken.owner) : 'another Warden process'} owns ${dataDir} and watches its accounts.`);
          return;
        }
        try {
          await catchUpOnce(dataDir, dns, print, o);
        } finally {
          taken.release();
        }
        return;
      }
      const { Api } = await import('../api/api.ts');
      const { isEngineEvent } = await import('../engine/engine.ts');
      const api = await Api.open(dataDir, { kind: 'run', ...dns, onWait: (owner) => o.err(`Waiting for ${describeOwner(owner)} to finish with ${dataDir}…`) });
      const stop = new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
      try {
        api.subscribe((event) => {
          if (isEngineEvent(event)) print(event);
        });
        if (api.start() === 0) {
          o.out(NO_ACCOUNTS);
          return;
        }
        // Until the user stops it, or every account has stopped (each said why).
        await Promise.race([stop, api.idle()]);
      } finally {
        await api.close();
      }
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
      case 'digest':
        return e.error ? out.err(`${e.account}: could not append the daily digest to INBOX (tried again later): ${e.error}`) : out.out(`${e.account}: appended the daily digest to INBOX: ${e.rejects} rejected`);
      case 'backup':
        return out.err(`warden: the daily backup failed (tried again within the hour): ${e.error}`);
      case 'stopped':
        process.exitCode = 1;
        return out.err(`warden: ${e.account} stopped: ${e.error}${e.signIn ? ` (warden account signin ${e.account})` : ''}`);
    }
  }
}

/** Every account caught up once, on one context, each event printed as it happens. */
async function catchUpOnce(dataDir: string, options: ContextOptions, print: (event: WatchEvent) => void, o: Output): Promise<void> {
  const { AccountService } = await import('../engine/accounts.ts');
  const { EngineContext } = await import('../engine/context.ts');
  const { catchUp } = await import('../engine/mailbox.ts');
  const { digestIfDue } = await import('../engine/digest.ts');
  const { backupIfDue } = await import('../engine/backups.ts');
  const context = EngineContext.open(dataDir, options);
  try {
    const accounts = AccountService.onDatabase(context.db).list();
    if (accounts.length === 0) o.out(NO_ACCOUNTS);
    for (const a of accounts) {
      try {
        await catchUp(context, a, print);
      } catch (err) {
        print({ kind: 'stopped', account: a.name, error: (err as Error).message });
        continue;
      }
      // cron's `warden run --once` makes the daily digest too, once its hour has come (docs/digest.md).
      await digestIfDue(context, a).then(
        (rejects) => rejects !== undefined && print({ kind: 'digest', account: a.name, rejects }),
        (err: unknown) => print({ kind: 'digest', account: a.name, error: (err as Error).message }),
      );
    }
    // cron's runs make the daily backup too (docs/backups.md).
    await backupIfDue(context.db).catch((err: unknown) => {
      print({ kind: 'backup', error: (err as Error).message });
      process.exitCode = 1;
    });
  } finally {
    context.close();
  }
}

/** An event as one JSON object: an arrival flattened to what a script needs. */
function eventJson(e: WatchEvent): Record<string, unknown> {
  if (e.kind === 'stopped') process.exitCode = 1;
  if (e.kind === 'learned') return { kind: e.kind, account: e.account, ...e.learned };
  if (e.kind !== 'arrival') return { ...e };
  return { kind: e.kind, ...arrivalJson(e.account, e.arrival) };
}
