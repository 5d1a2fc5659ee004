import { z } from 'zod';
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

const accountName = z.string().trim().min(1).max(64);
const cursor = z.number().int().positive().optional();
/** An event listener's name (the `listener` of a WebSocket on /events), which work can belong to. */
const listenerName = z.string().min(1).max(100);
const pageSize = z.number().int().min(1).max(500).default(100);
/** Folders chosen for roles, over the ones found; '' forgets a choice. */
const folderChoices = z.partialRecord(z.enum(['inbox', 'rejects', 'junk', 'sent', 'trash', 'archive', 'drafts']), z.string());

export const commandParams = {
  /** The accounts, with what the engine is doing with each. */
  'accounts.list': z.object({}).strict(),
  /**
   * Adds an account (observe mode). A password typed in the UI is kept in a file only the
   * user can read, in the data folder, never in the database.
   */
  'accounts.add': z
    .object({
      name: accountName,
      host: z.string().trim().min(1),
      port: z.number().int().min(1).max(65_535).optional(),
      tls: z.enum(['implicit', 'starttls', 'plain']).default('implicit'),
      allowPlain: z.boolean().default(false),
      user: z.string().min(1),
      password: z.string().min(1),
      /** The preset the server came from (providers.list): Warden then knows its mail servers. */
      provider: z.string().optional(),
      /** Log in first, and save nothing when that fails (the error names the field to correct). */
      test: z.boolean().default(true),
    })
    .strict(),
  /**
   * Changes an account's server, login or folders. It logs in with the new settings first, and
   * saves nothing when that fails: the error names the field to correct. A password given
   * replaces the one kept; `secret` (the command line's) says where the user now keeps it, read
   * by the owner as `accounts.addConfigured` reads it; with neither, the account's own is used.
   */
  'accounts.set': z
    .object({
      name: accountName,
      host: z.string().trim().min(1).optional(),
      port: z.number().int().min(1).max(65_535).optional(),
      tls: z.enum(['implicit', 'starttls', 'plain']).optional(),
      allowPlain: z.boolean().optional(),
      user: z.string().min(1).optional(),
      password: z.string().min(1).optional(),
      secret: z.discriminatedUnion('from', [z.object({ from: z.literal('env'), name: z.string() }).strict(), z.object({ from: z.literal('file'), path: z.string() }).strict()]).optional(),
      folders: folderChoices.optional(),
    })
    .strict()
    .refine((p) => p.password === undefined || p.secret === undefined, { message: 'give a password or where it is kept, not both', path: ['password'] }),
  /**
   * Adds an account (observe mode) from a whole configuration, as the command line makes it:
   * validated like any account's, its secret read from where it says (a variable of the
   * owner's environment, or a file), never sent here.
   */
  'accounts.addConfigured': z.object({ name: accountName, config: z.record(z.string(), z.unknown()) }).strict(),
  /**
   * Signs an account in with OAuth2 in the browser (RFC 8252): a new account, from a provider
   * preset or with the servers given, or an existing one again (only `name`). Answers at once
   * with the address to open; a `signin` event says how it ended (then the account is watched).
   */
  'accounts.signIn': z
    .object({
      name: accountName,
      user: z.string().trim().min(1).optional(),
      provider: z.string().optional(),
      host: z.string().trim().min(1).optional(),
      port: z.number().int().min(1).max(65_535).optional(),
      tls: z.enum(['implicit', 'starttls', 'plain']).optional(),
      allowPlain: z.boolean().optional(),
      /** The sign-in server, found from its issuer URL (RFC 8414), for servers without a preset. */
      issuer: z.string().trim().min(1).optional(),
      scope: z.string().trim().min(1).optional(),
      /** The app registered with the provider, over the one configured for the preset. */
      clientId: z.string().trim().min(1).optional(),
      clientSecret: z.string().trim().min(1).optional(),
    })
    .strict(),
  /** Finishes a sign-in with the address the browser ended on, from a browser on another machine. */
  'accounts.signInPaste': z.object({ name: accountName, address: z.string().min(1).max(8192) }).strict(),
  'accounts.signInCancel': z.object({ name: accountName }).strict(),
  /** The presets of common providers: their servers, and how one signs in there. */
  'providers.list': z.object({}).strict(),
  /** Logs in: capabilities and folders, or what is wrong in words. */
  'accounts.test': z.object({ name: accountName }).strict(),
  'accounts.remove': z.object({ name: accountName }).strict(),
  'accounts.mode': z.object({ name: accountName, mode: z.enum(['observe', 'enforce']) }).strict(),
  /**
   * Learns from the mail the account already has (Junk, filed folders, Sent), with `progress`
   * events; resumable. Bounded by a date (YYYY-MM-DD) and a count per folder.
   */
  'accounts.bootstrap': z
    .object({
      name: accountName,
      since: z.iso.date().optional(),
      limit: z.number().int().min(1).max(100_000).optional(),
      /** Read INBOX mail older than this many days is learned as wanted mail (opt-in, for a warm start). */
      inboxAsHam: z.number().int().min(0).max(36_500).optional(),
    })
    .strict(),
  /**
   * Analyses the unread, unflagged mail already in INBOX (docs/analysis.md E8), as `warden
   * analyze-inbox` does; with `dryRun`, records and moves nothing. Answers at once: an `inbox`
   * event tells each message as it is done, and `inbox-end` how it ended.
   */
  'accounts.analyzeInbox': z
    .object({
      name: accountName,
      since: z.iso.date().optional(),
      dryRun: z.boolean().default(false),
      /**
       * The event listener the analysis belongs to (the `listener` of a WebSocket on /events):
       * when it goes away, the analysis stops at its next message. A command that asked for it
       * and was killed, or whose terminal closed, leaves nothing running in its name.
       */
      listener: listenerName.optional(),
    })
    .strict(),
  /** Stops an analysis of INBOX at its next message. */
  'accounts.analyzeInboxStop': z.object({ name: accountName }).strict(),
  /** Chooses folders for roles (junk, sent, trash, rejects, …) over the ones found; '' forgets a choice. */
  'accounts.folders': z.object({ name: accountName, folders: folderChoices }).strict(),
  /** Stops or starts watching an account (the tray's pause). */
  'accounts.pause': z.object({ name: accountName, paused: z.boolean() }).strict(),
  /** Decisions, newest first, a page at a time: `before` is the last id of the previous page. */
  'decisions.list': z
    .object({
      account: accountName.optional(),
      accept: z.boolean().optional(),
      reason: z.string().optional(),
      /** Only decisions accepted in the unsure band (docs/analysis.md 2.5). */
      unsure: z.boolean().optional(),
      /** Words of the subject or the sender. */
      search: z.string().max(200).optional(),
      before: cursor,
      limit: pageSize,
    })
    .strict(),
  /** One decision with all its evidence. */
  'decisions.get': z.object({ id: z.number().int().positive() }).strict(),
  /** The messages Warden moved to Rejects and that are still there, newest first. */
  'rejects.list': z.object({ account: accountName.optional(), search: z.string().max(200).optional(), before: cursor, limit: pageSize }).strict(),
  /** Moves rejects back to INBOX; Warden learns from it as from a restore in any mail client. */
  'rejects.restore': z.object({ account: accountName, messages: z.array(z.number().int().positive()).min(1).max(1000) }).strict(),
  /** A message as plain text: never its HTML, remote content or scripts. */
  'messages.preview': z.object({ account: accountName, message: z.number().int().positive() }).strict(),
  /** Moves a message to Junk; Warden learns from it as from a move in any mail client. */
  'messages.junk': z.object({ account: accountName, message: z.number().int().positive() }).strict(),
  'settings.get': z.object({}).strict(),
  /** Changes analysis settings (rulesets, block lists, …): refused with the field named when invalid. */
  'settings.set': z.object({ changes: z.record(z.string(), z.unknown()) }).strict(),
  /** The user's allow and block list: addresses and domains whose mail is always accepted or rejected. */
  'senderRules.list': z.object({}).strict(),
  /**
   * Always accept (allow) or always reject (block) mail from an address, or a domain and its
   * subdomains, in place of the rule it had (docs/sender-rules.md).
   */
  'senderRules.add': z.object({ sender: z.string().trim().min(1).max(320), action: z.enum(['allow', 'block']) }).strict(),
  'senderRules.remove': z.object({ sender: z.string().trim().min(1).max(320) }).strict(),
  /** The content filter's threshold: mail whose junk probability is above it is junk. */
  'filter.get': z.object({}).strict(),
  /** `fitThreshold`: whether the filter may judge by a lower threshold fitted on the user's wanted mail (docs/content-filter.md). */
  'filter.set': z.object({ threshold: z.number().min(0.5).max(0.9999).optional(), fitThreshold: z.boolean().optional(), logistic: z.boolean().optional() }).strict(),
  /**
   * Trains the content filter with messages, as `warden junk train` does, and commits: what that
   * command sends a running Warden, whose filter then knows them at once. Each message is its
   * bytes in base64 (RFC 4648 section 4). `untrain`: takes back their training with `label`
   * instead, as `warden junk untrain` does. `setUp`: the set-up (junk.beginSetUp) the wanted
   * mail trains through, scored held-out at its end for the fitted threshold (docs/content-filter.md).
   */
  'junk.train': z
    .object({ label: z.enum(['ham', 'spam']), messages: z.array(z.base64()).min(1).max(1000), untrain: z.boolean().optional(), setUp: z.uuid().optional() })
    .strict()
    .refine((p) => !(p.untrain && p.setUp), { message: 'untraining goes through no set-up: leave out setUp', path: ['setUp'] }),
  /**
   * Begins a set-up for the training that follows (`warden junk train`); junk.endSetUp ends it,
   * and so does the event listener `listener` going (as accounts.analyzeInbox's does).
   */
  'junk.beginSetUp': z.object({ listener: listenerName.optional() }).strict(),
  /** Ends a set-up: its wanted mail is scored held-out and committed; answers the threshold in force. */
  'junk.endSetUp': z.object({ setUp: z.uuid() }).strict(),
  /** The app's preferences (desktop notifications of rejects, start at login). */
  'preferences.get': z.object({}).strict(),
  /** Start at login is refused, with the field named, where preferences.get reports it null. */
  'preferences.set': z.object({ notifications: z.boolean().optional(), startAtLogin: z.boolean().optional() }).strict(),
  /** Counts per day for the charts. */
  'stats.get': z.object({ days: z.number().int().min(1).max(3650).default(30) }).strict(),
  /** The daily backup (docs/backups.md): the newest, and the last failure when none was made since. */
  'backups.status': z.object({}).strict(),
} as const;

export type CommandName = keyof typeof commandParams;
export type CommandParams<C extends CommandName> = z.input<(typeof commandParams)[C]>;

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
