import type * as v from 'valibot';
import { AccountSignIn } from '../engine/account-sign-in.ts';
import { AccountService, checkLogin, type Account, type AppSecrets } from '../engine/accounts.ts';
import { Activity } from '../engine/activity.ts';
import { BackupStatus } from '../engine/backup-status.ts';
import { bootstrap } from '../engine/bootstrap.ts';
import { analyzeInbox } from '../engine/mailbox.ts';
import { EngineContext, type ContextOptions } from '../engine/context.ts';
import type { Decision } from '../engine/delivery.ts';
import { DeliveryService } from '../engine/delivery.ts';
import { Engine, ENGINE_EVENT_KINDS } from '../engine/engine.ts';
import { Ownership, type OwnerInfo, type OwnerKind } from '../engine/owner.ts';
import { PreferencesService } from '../engine/preferences.ts';
import { clientMissing, PROVIDERS, preset } from '../engine/providers.ts';
import { removeSecretFiles, secretFile, writeSecretFile } from '../engine/secret-files.ts';
import { InvalidSettingsError, problemText, validate } from '../engine/validate.ts';
import { FITTED_MIN_HAM, SIGNIFICANT_HAM, TRAINING } from '../engine/junk.ts';
import { OpenSetUps } from '../engine/open-set-ups.ts';
import type { WatchEvent } from '../engine/events.ts';
import {
  commandParams,
  type AccountState,
  type AccountView,
  type ApiEvent,
  type ApiService,
  type AppLoginItem,
  type AppSecretStore,
  type CommandName,
  type CommandResponse,
  type CommandResults,
  type DecisionView,
  type FilterView,
  type Page,
  type ProviderView,
} from './contract.ts';
import { AppPreferences } from './preferences.ts';
import { serve, type Served } from './serve.ts';

export interface ApiOptions extends Pick<ContextOptions, 'offline' | 'dnsServers' | 'dnsTimeoutMs' | 'random'> {
  /** Who owns the data folder through this API (owner.json tells the others): `serve` when not given. */
  kind?: OwnerKind;
  /**
   * For `kind: 'command'`: the command line that holds the folder for as long as it runs
   * (owner.json names it, and an engine starting meanwhile waits for it); it watches nothing.
   */
  command?: string;
  /** Told once when a command holds the data folder, which the engine waits for. */
  onWait?: (owner: OwnerInfo) => void;
  /** The desktop app's keyring, for passwords typed in its window and the refresh tokens of sign-ins. */
  secrets?: AppSecretStore;
  /** Opens an address in the user's browser (the desktop app); without it the UI opens sign-in pages itself. */
  openBrowser?: (url: string) => Promise<void>;
  /** The installed desktop app's start at login; without it, preferences report it unavailable. */
  loginItem?: AppLoginItem;
  /** How often the engine looks whether the daily backup is due (default hourly; tests shorter). */
  backupCheckMs?: number;
}

type Handlers = { [C in CommandName]: (params: v.InferOutput<(typeof commandParams)[C]>) => Promise<CommandResults[C]> | CommandResults[C] };

const DAY_MS = 86_400_000;

/**
 * The engine behind the contract of contract.ts: watches every account from `start`, answers
 * commands, and forwards what happens as events. It owns its data folder (docs/design.md): one
 * per folder, and every other entry point (a CLI command, a second UI) reaches it through its
 * control channel, this same API over HTTP on 127.0.0.1 with a token, named in owner.json.
 */
