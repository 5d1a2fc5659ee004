import { Command } from 'commander';
import { changeFolder } from './folder.ts';
import type { Output } from './junk.ts';
import { dataDirOf } from './options.ts';

/** `warden backup list|now|restore`: the database's rolling backups (docs/backups.md). */
export function backupCommands(o: Output): Command {
  const backup = new Command('backup').description("the database's backups: Warden makes one a day while it runs and keeps three");

  backup
    .command('list')
    .description('the backups, newest first')
    .action(async (_options: unknown, command: Command) => {
      const { backups } = await import('../engine/backups.ts');
      const found = backups(dataDirOf(command));
      if (found.length === 0) o.out('No backups yet: Warden makes one a day while it runs (or: warden backup now).');
      for (const b of found) o.out(`${b.name}\t${new Date(b.time).toISOString()}`);
    });

  backup
    .command('now')
    .description('make a backup now')
    .action(async (_options: unknown, command: Command) => {
      const { backUpNow } = await import('../engine/backups.ts');
      const made = await backUpNow(dataDirOf(command));
      o.out(`Backed up to ${made.path}`);
    });

  backup
    .command('restore')
    .description('put a backup in place of the database (the newest when no NAME); stop Warden first')
    .argument('[name]', 'the backup to restore, as warden backup list shows it')
    .action(async (name: string | undefined, _options: unknown, command: Command) => {
      const { restore } = await import('../engine/backups.ts');
      const dataDir = dataDirOf(command);
      // Never under a running engine: it holds the database open.
      const restored = await changeFolder(dataDir, 'warden backup restore', { here: () => restore(dataDir, name) });
      o.out(`Restored ${restored.backup.name} (made ${new Date(restored.backup.time).toISOString()}).`);
      if (restored.replaced) o.out(`The database it replaced is kept in ${restored.replaced}.`);
      o.out('What happened since that backup is not in it: mail that arrived since is analysed as new when Warden runs again; what you taught it since must be taught again.');
    });

  return backup;
}
