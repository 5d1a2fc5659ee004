import * as v from 'valibot';
import type { AnalysisSettings, Decision, SenderRule } from '../engine/delivery.ts';
import type { Probe } from '../engine/accounts.ts';
import type { DecisionRow } from '../engine/activity.ts';
import type { Arrival } from '../engine/events.ts';
import type { BackupStatusView } from '../engine/backup-status.ts';
import type { FittedThreshold, TrainOutcome, UntrainOutcome } from '../engine/junk.ts';
import type { WatchEvent } from '../engine/watch.ts';

/**
 * The contract between the engine and any UI: commands (a name, parameters validated here at
 * the boundary, a result) and events. The renderer imports this file's types only; the
 * schemas run in the engine, over IPC (Electron) or HTTP (warden serve).
 */

/** Text with something in it besides spaces, trimmed. */
const text = v.pipe(v.string(), v.trim(), v.minLength(1));
const accountName = v.pipe(text, v.maxLength(64));
const cursor = v.optional(v.pipe(v.number(), v.integer(), v.gtValue(0)));
/** An event listener's name (the `listener` of a WebSocket on /events), which work can belong to. */
const listenerName = v.pipe(v.string(), v.minLength(1), v.maxLength(100));
const pageSize = v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(500)), 100);
/** Folders chosen for roles, over the ones found; '' forgets a choice. */
const folderChoices = v.record(v.picklist(['inbox', 'rejects', 'junk', 'sent', 'trash', 'archive', 'drafts']), v.string());
const port = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65_535));
const tls = v.picklist(['implicit', 'starttls', 'plain']);
/** A day of the calendar, YYYY-MM-DD (a 31st of February is none). */
const day = v.pipe(
  v.string(),
  v.isoDate(),
  v.check((d) => new Date(d).toISOString().startsWith(d), 'not a day of the calendar'),
);
/** A message's id in the history. */
const messageId = v.pipe(v.number(), v.integer(), v.gtValue(0));
/** An address, or a domain, of a sender rule (checked by the rule itself). */
const sender = v.pipe(text, v.maxLength(320));
const uuid = v.pipe(v.string(), v.uuid());