export class Api implements ApiService {
  readonly #dataDir: string;
  readonly #ownership: Ownership;
  readonly #context: EngineContext;
  #control: Served | undefined;
  readonly #engine: Engine;
  readonly #accounts: AccountService;
  readonly #delivery: DeliveryService;
  readonly #backups: BackupStatus;
  /** Set-ups clients run across requests (`warden junk train`). */
  readonly #setUps: OpenSetUps;
  readonly #activity: Activity;
  readonly #preferences: AppPreferences;
  readonly #listeners = new Set<(event: ApiEvent) => void>();
  readonly #states = new Map<string, AccountStatus>();
  /** Sign-ins waiting for the browser, by account name. */
  readonly #signIns = new Map<string, AccountSignIn>();
  /** Analyses of INBOX asked for (accounts.analyzeInbox), by account: one at a time each. */
  readonly #inboxAnalyses = new Map<string, { stop: AbortController; ended: Promise<void>; listener?: string }>();
  /** The names of the event listeners subscribed with one, which can own an analysis of INBOX. */
  readonly #named = new Set<string>();
  readonly #openBrowser: ApiOptions['openBrowser'];
  readonly #handlers: Handlers;
  readonly #secrets: AppSecretStore | undefined;
  /** The app's secrets, decrypted once at start, by account name. */
  readonly #appSecrets = new Map<string, string>();
  /** The same, as the engine reads them, and keeps new ones (refresh tokens a provider replaced). */
  readonly #keyring: AppSecrets = {
    get: (name) => this.#appSecrets.get(name),
    set: async (name, secret) => {
      await this.#secrets?.set(name, secret);
      this.#appSecrets.set(name, secret);
    },
  };

  private constructor(ownership: Ownership, context: EngineContext, options: ApiOptions) {
    const dataDir = ownership.dataDir;
    this.#dataDir = dataDir;
    this.#ownership = ownership;
    this.#context = context;
    this.#secrets = options.secrets;
    this.#openBrowser = options.openBrowser;
    const appSecrets = this.#keyring;
    // Everything on the context's one connection, filter and settings (docs/design.md).
    this.#accounts = AccountService.onDatabase(context.db);
    this.#delivery = DeliveryService.forAccount(context);
    this.#setUps = new OpenSetUps(context.junk);
    this.#backups = new BackupStatus(dataDir);
    this.#activity = Activity.onDatabase(context.db, appSecrets);
    this.#preferences = new AppPreferences(PreferencesService.onDatabase(context.db), options.loginItem);
    this.#engine = new Engine(context, { appSecrets, ...(options.backupCheckMs !== undefined && { backupCheckMs: options.backupCheckMs }) });
    for (const kind of ENGINE_EVENT_KINDS) this.#engine.on(kind, (event: WatchEvent) => this.#onEngine(event));
    this.#handlers = this.#makeHandlers();
  }

  /**
   * Takes the data folder (FolderInUseError when another process has it), opens its context,
   * and opens the control channel for the other entry points.
   */
  static async open(dataDir: string, options: ApiOptions = {}): Promise<Api> {
    const kind = options.kind ?? 'serve';
    const ownership = kind === 'command' ? Ownership.take(dataDir, { kind, ...(options.command && { command: options.command }) }) : await Ownership.takeForEngine(dataDir, kind, options.onWait);
    return Api.over(ownership, options);
  }

  /** The API over a data folder this process has taken already; it lets go of it on close. */
  static async over(ownership: Ownership, options: ApiOptions = {}): Promise<Api> {
    const { dataDir } = ownership;
    let context: EngineContext;
    try {
      // The app's Settings can put right stored settings that are no longer valid.
      const { offline, dnsServers, dnsTimeoutMs, random } = options;
      context = EngineContext.open(dataDir, { offline, dnsServers, dnsTimeoutMs, random, toRepairSettings: true });
    } catch (err) {
      ownership.release();
      throw err;
    }
    const api = new Api(ownership, context, options);
    try {
      for (const account of api.#accounts.list()) {
        const secret = account.config.secret.from === 'app' ? await options.secrets?.get(account.name) : undefined;
        if (secret !== undefined) api.#appSecrets.set(account.name, secret);
      }
      api.#control = await serve(api, { host: '127.0.0.1', port: 0 });
      ownership.publish({ control: { url: `http://127.0.0.1:${api.#control.port}`, token: api.#control.token } });
    } catch (err) {
      await api.close();
      throw err;
    }
    return api;
  }

  /** Tells the processes that find the folder taken where this owner's UI is. */
  publishUi(url: string): void {
    this.#ownership.publish({ ui: url });
  }

  /** Starts watching every account; returns how many there are. */
  start(): number {
    const accounts = this.#accounts.list();
    for (const account of accounts) this.#watch(account);
    return accounts.length;
  }

  /** Resolves when no account is watched any more (each stopped by the user, or refused Warden). */
  idle(): Promise<void> {
    return this.#engine.idle();
  }

  async call<C extends CommandName>(command: C, params: unknown): Promise<CommandResponse<C>> {
    const schema = Object.hasOwn(commandParams, command) ? commandParams[command] : undefined;
    if (!schema) return { ok: false, error: `there is no command ${String(command)}` };
    const parsed = validate(schema, params ?? {});
    if (!parsed.ok) {
      const first = parsed.problems[0]!;
      return { ok: false, error: problemText([first]), ...(first.field && { field: first.field }) };
    }
    try {
      const handler = this.#handlers[command] as (p: unknown) => Promise<CommandResults[C]> | CommandResults[C];
      return { ok: true, result: await handler(parsed.output) };
    } catch (err) {
      // Settings refused deeper down name their field too, for the UI to show the error beside it.
      const field = err instanceof InvalidSettingsError ? err.field : undefined;
      return { ok: false, error: (err as Error).message, ...(field && { field }) };
    }
  }

  subscribe(listener: (event: ApiEvent) => void, name?: string): () => void {
    if (name !== undefined && this.#named.has(name)) throw new Error(`an event listener named ${name} is subscribed already`);
    this.#listeners.add(listener);
    if (name !== undefined) this.#named.add(name);
    return () => {
      this.#listeners.delete(listener);
      if (name === undefined || !this.#named.delete(name)) return;
      for (const analysis of this.#inboxAnalyses.values()) if (analysis.listener === name) analysis.stop.abort();
      this.#setUps.endFor(name);
    };
  }

  /** Refuses work tied to an event listener that is not subscribed: it would never end with it. */
  #subscribed(listener: string | undefined): void {
    if (listener !== undefined && !this.#named.has(listener)) throw new Error(`no event listener named ${listener} is subscribed: subscribe first, then ask`);
  }

  async close(): Promise<void> {
    for (const signIn of this.#signIns.values()) signIn.cancel();
    for (const analysis of this.#inboxAnalyses.values()) analysis.stop.abort();
    await Promise.all([...this.#inboxAnalyses.values()].map((a) => a.ended));
    await this.#control?.close();
    await this.#engine.stop();
    this.#listeners.clear();
    try {
      // What open set-ups trained is committed; ended, it is scored too.
      try {
        this.#setUps.endAll();
      } finally {
        this.#context.close();
      }
    } finally {
      this.#ownership.release();
    }
  }

  #makeHandlers(): Handlers {
    return {
      'accounts.list': () => this.#accounts.list().map((a) => this.#view(a)),
      'accounts.add': async (p) => {
        const config = {
          host: p.host,
          port: p.port ?? (p.tls === 'implicit' ? 993 : 143),
          tls: p.tls,
          allowPlain: p.allowPlain,
          user: p.user,
          secret: this.#secretPlace(p.name),
          ...(p.provider && preset(p.provider) && { provider: p.provider, providerHosts: preset(p.provider)!.providerHosts }),
        };
        // Logged in first: an account that cannot log in is not saved, and the form says why.
        if (p.test) await checkLogin(this.#accounts.draft(p.name, config), p.password);
        await this.#keepSecret(p.name, p.password);
        try {
          const account = this.#accounts.add(p.name, config);
          this.#watch(account);
          return this.#view(account);
        } catch (err) {
          await this.#forgetSecret(p.name);
          throw err;
        }
      },
      'accounts.addConfigured': (p) => {
        const account = this.#accounts.add(p.name, p.config);
        this.#watch(account);
        return this.#view(account);
      },
      'accounts.signIn': async (p) => {
        this.#signIns.get(p.name)?.cancel();
        const signIn = await AccountSignIn.start(this.#dataDir, p, { accounts: this.#accounts, ...(this.#secrets && { keyring: this.#keyring }) });
        this.#signIns.set(p.name, signIn);
        void signIn.account.then(
          (account) => this.#signedIn(signIn, account),
          (err: unknown) => this.#signInFailed(signIn, err as Error),
        );
        let opened = false;
        if (this.#openBrowser) {
          // Where the app cannot open it, the UI shows the address to open by hand.
          opened = await this.#openBrowser(signIn.url.href).then(() => true, () => false);
        }
        return { url: signIn.url.href, opened };
      },
      'accounts.signInPaste': (p) => {
        this.#signInOf(p.name).paste(p.address);
        return {};
      },
      'accounts.signInCancel': (p) => {
        this.#signInOf(p.name).cancel();
        return {};
      },
      'providers.list': () => PROVIDERS.map(providerView),
      'accounts.test': async (p) => {
        const { probe } = await this.#accounts.test(p.name, this.#keyring);
        const roleOf = new Map(Object.entries(probe.roles).map(([role, path]) => [path, role]));
        return { capabilities: probe.capabilities, claims: probe.claims, folders: probe.folders.map((f) => ({ path: f.path, ...(roleOf.has(f.path) && { role: roleOf.get(f.path)! }) })) };
      },
      'accounts.set': async (p) => {
        const { name, password, secret: given, ...changes } = p;
        const before = this.#accounts.get(name).config;
        if ((password !== undefined || given) && before.oauth) {
          throw new InvalidSettingsError(`${name} signs in in the browser and has no password: sign in again to change it`, 'password');
        }
        const secret = password !== undefined ? { secret: this.#secretPlace(name) } : given ? { secret: given } : {};
        // Logged in first, with the new settings: what cannot log in is not saved.
        await checkLogin(this.#accounts.changed(name, { ...changes, ...secret }), password, this.#keyring);
        if (password !== undefined) await this.#keepSecret(name, password);
        const account = this.#accounts.set(name, { ...changes, ...secret });
        // The password the user now keeps elsewhere: Warden's own copy goes (docs/design.md invariant 8).
        if (given && this.#keptHere(name, before.secret)) await this.#forgetSecret(name);
        // The watcher reads the settings when it starts: start it again, unless the user paused it.
        // An account without a state is watched by no engine (this API serves a command).
        const state = this.#states.get(name)?.state;
        if (state !== undefined && state !== 'paused') {
          await this.#engine.stop(name);
          this.#watch(account);
        }
        return this.#view(account);
      },
      'accounts.remove': async (p) => {
        await this.#engine.stop(p.name);
        this.#accounts.remove(p.name);
        this.#states.delete(p.name);
        await this.#forgetSecret(p.name);
        return {};
      },
      'accounts.mode': async (p) => {
        this.#accounts.setMode(p.name, p.mode);
        const account = this.#accounts.get(p.name);
        // From the next message on.
        await this.#engine.update(account);
        this.#emit({ kind: 'account', account: this.#view(account) });
        return this.#view(account);
      },
      'accounts.folders': async (p) => {
        const account = this.#accounts.setFolders(p.name, p.folders);
        await this.#engine.update(account);
        return this.#view(account);
      },
      'accounts.pause': async (p) => {
        const account = this.#accounts.get(p.name);
        if (p.paused) {
          await this.#engine.stop(p.name);
          this.#setState(account, { state: 'paused' });
        } else {
          this.#watch(account);
        }
        return this.#view(account);
      },
      'accounts.analyzeInbox': (p) => {
        if (this.#inboxAnalyses.has(p.name)) throw new Error(`the mail in ${p.name}'s INBOX is being analysed already`);
        this.#subscribed(p.listener);
        const account = this.#accounts.get(p.name);
        const stop = new AbortController();
        let done = 0;
        const ended = analyzeInbox(this.#context, account, {
          appSecrets: this.#keyring,
          dryRun: p.dryRun,
          signal: stop.signal,
          ...(p.since && { since: new Date(`${p.since}T00:00:00Z`) }),
          onArrival: (arrival, n, total) => this.#emit({ kind: 'inbox', account: p.name, arrival, done: (done = n), total }),
        }).then(
          () => this.#emit({ kind: 'inbox-end', account: p.name, done, stopped: stop.signal.aborted }),
          (err: unknown) => this.#emit({ kind: 'inbox-end', account: p.name, done, stopped: false, error: (err as Error).message }),
        );
        this.#inboxAnalyses.set(p.name, { stop, ended: ended.finally(() => this.#inboxAnalyses.delete(p.name)), ...(p.listener !== undefined && { listener: p.listener }) });
        return { started: true as const };
      },
      'accounts.analyzeInboxStop': (p) => {
        const running = this.#inboxAnalyses.get(p.name);
        running?.stop.abort();
        return { stopping: running !== undefined };
      },
      'accounts.bootstrap': (p) =>
        bootstrap(this.#context, this.#accounts.get(p.name), {
          appSecrets: this.#keyring,
          ...(p.since && { since: new Date(`${p.since}T00:00:00Z`) }),
          ...(p.limit && { limit: p.limit }),
          ...(p.inboxAsHam !== undefined && { inboxAsHam: p.inboxAsHam }),
          onProgress: ({ folder, done, total }) => this.#emit({ kind: 'progress', account: p.name, task: 'bootstrap', folder, done, total }),
        }),
      'decisions.list': (p) => page(this.#activity.decisions({ ...p, limit: p.limit }), p.limit),
      'decisions.get': (p) => {
        const found = this.#activity.decision(p.id);
        if (!found) throw new Error(`no decision ${p.id}`);
        const { evidence, ...row } = found;
        return { ...row, decision: evidence as Decision };
      },
      'rejects.list': (p) => page(this.#activity.decisions({ ...p, rejected: true, limit: p.limit }), p.limit),
      'rejects.restore': (p) => this.#activity.restore(this.#accounts.get(p.account), p.messages),
      'messages.preview': (p) => this.#activity.preview(this.#accounts.get(p.account), p.message),
      'messages.junk': async (p) => {
        await this.#activity.junk(this.#accounts.get(p.account), p.message);
        return {};
      },
      'settings.get': () => this.#delivery.settings,
      'settings.set': (p) => {
        const wasValid = this.#context.settings.valid;
        let settings;
        try {
          settings = this.#delivery.configure(p.changes);
        } catch (err) {
          throw err instanceof InvalidSettingsError ? err.within('changes') : err;
        }
        // Every account reads the one settings object at each message: nothing to restart,
        // but accounts that stopped on settings that no longer validated can start now.
        if (!wasValid) for (const account of this.#accounts.list()) if (this.#states.get(account.name)?.state === 'stopped') this.#watch(account);
        return settings;
      },
      'senderRules.list': () => this.#delivery.settings.senderRules,
      // Every account reads the one settings object at each message: the rules apply from the next.
      'senderRules.add': (p) => ({ ...this.#delivery.setSenderRule(p.sender, p.action), rules: this.#delivery.settings.senderRules }),
      'senderRules.remove': (p) => ({ removed: this.#delivery.removeSenderRule(p.sender), rules: this.#delivery.settings.senderRules }),
      'filter.get': () => filterView(this.#delivery),
      // The one filter of the engine: in force from the next message.
      'filter.set': (p) => {
        this.#delivery.junk.configure({
          ...(p.threshold !== undefined && { threshold: p.threshold }),
          ...(p.fitThreshold !== undefined && { fitThreshold: p.fitThreshold }),
          ...(p.logistic !== undefined && { logistic: p.logistic }),
        });
        return filterView(this.#delivery);
      },
      'junk.train': async (p) => {
        const junk = this.#delivery.junk;
        const setUp = p.setUp === undefined ? undefined : this.#setUps.get(p.setUp);
        const outcomes: CommandResults['junk.train']['outcomes'] = [];
        for (const message of p.messages) {
          try {
            const words = await junk.words(Buffer.from(message, 'base64'), TRAINING);
            outcomes.push({ outcome: p.untrain ? junk.untrainWords(words, p.label) : junk.trainWords(words, p.label, setUp) });
          } catch (err) {
            outcomes.push({ error: (err as Error).message });
          }
        }
        junk.commit();
        const { hamMessages, spamMessages, words } = junk.stats();
        return { outcomes, filter: { hamMessages, spamMessages, words } };
      },
      'junk.beginSetUp': (p) => {
        this.#subscribed(p.listener);
        return { setUp: this.#setUps.begin(Date.now(), p.listener) };
      },
      'junk.endSetUp': (p) => {
        this.#setUps.end(p.setUp);
        return { threshold: this.#delivery.threshold() };
      },
      'preferences.get': () => this.#preferences.get(),
      'preferences.set': async (p) => {
        const preferences = await this.#preferences.set(p);
        this.#emit({ kind: 'preferences', preferences });
        return preferences;
      },
      'backups.status': () => this.#backups.view(),
      'stats.get': (p) => {
        const since = Date.now() - p.days * DAY_MS;
        const { hamMessages, spamMessages } = this.#delivery.junk.stats();
        return { decisions: this.#activity.daily(since), corrections: this.#activity.corrections(since), training: { hamMessages, spamMessages } };
      },
    };
  }

  /**
   * Keeps a password typed in the UI: in the app's keyring when there is one, else in a file
   * only the user can read (never in the database).
   */
  async #keepSecret(name: string, password: string): Promise<void> {
    const place = this.#secretPlace(name);
    if (place.from === 'app') await this.#keyring.set(name, password);
    else writeSecretFile(place.path, password);
  }

  /** Where #keepSecret keeps an account's password. */
  #secretPlace(name: string): { from: 'app' } | { from: 'file'; path: string } {
    return this.#secrets ? { from: 'app' } : { from: 'file', path: secretFile(this.#dataDir, name, 'password') };
  }

  /** Whether `secret` is the one #keepSecret keeps for the account. */
  #keptHere(name: string, secret: Account['config']['secret']): boolean {
    const place = this.#secretPlace(name);
    return secret.from === 'app' ? place.from === 'app' : secret.from === 'file' && place.from === 'file' && secret.path === place.path;
  }

  async #forgetSecret(name: string): Promise<void> {
    this.#appSecrets.delete(name);
    await this.#secrets?.delete(name);
    removeSecretFiles(this.#dataDir, name);
  }

  #signInOf(name: string): AccountSignIn {
    const signIn = this.#signIns.get(name);
    if (!signIn) throw new Error(`no sign-in of ${name} is waiting: start it again`);
    return signIn;
  }

  /** A sign-in finished: the account is watched, from now with its new sign-in. */
  async #signedIn(signIn: AccountSignIn, account: Account): Promise<void> {
    if (this.#signIns.get(signIn.name) === signIn) this.#signIns.delete(signIn.name);
    await this.#engine.stop(account.name);
    this.#watch(account);
    this.#emit({ kind: 'signin', name: account.name, ok: true, account: this.#view(account) });
  }

  #signInFailed(signIn: AccountSignIn, err: Error): void {
    // A sign-in replaced by a new one of the same account says nothing: the new one will.
    if (this.#signIns.get(signIn.name) !== signIn) return;
    this.#signIns.delete(signIn.name);
    this.#emit({ kind: 'signin', name: signIn.name, ok: false, error: err.message });
  }

  #watch(account: Account): void {
    if (!this.#engine.watching.includes(account.name)) this.#setState(account, { state: 'connecting' });
    this.#engine.watch(account);
  }

  #onEngine(event: WatchEvent): void {
    if (event.kind === 'backup') this.#backups.failed(event.error);
    const state = stateAfter(event);
    const account = state && 'account' in event ? this.#findAccount(event.account) : undefined;
    if (state && account) this.#setState(account, state);
    this.#emit(event);
  }

  #findAccount(name: string): Account | undefined {
    return this.#accounts.list().find((a) => a.name === name);
  }

  #setState(account: Account, state: AccountStatus): void {
    this.#states.set(account.name, state);
    this.#emit({ kind: 'account', account: this.#view(account) });
  }

  #view(a: Account): AccountView {
    const s = this.#states.get(a.name) ?? { state: 'stopped' as const };
    return {
      name: a.name,
      folders: a.config.folders,
      host: a.config.host,
      port: a.config.port,
      tls: a.config.tls,
      allowPlain: a.config.allowPlain,
      user: a.config.user,
      auth: a.config.auth,
      ...(a.config.provider && { provider: a.config.provider }),
      mode: a.mode,
      state: s.state,
      ...(s.error !== undefined && { error: s.error }),
      ...(s.needsSignIn && { needsSignIn: true as const }),
    };
  }

  #emit(event: ApiEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure (a window gone, a socket closing) must not stop the others, nor
        // the engine whose event this is.
      }
    }
  }
}

interface AccountStatus {
  state: AccountState;
  error?: string;
  needsSignIn?: boolean;
}

/** The filter's settings, the threshold it judges by now, and what a fit of it needs. */
function filterView(delivery: DeliveryService): FilterView {
  const { threshold, fitThreshold, logistic } = delivery.junk.params;
  return { threshold, fitThreshold, logistic, judging: delivery.threshold(), heldOut: delivery.junk.heldOut(), fitNeeds: FITTED_MIN_HAM, scoresFrom: SIGNIFICANT_HAM };
}

/** The account's state after an engine event, when the event changes it. */
function stateAfter(e: WatchEvent): AccountStatus | undefined {
  switch (e.kind) {
    case 'connected':
      return { state: 'watching' };
    case 'disconnected':
      return { state: 'retrying', error: e.error };
    case 'stopped':
      return { state: 'stopped', error: e.error, ...(e.signIn && { needsSignIn: true }) };
    default:
      return undefined;
  }
}

function providerView(p: (typeof PROVIDERS)[number]): ProviderView {
  const missing = clientMissing(p, 'here');
  return {
    id: p.id,
    name: p.name,
    domains: p.domains,
    host: p.host,
    port: p.port,
    tls: p.tls,
    signIn: p.signIn,
    help: p.help,
    ...(p.oauth && { signInWith: p.oauth.account }),
    ...(missing && { clientMissing: missing }),
    ...(p.oauth?.env.clientSecret && { clientSecret: true as const }),
  };
}

function page(items: DecisionView[], limit: number): Page<DecisionView> {
  return items.length === limit ? { items, next: items.at(-1)!.id } : { items };
}

export { resolveDataDir } from '../engine/data-dir.ts';
export { describeOwner, FolderInUseError, holderOf } from '../engine/owner.ts';
