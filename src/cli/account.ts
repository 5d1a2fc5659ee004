import { createInterface } from 'node:readline';
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { CLAIM_WORDS } from '../api/claim-words.ts';
import type { ApiEvent } from '../api/contract.ts';
import type { SignInRequest } from '../engine/account-sign-in.ts';
import type { Account, AccountService, FolderRole } from '../engine/accounts.ts';
import { changeFolder, withApi } from './folder.ts';
import type { Output } from './junk.ts';
import { dataDirOf } from './options.ts';

/** The options `account add` and `account set` share, worded once (an Option belongs to one command). */
const CONNECTION_OPTIONS = {
  tls: () => new Option('--tls <mode>', 'implicit TLS, STARTTLS, or plain (unencrypted; needs --allow-plain)').choices(['implicit', 'starttls', 'plain']),
  allowPlain: () => new Option('--allow-plain', 'allow plain IMAP, which sends the password unencrypted'),
  passwordEnv: () => new Option('--password-env <var>', 'read the password from this environment variable when Warden runs'),
  passwordFile: () => new Option('--password-file <path>', 'read the password from this file (readable by you only: chmod 600)'),
};

/** `warden account add|signin|list|remove|mode|set|test`: the IMAP accounts Warden watches. */
export function accountCommands(o: Output): Command {
  const account = new Command('account').description('the IMAP accounts Warden watches');

  // Loaded on demand, like the analysis: the junk commands do without the IMAP client.
  const open = async (command: Command) => {
    const { AccountService } = await import('../engine/accounts.ts');
    return AccountService.open(dataDirOf(command));
  };
  const withAccounts = async (command: Command, work: (accounts: AccountService) => unknown) => {
    const accounts = await open(command);
    try {
      await work(accounts);
    } finally {
      accounts.close();
    }
  };
  /** A change of the accounts: made by the running engine when there is one (folder.ts), else here. */
  const changeAccounts = <T>(command: Command, what: string, here: (accounts: AccountService) => T, owner?: Parameters<typeof changeFolder<T>>[2]['owner']) =>
    changeFolder(dataDirOf(command), what, {
      here: async () => {
        const accounts = await open(command);
        try {
          return here(accounts);
        } finally {
          accounts.close();
        }
      },
      ...(owner && { owner }),
    });

  account
    .command('add')
    .description('add an account, in observe mode: Warden decides and records, and moves nothing')
    .argument('<name>', 'a name of your choice for the account')
    .option('--provider <id>', 'a provider preset, for its servers and sign-in: gmail, microsoft (sign in in the browser), fastmail, icloud, yahoo (app passwords)')
    .option('--host <host>', 'the IMAP server (from --provider when given)')
    .option('--port <port>', 'the IMAP port (default: 993 with implicit TLS, 143 otherwise)', port)
    .addOption(CONNECTION_OPTIONS.tls())
    .addOption(CONNECTION_OPTIONS.allowPlain())
    .requiredOption('--user <user>', 'the user name to log in with (your address, at most providers)')
    .addOption(CONNECTION_OPTIONS.passwordEnv())
    .addOption(CONNECTION_OPTIONS.passwordFile())
    .option('--oauth', 'sign in in the browser (OAuth2): Warden prints the address to open and waits')
    .option('--oauth-issuer <url>', 'with --oauth and no provider: the sign-in server (its issuer URL)')
    .option('--scope <scopes>', 'with --oauth and no provider: the scopes your server grants IMAP access with')
    .option('--client-id <id>', 'with --oauth: the app registered with the provider (README: Register a sign-in app)')
    .option('--client-secret <secret>', "with --oauth: that app's client secret, where the provider gives one (Google)")
    .option('--access-token', 'the secret (--password-env/--password-file) is an OAuth2 access token you renew yourself, not a password')
    .option('--ca-file <path>', 'a CA certificate (PEM) to trust for this server')
    .option('--provider-host <host...>', "host-name suffixes of the servers that receive your mail, your forwarders' too", [])
    .option('--folder <role=path...>', 'use this folder for a role (inbox, rejects, junk, sent, trash, archive, drafts)', [])
    .action(async (name: string, options: AddOptions, command: Command) => {
      const { preset } = await import('../engine/providers.ts');
      const p = options.provider === undefined ? undefined : preset(options.provider);
      if (options.provider !== undefined && !p) command.error(`no provider ${options.provider}: choose gmail, microsoft, fastmail, icloud or yahoo`);
      const password = Boolean(options.passwordEnv || options.passwordFile);
      // A provider that signs in in the browser still takes an app password where it has them (Gmail).
      if (options.oauth || (p?.signIn === 'oauth2' && !password)) {
        if (password) command.error('a sign-in in the browser needs no password: leave out --password-env and --password-file');
        await signIn(command, {
          name,
          user: options.user,
          ...(p && { provider: p.id }),
          ...(options.host && { host: options.host }),
          ...(options.port && { port: options.port }),
          ...(options.tls && { tls: options.tls }),
          ...(options.allowPlain && { allowPlain: true }),
          ...(options.oauthIssuer && { issuer: options.oauthIssuer }),
          ...(options.scope && { scope: options.scope }),
          ...(options.clientId && { clientId: options.clientId }),
          ...(options.clientSecret && { clientSecret: options.clientSecret }),
        });
        return;
      }
      if (Boolean(options.passwordEnv) === Boolean(options.passwordFile)) {
        command.error(`give one of --password-env VAR or --password-file PATH${p ? ` (${p.help})` : ''}`);
      }
      const host = options.host ?? p?.host;
      if (!host) command.error('give the IMAP server with --host, or a provider with --provider');
      const tls = options.tls ?? p?.tls ?? 'implicit';
      const config = {
        host,
        port: options.port ?? p?.port ?? (tls === 'implicit' ? 993 : 143),
        tls,
        allowPlain: options.allowPlain ?? false,
        user: options.user,
        auth: options.accessToken ? 'oauth2' : 'password',
        secret: options.passwordEnv ? { from: 'env', name: options.passwordEnv } : { from: 'file', path: options.passwordFile },
        ...(options.caFile && { caFile: options.caFile }),
        ...(p && { provider: p.id }),
        providerHosts: [...(p?.providerHosts ?? []), ...options.providerHost],
        folders: Object.fromEntries(options.folder.map((f) => folderOption(f))),
      };
      const checkSecret = await secretChecker();
      await changeAccounts(
        command,
        `warden account add ${name}`,
        (accounts) => {
          checkSecret(name, config);
          o.out(`Added ${describe(accounts.add(name, config))}.`);
        },
        async (client) => {
          // The running Warden reads a variable from its own environment; a file is the same file there.
          if (config.secret.from === 'file') checkSecret(name, config);
          await client.call('accounts.addConfigured', { name, config });
          o.out(`Added ${name} to the Warden that is running (pid ${client.owner.pid}), which watches it from now on.`);
          if (config.secret.from === 'env') o.out(`It reads $${config.secret.name} from its own environment: set it where that Warden starts.`);
        },
      );
      o.out(`It is in observe mode: Warden decides and records, and moves nothing. Check it with: warden account test ${name}`);
    });

  account
    .command('signin')
    .description('sign an account in again in the browser (OAuth2), after its sign-in was revoked or expired')
    .argument('<name>', ACCOUNT_ARGUMENT)
    .action(async (name: string, _options: unknown, command: Command) => {
      await signIn(command, { name });
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
    .argument('<name>', ACCOUNT_ARGUMENT)
    .action(async (name: string, _options: unknown, command: Command) => {
      await changeAccounts(
        command,
        `warden account remove ${name}`,
        (accounts) => accounts.remove(name),
        async (client) => void (await client.call('accounts.remove', { name })),
      );
      o.out(`Removed account ${name}.`);
    });

  account
    .command('mode')
    .description("change how Warden treats an account's mail")
    .argument('<name>', ACCOUNT_ARGUMENT)
    .addArgument(new Argument('<mode>', 'observe: decide and record only; enforce: move what is rejected to Rejects').choices(['observe', 'enforce']))
    .action(async (name: string, mode: 'observe' | 'enforce', _options: unknown, command: Command) => {
      await changeAccounts(
        command,
        `warden account mode ${name} ${mode}`,
        (accounts) => accounts.setMode(name, mode),
        async (client) => void (await client.call('accounts.mode', { name, mode })),
      );
      o.out(mode === 'enforce' ? `Account ${name} now moves what Warden rejects to its Rejects folder.` : `Account ${name} now only observes: nothing is moved.`);
    });

  account
    .command('set')
    .description("change an account's server, login or folders: Warden logs in with the new settings first, and saves nothing if that fails")
    .argument('<name>', ACCOUNT_ARGUMENT)
    .option('--host <host>', 'the IMAP server')
    .option('--port <port>', 'the IMAP port (stays as it is when only --tls changes)', port)
    .addOption(CONNECTION_OPTIONS.tls())
    .addOption(CONNECTION_OPTIONS.allowPlain())
    .option('--user <user>', 'the user name to log in with')
    .addOption(CONNECTION_OPTIONS.passwordEnv())
    .addOption(CONNECTION_OPTIONS.passwordFile())
    .option('--folder <role=path...>', 'use this folder for a role (inbox, rejects, junk, sent, trash, archive, drafts); role= forgets the choice', [])
    .action(async (name: string, options: SetOptions, command: Command) => {
      if (options.passwordEnv && options.passwordFile) command.error('give one of --password-env VAR or --password-file PATH, not both');
      const changes = {
        ...(options.host !== undefined && { host: options.host }),
        ...(options.port !== undefined && { port: options.port }),
        ...(options.tls && { tls: options.tls }),
        ...(options.allowPlain && { allowPlain: true }),
        ...(options.user !== undefined && { user: options.user }),
        ...(options.passwordEnv && { secret: { from: 'env' as const, name: options.passwordEnv } }),
        ...(options.passwordFile && { secret: { from: 'file' as const, path: options.passwordFile } }),
        ...(options.folder.length > 0 && { folders: Object.fromEntries(options.folder.map((f) => folderOption(f, true))) }),
      };
      if (Object.keys(changes).length === 0) command.error(`give what to change: --host, --port, --tls, --user, --password-env, --password-file or --folder (warden account set --help)`);
      // The running Warden's API when one runs (it reconnects with the new settings), else this process's.
      await withApi(dataDirOf(command), `warden account set ${name}`, async (call, owner) => {
        const a = await call('accounts.set', { name, ...changes });
        o.out(`Logged in to ${a.host}:${a.port} as ${a.user} with the new settings of ${name}, and saved them.`);
        if (owner) o.out(`The Warden that is running (pid ${owner.pid}) watches ${name} with them from now on.`);
        if (owner && changes.secret?.from === 'env') o.out(`It reads $${changes.secret.name} from its own environment: set it where that Warden starts.`);
      });
    });

  account
    .command('test')
    .description('log in, and show what the server offers and which folders Warden will use')
    .argument('<name>', ACCOUNT_ARGUMENT)
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
        o.out(`Two computers on this account: ${CLAIM_WORDS[found.claims]}`);
        for (const role of ROLE_ORDER) {
          const path = a.config.folders[role] ?? found.roles[role];
          const note = role === 'rejects' && !path ? 'none yet: Warden creates Rejects when it first rejects a message' : (path ?? 'not found');
          o.out(`  ${role.padEnd(8)} ${note}`);
        }
      });
    });

  /**
   * Signs in in the browser: prints the address to open and waits for the browser to come back,
   * or for the address a browser on another machine ended on, pasted here. With Warden running,
   * its engine signs in (and watches the account at once); else this process does.
   */
  const signIn = (command: Command, request: SignInRequest) =>
    changeFolder(dataDirOf(command), request.user ? `warden account add ${request.name}` : `warden account signin ${request.name}`, {
      here: async () => {
        const { AccountSignIn } = await import('../engine/account-sign-in.ts');
        const started = await AccountSignIn.start(dataDirOf(command), request);
        const signedIn = await awaitSignIn(started.url.href, (address) => started.paste(address), started.account);
        o.out(`Signed in: ${describe(signedIn)}.`);
        signedInNext(request);
      },
      owner: async (client) => {
        type Ended = Extract<ApiEvent, { kind: 'signin' }> | { ok: false; error: string };
        let settle: (ended: Ended) => void = () => {};
        const ended = new Promise<Ended>((resolve) => (settle = resolve));
        const events = await client.subscribe(
          (event) => event.kind === 'signin' && event.name === request.name && settle(event),
          () => settle({ ok: false, error: `the Warden process that owned ${dataDirOf(command)} stopped before the sign-in ended` }),
        );
        try {
          const { url } = await client.call('accounts.signIn', request);
          const result = await awaitSignIn(url, (address) => client.call('accounts.signInPaste', { name: request.name, address }), ended);
          if (!result.ok) throw new Error(result.error);
          o.out(`Signed in: ${result.account.name}: ${result.account.user} at ${result.account.host}:${result.account.port}, ${result.account.mode}.`);
          signedInNext(request);
        } finally {
          events.close();
        }
      },
    });
  /** Prints where to sign in, passes on an address pasted here, and waits for the sign-in to end. */
  const awaitSignIn = async <T>(url: string, paste: (address: string) => unknown, ended: Promise<T>): Promise<T> => {
    o.out(`Open this address in your browser and sign in:\n\n  ${url}\n`);
    const redirect = new URL(url).searchParams.get('redirect_uri');
    o.out(`Waiting for the browser (10 minutes). If it is on another computer, it ends on an address starting with ${redirect} that does not load: copy that whole address here and press Enter.`);
    const lines = createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      if (line.trim() === '') return;
      Promise.resolve()
        .then(() => paste(line))
        .catch((err: unknown) => o.err(`warden: ${(err as Error).message}`));
    });
    try {
      return await ended;
    } finally {
      lines.close();
      // Nothing more is read: stdin must not keep the process alive.
      process.stdin.destroy();
    }
  };
  const signedInNext = (request: SignInRequest) =>
    o.out(
      request.user
        ? `It is in observe mode: Warden decides and records, and moves nothing. Check it with: warden account test ${request.name}`
        : 'Warden uses the new sign-in from its next connection (a running Warden picks it up by itself).',
    );

  return account;
}