export const commandParams = {
  /** The accounts, with what the engine is doing with each. */
  'accounts.list': v.strictObject({}),
  /**
   * Adds an account (observe mode). A password typed in the UI is kept in a file only the
   * user can read, in the data folder, never in the database.
   */
  'accounts.add': v.strictObject({
    name: accountName,
    host: text,
    port: v.optional(port),
    tls: v.optional(tls, 'implicit'),
    allowPlain: v.optional(v.boolean(), false),
    user: v.pipe(v.string(), v.minLength(1)),
    password: v.pipe(v.string(), v.minLength(1)),
    /** The preset the server came from (providers.list): Warden then knows its mail servers. */
    provider: v.optional(v.string()),
    /** Log in first, and save nothing when that fails (the error names the field to correct). */
    test: v.optional(v.boolean(), true),
  }),
  /**
   * Changes an account's server, login or folders. It logs in with the new settings first, and
   * saves nothing when that fails: the error names the field to correct. A password given
   * replaces the one kept; `secret` (the command line's) says where the user now keeps it, read
   * by the owner as `accounts.addConfigured` reads it; with neither, the account's own is used.
   */
  'accounts.set': v.pipe(
    v.strictObject({
      name: accountName,
      host: v.optional(text),
      port: v.optional(port),
      tls: v.optional(tls),
      allowPlain: v.optional(v.boolean()),
      user: v.optional(v.pipe(v.string(), v.minLength(1))),
      password: v.optional(v.pipe(v.string(), v.minLength(1))),
      secret: v.optional(v.variant('from', [v.strictObject({ from: v.literal('env'), name: v.string() }), v.strictObject({ from: v.literal('file'), path: v.string() })])),
      folders: v.optional(folderChoices),
    }),
    v.forward(v.check((p) => p.password === undefined || p.secret === undefined, 'give a password or where it is kept, not both'), ['password']),
  ),
  /**
   * Adds an account (observe mode) from a whole configuration, as the command line makes it:
   * validated like any account's, its secret read from where it says (a variable of the
   * owner's environment, or a file), never sent here.
   */
  'accounts.addConfigured': v.strictObject({ name: accountName, config: v.record(v.string(), v.unknown()) }),
  /**
   * Signs an account in with OAuth2 in the browser (RFC 8252): a new account, from a provider
   * preset or with the servers given, or an existing one again (only `name`). Answers at once
   * with the address to open; a `signin` event says how it ended (then the account is watched).
   */
  'accounts.signIn': v.strictObject({
    name: accountName,
    user: v.optional(text),
    provider: v.optional(v.string()),
    host: v.optional(text),
    port: v.optional(port),
    tls: v.optional(tls),
    allowPlain: v.optional(v.boolean()),
    /** The sign-in server, found from its issuer URL (RFC 8414), for servers without a preset. */
    issuer: v.optional(text),
    scope: v.optional(text),
    /** The app registered with the provider, over the one configured for the preset. */
    clientId: v.optional(text),
    clientSecret: v.optional(text),
  }),
  /** Finishes a sign-in with the address the browser ended on, from a browser on another machine. */
  'accounts.signInPaste': v.strictObject({ name: accountName, address: v.pipe(v.string(), v.minLength(1), v.maxLength(8192)) }),
  'accounts.signInCancel': v.strictObject({ name: accountName }),
  /** The presets of common providers: their servers, and how one signs in there. */
  'providers.list': v.strictObject({}),
  /** Logs in: capabilities and folders, or what is wrong in words. */
  'accounts.test': v.strictObject({ name: accountName }),
  'accounts.remove': v.strictObject({ name: accountName }),
  'accounts.mode': v.strictObject({ name: accountName, mode: v.picklist(['observe', 'enforce']) }),
  /**
   * Learns from the mail the account already has (Junk, filed folders, Sent), with `progress`
   * events; resumable. Bounded by a date (YYYY-MM-DD) and a count per folder.
   */
  'accounts.bootstrap': v.strictObject({
    name: accountName,
    since: v.optional(day),
    limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000))),
    /** Read INBOX mail older than this many days is learned as wanted mail (opt-in, for a warm start). */
    inboxAsHam: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(36_500))),
  }),
  /**
   * Analyses the unread, unflagged mail already in INBOX (docs/analysis.md E8), as `warden
   * analyze-inbox` does; with `dryRun`, records and moves nothing. Answers at once: an `inbox`
   * event tells each message as it is done, and `inbox-end` how it ended.
   */
  'accounts.analyzeInbox': v.strictObject({
    name: accountName,
    since: v.optional(day),
    dryRun: v.optional(v.boolean(), false),
    /**
     * The event listener the analysis belongs to (the `listener` of a WebSocket on /events):
     * when it goes away, the analysis stops at its next message. A command that asked for it
     * and was killed, or whose terminal closed, leaves nothing running in its name.
     */
    listener: v.optional(listenerName),
  }),
  /** Stops an analysis of INBOX at its next message. */
  'accounts.analyzeInboxStop': v.strictObject({ name: accountName }),
  /** Chooses folders for roles (junk, sent, trash, rejects, …) over the ones found; '' forgets a choice. */
  'accounts.folders': v.strictObject({ name: accountName, folders: folderChoices }),
  /** Stops or starts watching an account (the tray's pause). */
  'accounts.pause': v.strictObject({ name: accountName, paused: v.boolean() }),
  /** Decisions, newest first, a page at a time: `before` is the last id of the previous page. */
  'decisions.list': v.strictObject({
    account: v.optional(accountName),
    accept: v.optional(v.boolean()),
    reason: v.optional(v.string()),
    /** Only decisions accepted in the unsure band (docs/analysis.md 2.5). */
    unsure: v.optional(v.boolean()),
    /** Words of the subject or the sender. */
    search: v.optional(v.pipe(v.string(), v.maxLength(200))),
    before: cursor,
    limit: pageSize,
  }),
  /** One decision with all its evidence. */
  'decisions.get': v.strictObject({ id: messageId }),
  /** The messages Warden moved to Rejects and that are still there, newest first. */
  'rejects.list': v.strictObject({ account: v.optional(accountName), search: v.optional(v.pipe(v.string(), v.maxLength(200))), before: cursor, limit: pageSize }),
  /** Moves rejects back to INBOX; Warden learns from it as from a restore in any mail client. */
  'rejects.restore': v.strictObject({ account: accountName, messages: v.pipe(v.array(messageId), v.minLength(1), v.maxLength(1000)) }),
  /** A message as plain text: never its HTML, remote content or scripts. */
  'messages.preview': v.strictObject({ account: accountName, message: messageId }),
  /** Moves a message to Junk; Warden learns from it as from a move in any mail client. */
  'messages.junk': v.strictObject({ account: accountName, message: messageId }),
  'settings.get': v.strictObject({}),
  /** Changes analysis settings (rulesets, block lists, …): refused with the field named when invalid. */
  'settings.set': v.strictObject({ changes: v.record(v.string(), v.unknown()) }),
  /** The user's allow and block list: addresses and domains whose mail is always accepted or rejected. */
  'senderRules.list': v.strictObject({}),
  /**
   * Always accept (allow) or always reject (block) mail from an address, or a domain and its
   * subdomains, in place of the rule it had (docs/sender-rules.md).
   */
  'senderRules.add': v.strictObject({ sender, action: v.picklist(['allow', 'block']) }),
  'senderRules.remove': v.strictObject({ sender }),
  /** The content filter's threshold: mail whose junk probability is above it is junk. */
  'filter.get': v.strictObject({}),
  /** `fitThreshold`: whether the filter may judge by a lower threshold fitted on the user's wanted mail (docs/content-filter.md). */
  'filter.set': v.strictObject({ threshold: v.optional(v.pipe(v.number(), v.minValue(0.5), v.maxValue(0.9999))), fitThreshold: v.optional(v.boolean()), logistic: v.optional(v.boolean()) }),
  /**
   * Trains the content filter with messages, as `warden junk train` does, and commits: what that
   * command sends a running Warden, whose filter then knows them at once. Each message is its
   * bytes in base64 (RFC 4648 section 4). `untrain`: takes back their training with `label`
   * instead, as `warden junk untrain` does. `setUp`: the set-up (junk.beginSetUp) the wanted
   * mail trains through, scored held-out at its end for the fitted threshold (docs/content-filter.md).
   */
  'junk.train': v.pipe(
    v.strictObject({
      label: v.picklist(['ham', 'spam']),
      messages: v.pipe(v.array(v.pipe(v.string(), v.base64('not base64 (RFC 4648 section 4)'))), v.minLength(1), v.maxLength(1000)),
      untrain: v.optional(v.boolean()),
      setUp: v.optional(uuid),
    }),
    v.forward(v.check((p) => !(p.untrain && p.setUp), 'untraining goes through no set-up: leave out setUp'), ['setUp']),
  ),
  /**
   * Begins a set-up for the training that follows (`warden junk train`); junk.endSetUp ends it,
   * and so does the event listener `listener` going (as accounts.analyzeInbox's does).
   */
  'junk.beginSetUp': v.strictObject({ listener: v.optional(listenerName) }),
  /** Ends a set-up: its wanted mail is scored held-out and committed; answers the threshold in force. */
  'junk.endSetUp': v.strictObject({ setUp: uuid }),
  /** The app's preferences (desktop notifications of rejects, start at login). */
  'preferences.get': v.strictObject({}),
  /** Start at login is refused, with the field named, where preferences.get reports it null. */
  'preferences.set': v.strictObject({ notifications: v.optional(v.boolean()), startAtLogin: v.optional(v.boolean()) }),
  /** Counts per day for the charts. */
  'stats.get': v.strictObject({ days: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(3650)), 30) }),
  /** The daily backup (docs/backups.md): the newest, and the last failure when none was made since. */
  'backups.status': v.strictObject({}),
} as const;

