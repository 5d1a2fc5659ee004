/** Servers and sign-in of common providers, for the account form (README: Connect your mailbox). */
export interface Provider {
  id: string;
  name: string;
  host: string;
  port: number;
  tls: 'implicit' | 'starttls' | 'plain';
  /** How to sign in there, in words. */
  help: string;
}

export const PROVIDERS: Provider[] = [
  { id: 'fastmail', name: 'Fastmail', host: 'imap.fastmail.com', port: 993, tls: 'implicit', help: "Use an app password made in Fastmail's settings, not your login password." },
  { id: 'gmail', name: 'Gmail', host: 'imap.gmail.com', port: 993, tls: 'implicit', help: 'Use an app password (needs 2-Step Verification). Sign-in with Google is coming.' },
  { id: 'icloud', name: 'iCloud Mail', host: 'imap.mail.me.com', port: 993, tls: 'implicit', help: 'Use an app-specific password from your Apple account settings.' },
  { id: 'yahoo', name: 'Yahoo Mail', host: 'imap.mail.yahoo.com', port: 993, tls: 'implicit', help: "Use an app password from Yahoo's account security settings." },
  { id: 'outlook', name: 'Outlook.com / Microsoft 365', host: 'outlook.office365.com', port: 993, tls: 'implicit', help: 'Microsoft accepts only OAuth2 sign-in over IMAP, which is coming; a password will be refused.' },
  { id: 'other', name: 'Another server', host: '', port: 993, tls: 'implicit', help: 'Your server, port and security, as your mail program uses them.' },
];