/**
 * Reads the secret (and the CA file) as each run will: a variable that is not set, or a file
 * that is missing or that others can read, is said when the account is added, not later.
 */
async function secretChecker(): Promise<(name: string, config: unknown) => void> {
  const { accountConfigSchema, endpointOf } = await import('../engine/accounts.ts');
  const { parseWith } = await import('../engine/validate.ts');
  return (name, config) => void endpointOf({ id: 0, name, mode: 'observe', config: parseWith(accountConfigSchema, config, `settings for account ${name}`) });
}

const ACCOUNT_ARGUMENT = 'the account, by the name it was added with (warden account list)';

const ROLE_ORDER: FolderRole[] = ['inbox', 'rejects', 'junk', 'sent', 'trash', 'archive', 'drafts'];

interface AddOptions {
  host?: string;
  port?: number;
  tls?: 'implicit' | 'starttls' | 'plain';
  allowPlain?: boolean;
  user: string;
  passwordEnv?: string;
  passwordFile?: string;
  provider?: string;
  oauth?: boolean;
  oauthIssuer?: string;
  scope?: string;
  clientId?: string;
  clientSecret?: string;
  accessToken?: boolean;
  caFile?: string;
  providerHost: string[];
  folder: string[];
}

type SetOptions = Partial<Pick<AddOptions, 'host' | 'port' | 'tls' | 'allowPlain' | 'user' | 'passwordEnv' | 'passwordFile'>> & Pick<AddOptions, 'folder'>;

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) throw new InvalidArgumentError('a port is a whole number from 1 to 65535');
  return n;
}

/** role=path; with `forgettable`, role= too (an empty path forgets the choice: AccountChanges). */
function folderOption(value: string, forgettable = false): [string, string] {
  const eq = value.indexOf('=');
  if (eq <= 0 || (eq === value.length - 1 && !forgettable)) throw new InvalidArgumentError(`--folder takes role=path, e.g. junk=Spam: ${value}`);
  return [value.slice(0, eq), value.slice(eq + 1)];
}

function describe(a: Account): string {
  const c = a.config;
  const secret = c.secret.from === 'env' ? `$${c.secret.name}` : c.secret.from === 'file' ? c.secret.path : "the desktop app's keyring";
  const login = c.oauth ? `signs in at ${c.oauth.issuer}, kept in ${secret}` : `${c.auth === 'oauth2' ? 'access token' : 'password'} from ${secret}`;
  return `${a.name}: ${c.user} at ${c.host}:${c.port} (${c.tls === 'implicit' ? 'TLS' : c.tls === 'starttls' ? 'STARTTLS' : 'plain, unencrypted'}), ${login}, ${a.mode}`;
}