export type CommandName = keyof typeof commandParams;
export type CommandParams<C extends CommandName> = v.InferInput<(typeof commandParams)[C]>;

export type AccountState = 'connecting' | 'watching' | 'retrying' | 'stopped' | 'paused';

export interface AccountView {
  name: string;
  /** The folders the user chose for roles, over the ones found. */
  folders: Partial<Record<'inbox' | 'rejects' | 'junk' | 'sent' | 'trash' | 'archive' | 'drafts', string>>;
  host: string;
  port: number;
  tls: 'implicit' | 'starttls' | 'plain';
  allowPlain: boolean;
  user: string;
  /** How the account logs in: a password, or a sign-in in the browser (OAuth2). */
  auth: 'password' | 'oauth2';
  /** The provider preset it was made from. */
  provider?: string;
  mode: 'observe' | 'enforce';
  state: AccountState;
  /** Why the account is retrying or stopped. */
  error?: string;
  /** Stopped because its sign-in is gone (revoked, expired): only signing in again helps. */
  needsSignIn?: true;
}

/** A provider preset, as the account form offers it. */
export interface ProviderView {
  id: string;
  name: string;
  /** The domains of its addresses, to suggest it from an address. */
  domains: string[];
  host: string;
  port: number;
  tls: 'implicit' | 'starttls' | 'plain';
  signIn: 'oauth2' | 'password';
  /** How to sign in there, in words. */
  help: string;
  /** OAuth2: whose account one signs in with ("Sign in with Google"). */
  signInWith?: string;
  /** OAuth2: whether an app registered with the provider is configured; if not, what to do. */
  clientMissing?: string;
  /** OAuth2: an app registered there comes with a client secret as well as its ID (Google's do). */
  clientSecret?: true;
}

