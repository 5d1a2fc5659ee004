import { Command, InvalidArgumentError, Option } from 'commander';
import type { Account, AccountService, FolderRole } from '../engine/accounts.ts';
import { resolveDataDir } from '../engine/data-dir.ts';
import type { Output } from './junk.ts';

/** `warden account add|list|remove|mode|test`: the IMAP accounts Warden watches. */
export function accountCommands(o: Output): Command {
  const account = new Command('account').description('the IMAP accounts Warden watches');

  // Loaded on demand, like the analysis: the junk commands do without the IMAP client.
  const open = async (command: Command) => {
    const { AccountService } = await import('../engine/accounts.ts');
    return AccountService.open(resolveDataDir(command.optsWithGlobals<{ dataDir?: string }>().dataDir));
  };
  const withAccounts = async (command: Command, work: (accounts: AccountService) => unknown) => {
    const accounts = await open(command);
    try {
      await work(accounts);
    } finally {
      accounts.close();
    }
  };

  account
    .command('add')
    .description('add an account, in observe mode: Warden decides and records, and moves nothing')
    .argument('<name>', 'a name of your choice for the account')
    .requiredOption('--host <host>', 'the IMAP server')
    .option('--port <port>', 'the IMAP port (default: 993 with implicit TLS, 143 otherwise)', port)
    .addOption(new Option('--tls <mode>', 'implicit TLS, STARTTLS, or plain (unencrypted; needs --allow-plain)').choices(['implicit', 'starttls', 'plain']).default('implicit'))
    .option('--allow-plain', 'allow plain IMAP, which sends the password unencrypted')
    .requiredOption('--user <user>', 'the user name to log in with')
    .option('--password-env <var>', 'read the password from this environment variable when Warden runs')
    .option('--password-file <path>', 'read the password from this file (readable by you only: chmod 600)')
    .option('--oauth2', 'the secret is an OAuth2 access token (XOAUTH2), not a password')
    .option('--ca-file <path>', 'a CA certificate (PEM) to trust for this server')
    .option('--provider-host <host...>', "host-name suffixes of the servers that receive your mail, your forwarders' too", [])
    .option('--folder <role=path...>', 'use this folder for a role (inbox, rejects, junk, sent, trash, archive, drafts)', [])
    .action(async (name: string, options: AddOptions, command: Command) => {
      if (Boolean(options.passwordEnv) === Boolean(options.passwordFile)) command.error('give one of --password-env VAR or --password-file PATH');
      const config = {
        host: options.host,
        port: options.port ?? (options.tls === 'implicit' ? 993 : 143),
        tls: options.tls,
        allowPlain: options.allowPlain ?? false,
        user: options.user,
        auth: options.oauth2 ? 'oauth2' : 'password',
        secret: options.passwordEnv ? { from: 'env', name: options.passwordEnv } : { from: 'file', path: options.passwordFile },
        ...(options.caFile && { caFile: options.caFile }),
        providerHosts: options.providerHost,
        folders: Object.fromEntries(options.folder.map(folderOption)),
      };
      await withAccounts(command, (accounts) => {
        const added = accounts.add(name, config);
        o.out(`Added ${describe(added)}.`);
        o.out(`It is in observe mode: Warden decides and records, and moves nothing. Check it with: warden account test ${name}`);
      });
    });

  account
    .command('list')
    .description('the accounts, with their server and mode')
    .option('--json', 'one JSON object per account and line')
    .action(async (options: { json?: boolean }, command: Command) => {
      await withAccounts(command, (accounts) => {
        const list = accounts.list();
        if (options.json) for (const a of list) o.out(JSON.stringify(a));
        else if (list.length === 0) o.out('No accounts yet: warden account add NAME --host HOST --user USER --password-env VAR');
        else for (const a of list) o.out(describe(a));
      });
    });

  account
    .command('remove')
    .description("forget an account's settings; its history stays, for when it is added again")
    .argument('<name>')
    .action(async (name: string, _options: unknown, command: Command) => {
      await withAccounts(command, (accounts) => {
        accounts.remove(name);
        o.out(`Removed account ${name}.`);
      });
    });

  account
    .command('mode')
    .description('observe: decide and record only; enforce: move what is rejected to Rejects')
    .argument('<name>')
    .addArgument(new Command().createArgument('<mode>', 'observe or enforce').choices(['observe', 'enforce']))
    .action(async (name: string, mode: 'observe' | 'enforce', _options: unknown, command: Command) => {
      await withAccounts(command, (accounts) => {
        accounts.setMode(name, mode);
        o.out(mode === 'enforce' ? `Account ${name} now moves what Warden rejects to its Rejects folder.` : `Account ${name} now only observes: nothing is moved.`);
      });
    });

  account
    .command('test')
    .description('log in, and show what the server offers and which folders Warden will use')
    .argument('<name>')
    .option('--json', 'as JSON')
    .action(async (name: string, options: { json?: boolean }, command: Command) => {
      await withAccounts(command, async (accounts) => {
        const { account: a, probe: found } = await accounts.test(name);
        if (options.json) {
          o.out(JSON.stringify(found));
          return;
        }
        o.out(`Logged in to ${a.config.host}:${a.config.port} as ${a.config.user}.`);
        o.out(`Capabilities: ${found.capabilities.join(' ')}`);
        const missing = ['IDLE', 'MOVE', 'UIDPLUS', 'CONDSTORE'].filter((c) => !found.capabilities.includes(c));
        if (missing.length > 0) o.out(`Without ${missing.join(', ')}: Warden works, more slowly or with more care (polling, copy and expunge).`);
        for (const role of ROLE_ORDER) {
          const path = a.config.folders[role] ?? found.roles[role];
          const note = role === 'rejects' && !path ? 'none yet: Warden creates Rejects when it first rejects a message' : (path ?? 'not found');
          o.out(`  ${role.padEnd(8)} ${note}`);
        }
      });
    });

  return account;
}

const ROLE_ORDER: FolderRole[] = ['inbox', 'rejects', 'junk', 'sent', 'trash', 'archive', 'drafts'];

interface AddOptions {
  host: string;
  port?: number;
  tls: 'implicit' | 'starttls' | 'plain';
  allowPlain?: boolean;
  user: string;
  passwordEnv?: string;
  passwordFile?: string;
  oauth2?: boolean;
  caFile?: string;
  providerHost: string[];
  folder: string[];
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) throw new InvalidArgumentError('a port is a whole number from 1 to 65535');
  return n;
}

function folderOption(value: string): [string, string] {
  const eq = value.indexOf('=');
  if (eq <= 0 || eq === value.length - 1) throw new InvalidArgumentError(`--folder takes role=path, e.g. junk=Spam: ${value}`);
  return [value.slice(0, eq), value.slice(eq + 1)];
}

function describe(a: Account): string {
  const c = a.config;
  const secret = c.secret.from === 'env' ? `$${c.secret.name}` : c.secret.from === 'file' ? c.secret.path : "the desktop app's keyring";
  return `${a.name}: ${c.user} at ${c.host}:${c.port} (${c.tls === 'implicit' ? 'TLS' : c.tls === 'starttls' ? 'STARTTLS' : 'plain, unencrypted'}), ${c.auth === 'oauth2' ? 'access token' : 'password'} from ${secret}, ${a.mode}`;
}
