import type { TlsMode } from '../imap/probe.ts';
import type { OAuthServer } from '../oauth/client.ts';

/**
 * Presets of the common mail providers: their IMAP server, how one signs in there, and what
 * Warden should know of their mail. Folder roles are not in them: these servers all mark their
 * folders with special-use attributes (RFC 6154), which name them in the user's language too
 * (Gmail's `[Gmail]/Spam` is \Junk, or `[Google Mail]/Spam` in some countries), and bootstrap
 * skips the folders that show mail again (Gmail's `[Gmail]/All Mail` is \All, `[Gmail]/Important`
 * is \Important).
 */
export interface ProviderPreset {
  id: ProviderId;
  name: string;
  /** The domains of the provider's own addresses, to suggest the preset from an address. */
  domains: string[];
  host: string;
  port: number;
  tls: TlsMode;
  /** How the provider lets an IMAP client in. */
  signIn: 'oauth2' | 'password';
  /** How to sign in there, in words. */
  help: string;
  oauth?: OAuthPreset;
  /** Host-name suffixes of the servers that receive mail there (docs/analysis.md 1.3). */
  providerHosts: string[];
}

export interface OAuthPreset {
  /** Whose account one signs in with: "Sign in with Google". */
  account: string;
  server: OAuthServer;
  scope: string;
  params?: Record<string, string>;
  /** The environment variables that give the app registered with the provider (README: Register a sign-in app). */
  env: { clientId: string; clientSecret?: string };
  /** Where an app is registered with the provider. */
  register: string;
}

export type ProviderId = 'gmail' | 'microsoft' | 'fastmail' | 'icloud' | 'yahoo';

export const PROVIDERS: readonly ProviderPreset[] = [
  {
    id: 'gmail',
    name: 'Gmail',
    domains: ['gmail.com', 'googlemail.com'],
    host: 'imap.gmail.com',
    port: 993,
    tls: 'implicit',
    signIn: 'oauth2',
    help: 'Sign in with Google in your browser. Moving a message out of INBOX takes the Inbox label off, as in Gmail itself.',
    oauth: {
      account: 'Google',
      server: { issuer: 'https://accounts.google.com', authorizationEndpoint: 'https://accounts.google.com/o/oauth2/v2/auth', tokenEndpoint: 'https://oauth2.googleapis.com/token' },
      // The only scope Google gives IMAP access with.
      scope: 'https://mail.google.com/',
      // A refresh token only with offline access, and again on a new sign-in only with consent.
      params: { access_type: 'offline', prompt: 'consent' },
      env: { clientId: 'WARDEN_GMAIL_CLIENT_ID', clientSecret: 'WARDEN_GMAIL_CLIENT_SECRET' },
      register: 'https://console.cloud.google.com/apis/credentials',
    },
    providerHosts: ['google.com'],
  },
  {
    id: 'microsoft',
    name: 'Outlook.com / Microsoft 365',
    domains: ['outlook.com', 'hotmail.com', 'live.com', 'msn.com'],
    host: 'outlook.office365.com',
    port: 993,
    tls: 'implicit',
    signIn: 'oauth2',
    help: 'Sign in with Microsoft in your browser; Microsoft refuses passwords over IMAP.',
    oauth: {
      account: 'Microsoft',
      // `common`: personal accounts and every organisation's.
      server: {
        issuer: 'https://login.microsoftonline.com/common/v2.0',
        authorizationEndpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
        tokenEndpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
      },
      scope: 'https://outlook.office.com/IMAP.AccessAsUser.All offline_access',
      env: { clientId: 'WARDEN_MICROSOFT_CLIENT_ID' },
      register: 'https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationsListBlade',
    },
    providerHosts: ['outlook.com'],
  },
  {
    id: 'fastmail',
    name: 'Fastmail',
    domains: ['fastmail.com', 'fastmail.fm'],
    host: 'imap.fastmail.com',
    port: 993,
    tls: 'implicit',
    signIn: 'password',
    help: "Use an app password made in Fastmail's settings (Privacy & Security, Integrations), not your login password.",
    providerHosts: ['messagingengine.com'],
  },
  {
    id: 'icloud',
    name: 'iCloud Mail',
    domains: ['icloud.com', 'me.com', 'mac.com'],
    host: 'imap.mail.me.com',
    port: 993,
    tls: 'implicit',
    signIn: 'password',
    help: 'Use an app-specific password made at account.apple.com (Sign-In and Security); the user name is your address without @icloud.com.',
    providerHosts: ['icloud.com'],
  },
  {
    id: 'yahoo',
    name: 'Yahoo Mail',
    domains: ['yahoo.com', 'ymail.com'],
    host: 'imap.mail.yahoo.com',
    port: 993,
    tls: 'implicit',
    signIn: 'password',
    help: "Use an app password made in Yahoo's account security settings (Generate app password).",
    providerHosts: ['yahoo.com'],
  },
];

export function preset(id: string): ProviderPreset | undefined {
  return PROVIDERS.find((p) => p.id === id);
}

/** The preset for an address's domain, when there is one. */
export function presetForAddress(address: string): ProviderPreset | undefined {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  return PROVIDERS.find((p) => p.domains.includes(domain));
}

/**
 * The app registered with the provider to sign in with: given by the user, else from the
 * environment. Warden has no app of its own registered with Google or Microsoft yet, so there is
 * no built-in default: the README's "Register a sign-in app" says how to make one.
 */
/** Why a preset cannot sign in yet, with where to register an app and how to give its ID (`how`), or undefined when it can. */
export function clientMissing(p: ProviderPreset, how: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!p.oauth || presetClient(p, env)) return undefined;
  return `Warden has no ${p.name} sign-in app of its own yet: register one (README: Register a sign-in app, at ${p.oauth.register}) and give its client ID ${how}, or set ${p.oauth.env.clientId}`;
}

export function presetClient(p: ProviderPreset, env: NodeJS.ProcessEnv = process.env): { clientId: string; clientSecret?: string } | undefined {
  if (!p.oauth) return undefined;
  const clientId = env[p.oauth.env.clientId];
  if (!clientId) return undefined;
  const clientSecret = p.oauth.env.clientSecret ? env[p.oauth.env.clientSecret] : undefined;
  return { clientId, ...(clientSecret && { clientSecret }) };
}