/** A decision as the lists show it: as the engine's activity log reads it. */
export type DecisionView = DecisionRow;

export interface Page<T> {
  items: T[];
  /** Pass as `before` for the next page; absent on the last. */
  next?: number;
}

export interface PreferencesView {
  notifications: boolean;
  /**
   * Whether Warden starts when the user logs in; null where it cannot be set (warden serve, or
   * the desktop app not installed: npm start).
   */
  startAtLogin: boolean | null;
}

export interface StatsView {
  /** Decisions per day (UTC, YYYY-MM-DD) and reason. */
  decisions: { day: string; reason: string; accept: boolean; count: number }[];
  /** The user's corrections per day: rejects restored, accepted mail moved to Junk. */
  corrections: { day: string; restored: number; junked: number }[];
  training: { hamMessages: number; spamMessages: number };
}

export interface CommandResults {
  'accounts.list': AccountView[];
  'accounts.add': AccountView;
  'accounts.addConfigured': AccountView;
  /** `opened`: the app opened the address in the user's browser; otherwise the UI opens it. */
  'accounts.signIn': { url: string; opened: boolean };
  'accounts.signInPaste': Record<string, never>;
  'accounts.signInCancel': Record<string, never>;
  'providers.list': ProviderView[];
  'accounts.test': { capabilities: string[]; folders: { path: string; role?: string }[]; claims: Probe['claims'] };
  'accounts.remove': Record<string, never>;
  'accounts.set': AccountView;
  'accounts.mode': AccountView;
  'accounts.pause': AccountView;
  'accounts.folders': AccountView;
  'accounts.analyzeInbox': { started: true };
  'accounts.analyzeInboxStop': { stopping: boolean };
  'accounts.bootstrap': {
    folders: { path: string; kind: 'spam' | 'ham' | 'neutral' | 'sent'; messages: number; added: number; errors: number; asHam?: number }[];
    /** Wanted messages the filter knows; under needHam it judges nothing junk yet. */
    hamTrained: number;
    needHam: number;
  };
  'decisions.list': Page<DecisionView>;
  'decisions.get': DecisionView & { decision: Decision };
  'rejects.list': Page<DecisionView>;
  'rejects.restore': { restored: number; missing: number[] };
  'messages.preview': { from: string; to: string; subject: string; date: string; text: string };
  'messages.junk': Record<string, never>;
  'settings.get': AnalysisSettings;
  'settings.set': AnalysisSettings;
  'senderRules.list': SenderRule[];
  /** The rule as kept (an address lower-cased, a domain without its @), the one it replaced, and all the rules. */
  'senderRules.add': { rule: SenderRule; replaced: SenderRule | undefined; rules: SenderRule[] };
  'senderRules.remove': { removed: SenderRule; rules: SenderRule[] };
  'filter.get': FilterView;
  'filter.set': FilterView;
  /** Per message, in order: how it was trained, or why it could not be read. */
  'junk.train': { outcomes: ({ outcome: TrainOutcome | UntrainOutcome } | { error: string })[]; filter: { hamMessages: number; spamMessages: number; words: number } };
  'junk.beginSetUp': { setUp: string };
  'junk.endSetUp': { threshold: FittedThreshold };
  'preferences.get': PreferencesView;
  'preferences.set': PreferencesView;
  'stats.get': StatsView;
  'backups.status': BackupStatusView;
}

