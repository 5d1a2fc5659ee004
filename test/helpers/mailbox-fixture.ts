import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { startDovecot, type Dovecot, type DovecotOptions } from './dovecot.ts';
import { syntheticMessage, type Kind, type MessageOptions } from './synthetic-mail.ts';
import { runWarden } from './warden.ts';

/**
 * A mailbox to run the engine against: a throw-away Dovecot with user alice, a data dir whose
 * content filter is trained (50 ham and 20 spam synthetic messages, so it is significant, unless
 * `untrained`), the
 * account `home` added in observe mode, and the test's own IMAP client: the "other mail
 * client" that delivers and moves mail.
 */
export interface MailboxFixture {
  dir: string;
  data: string;
  dovecot: Dovecot;
  client: ImapFlow;
  /** The environment `warden` needs to log in as the account. */
  env: NodeJS.ProcessEnv;
  /** Appends a synthetic message to INBOX; returns its subject. */
  append(kind: Kind, options?: MessageOptions): Promise<string>;
  /** The subjects in a mailbox, with " [seen]" on those marked seen. */
  subjects(mailbox: string): Promise<string[]>;
  /** Moves messages (a UID set) as the user would in another client. */
  move(from: string, uids: string, to: string): Promise<void>;
  /** Connects the test's client again (after a server restart). */
  reconnect(): Promise<void>;
  close(): Promise<void>;
}

/**
 * `oauth2`: Dovecot also takes OAuth2 logins, checked at that authorization server (dovecot.ts).
 * `untrained`: the content filter starts empty, as on a new install.
 */
export async function startMailboxFixture(prefix: string, options: Pick<DovecotOptions, 'oauth2'> & { untrained?: true } = {}): Promise<MailboxFixture> {
  const dir = mkdtempSync(join(tmpdir(), `warden-${prefix}-`));
  const data = join(dir, 'data');
  const { untrained, ...dovecotOptions } = options;
  const dovecot = await startDovecot({ users: ['alice'], ...dovecotOptions });
  const alice = dovecot.users[0]!;
  const env = { HOME_PASSWORD: alice.password };
  if (!untrained) {
    for (const kind of ['ham', 'spam'] as const) {
      mkdirSync(join(dir, kind));
      for (let i = 0; i < (kind === 'ham' ? 50 : 20); i++) writeFileSync(join(dir, kind, `${i}.eml`), syntheticMessage(kind, i));
    }
    const trained = runWarden(['--data-dir', data, 'junk', 'train', '--ham', join(dir, 'ham'), '--spam', join(dir, 'spam')]);
    if (trained.status !== 0) throw new Error(`training failed: ${trained.stderr}`);
  }
  const args = ['--host', dovecot.host, '--port', String(dovecot.imapPort), '--tls', 'plain', '--allow-plain', '--user', alice.name, '--password-env', 'HOME_PASSWORD'];
  const added = runWarden(['--data-dir', data, 'account', 'add', 'home', ...args], { env });
  if (added.status !== 0) throw new Error(`account add failed: ${added.stderr}`);

  const connect = async () => {
    const c = new ImapFlow({ host: dovecot.host, port: dovecot.imapPort, secure: false, doSTARTTLS: false, auth: { user: alice.name, pass: alice.password }, logger: false });
    c.on('error', () => {});
    await c.connect();
    return c;
  };
  let serial = 1000;
  const fixture: MailboxFixture = {
    dir,
    data,
    dovecot,
    client: await connect(),
    env,
    async append(kind, options) {
      const raw = syntheticMessage(kind, ++serial, options);
      await fixture.client.append('INBOX', raw.replace(/\n/g, '\r\n'));
      return raw.match(/^Subject: (.*)$/m)![1]!;
    },
    async subjects(mailbox) {
      // On a connection of its own: a long-lived session's view of a folder another process
      // created can lag behind what is on disk.
      const c = await connect();
      try {
        // A mailbox not there yet has no mail.
        if (!(await c.list()).some((m) => m.path === mailbox)) return [];
        const lock = await c.getMailboxLock(mailbox);
        try {
          const found: string[] = [];
          if (c.mailbox && c.mailbox.exists === 0) return found;
          for await (const m of c.fetch('1:*', { envelope: true, flags: true })) {
            found.push(`${m.envelope?.subject ?? ''}${m.flags?.has('\\Seen') ? ' [seen]' : ''}`);
          }
          return found;
        } finally {
          lock.release();
        }
      } finally {
        await c.logout().catch(() => {});
      }
    },
    async move(from, uids, to) {
      const lock = await fixture.client.getMailboxLock(from);
      try {
        await fixture.client.messageMove(uids, to, { uid: true });
      } finally {
        lock.release();
      }
    },
    async reconnect() {
      fixture.client = await connect();
    },
    async close() {
      await fixture.client.logout().catch(() => {});
      await dovecot.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}