/**
 * The content filter's threshold: the setting, whether it may be fitted below it, and the one it
 * judges by now (docs/content-filter.md, "The threshold fitted on your training").
 */
export interface FilterView {
  threshold: number;
  fitThreshold: boolean;
  /** Whether the second learner (logistic regression) judges beside the counts (docs/content-filter.md). */
  logistic: boolean;
  /** The threshold in force: `ham` is how many wanted messages it was fitted on, 0 when the setting stands. */
  judging: FittedThreshold;
  /** How many of the latest wanted messages have a held-out score, of the `fitNeeds` a fit needs. */
  heldOut: number;
  fitNeeds: number;
  /** How many wanted messages the filter must know before the wanted mail it learns gets a held-out score. */
  scoresFrom: number;
}

/** An answer: the result, or an error in words with the field at fault when there is one. */
export type CommandResponse<C extends CommandName> = { ok: true; result: CommandResults[C] } | { ok: false; error: string; field?: string };

/** What the engine tells the UI as it happens. */
export type ApiEvent =
  | WatchEvent
  | { kind: 'account'; account: AccountView }
  /** How a sign-in ended: the account signed in (and watched now), or why not. */
  | { kind: 'signin'; name: string; ok: true; account: AccountView }
  | { kind: 'signin'; name: string; ok: false; error: string }
  /** The preferences changed (the desktop app follows them). */
  | { kind: 'preferences'; preferences: PreferencesView }
  /** A message of INBOX analysed on request (accounts.analyzeInbox): `done` of `total`. */
  | { kind: 'inbox'; account: string; arrival: Arrival; done: number; total: number }
  /** The analysis of INBOX ended: how many were done, whether it was stopped, or why it failed. */
  | { kind: 'inbox-end'; account: string; done: number; stopped: boolean; error?: string }
  /** Long work on an account (bootstrap): a folder's messages done of total. */
  | { kind: 'progress'; account: string; task: 'bootstrap'; folder: string; done: number; total: number };

/**
 * The API as the engine serves it, whatever the transport: Electron's IPC, or HTTP and a
 * WebSocket (`warden serve`). Parameters arrive unchecked and are validated inside.
 */
export interface ApiService {
  call<C extends CommandName>(command: C, params: unknown): Promise<CommandResponse<C>>;
  /**
   * Calls `listener` with every event from now on; returns the unsubscribe function. A listener
   * given a `name` can own work (accounts.analyzeInbox's `listener`), which stops when it unsubscribes.
   */
  subscribe(listener: (event: ApiEvent) => void, name?: string): () => void;
  close(): Promise<void>;
}

/**
 * Where the desktop app keeps the passwords typed in its window, encrypted by the operating
 * system's keyring (Electron's safeStorage). Without one, the API keeps them in a file only the
 * user can read.
 */
export interface AppSecretStore {
  set(account: string, secret: string): Promise<void>;
  get(account: string): Promise<string | undefined>;
  delete(account: string): Promise<void>;
}

/**
 * Start at login, as the installed desktop app does it (the operating system's login items, or
 * an XDG autostart file on Linux). Without one, start at login is not available.
 */
export interface AppLoginItem {
  get(): Promise<boolean>;
  set(enabled: boolean): Promise<void>;
}

/**
 * The HTTP transport (warden serve), for the renderer outside Electron:
 * - `POST /api/<command>` with the parameters as a JSON body and `Authorization: Bearer <token>`,
 *   answered with a CommandResponse (HTTP 200, or 400 for invalid parameters);
 * - `GET /events?token=<token>` upgraded to a WebSocket that sends each ApiEvent as JSON text;
 *   with `&listener=<name>`, a name the client chose, work asked for in that name ends with the
 *   socket (ApiService.subscribe);
 * - the token comes with the URL the server prints, as its fragment: `http://127.0.0.1:PORT/#token=…`
 *   (a fragment is never sent to a server or written to its logs).
 * In Electron the preload exposes the same calls as `window.warden` (WardenBridge).
 */
export interface WardenBridge {
  call<C extends CommandName>(command: C, params: CommandParams<C>): Promise<CommandResponse<C>>;
  onEvent(listener: (event: ApiEvent) => void): () => void;
}
