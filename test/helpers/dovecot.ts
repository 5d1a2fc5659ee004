import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/**
 * A throw-away Dovecot for tests (infra.md section 1): one instance per suite, in its own temp dir,
 * on free loopback ports, with a config generated here (nothing is read from /etc/dovecot) and a
 * self-signed certificate for localhost/127.0.0.1 made at start. Works as root (mail processes run
 * as nobody) and as a normal user (everything runs as that user).
 *
 * The namespace has the special-use mailboxes Drafts, Junk, Sent and Trash (auto-subscribed, so
 * they exist from the first login) and Archive (\Archive, created only on demand).
 */

export const DOVECOT = process.env.DOVECOT ?? 'dovecot';
const OPENSSL = process.env.OPENSSL ?? 'openssl';

export interface DovecotUser {
  name: string;
  password: string;
}

export interface Dovecot {
  host: '127.0.0.1';
  /** Plain IMAP, offering STARTTLS. */
  imapPort: number;
  /** Implicit TLS. */
  imapsPort: number;
  /** The self-signed certificate of both listeners (CN and SAN localhost, SAN IP 127.0.0.1): the CA to trust. */
  certPem: string;
  users: DovecotUser[];
  /** The instance dir: config, log, users, mail. */
  dir: string;
  /** The tail of dovecot.log. */
  log(lines?: number): string;
  /** Stops Dovecot and removes the dir. */
  stop(): Promise<void>;
  /**
   * Stops and starts Dovecot again on the same ports and dir: mail is kept, every session is
   * ended (BYE). `whileStopped` runs in between (to change the mail store behind Dovecot's back).
   */
  restart(whileStopped?: () => void): Promise<void>;
}

export interface DovecotOptions {
  /** User names; each gets a random password. Default: alice and bob. */
  users?: string[];
  /**
   * OAuth2 logins (XOAUTH2, OAUTHBEARER) beside the passwords: tokens checked at this RFC 7662
   * introspection endpoint, with the Basic credentials in its userinfo (oauth.md recipe). The
   * token's `sub` must be the user name, and its scope must hold `scope`.
   */
  oauth2?: { introspectionUrl: string; scope: string };
  /**
   * The special-use mailboxes, by path, with their attribute (RFC 6154, RFC 8457), instead of
   * the default Drafts, Junk, Sent, Trash and Archive: another server's layout (Gmail's).
   */
  mailboxes?: Record<string, string>;
  /**
   * Advertise no CONDSTORE (nor QRESYNC, which implies it) after login, like servers that keep
   * no MODSEQs: clients then never enable it (RFC 7162 section 3.1).
   */
  withoutCondstore?: boolean;
}

/** Dovecot 2.3's capabilities after login, less CONDSTORE and QRESYNC (DovecotOptions.withoutCondstore). */
const CAPABILITIES_WITHOUT_CONDSTORE =
  'IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT ' +
  'MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 ESEARCH ESORT SEARCHRES ' +
  'WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE';

/** Child processes still running, killed if the test process exits without stopping them. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

export async function startDovecot(options: DovecotOptions = {}): Promise<Dovecot> {
  const isRoot = process.getuid?.() === 0;
  // mkdtemp makes the dir 0700; as root, auth runs as 'dovecot' and mail as 'nobody': both must traverse it.
  const dir = mkdtempSync(join(tmpdir(), 'warden-dovecot-'));
  chmodSync(dir, 0o755);
  try {
    if (isRoot) checkTraversable(dir);
    for (const sub of ['run', 'state', 'mail', 'tls']) mkdirSync(join(dir, sub), { recursive: true, mode: 0o755 });
    const certPem = makeCertificate(dir);
    const ids = identities(isRoot);
    const users = (options.users ?? ['alice', 'bob']).map((name) => ({ name, password: `${name}-${randomBytes(6).toString('hex')}` }));
    writeFileSync(
      join(dir, 'users'),
      users.map((u) => `${u.name}:{PLAIN}${u.password}:${ids.mailUid}:${ids.mailGid}::${join(dir, 'mail', u.name)}::\n`).join(''),
    );
    if (isRoot) chownRecursive(join(dir, 'mail'), ids.mailUid, ids.mailGid);

    let lastError: Error | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      const imapPort = await freeTcpPort();
      const imapsPort = await freeTcpPort();
      if (imapPort === imapsPort) continue;
      if (options.oauth2) writeOAuth2Config(dir, options.oauth2, isRoot);
      writeFileSync(join(dir, 'dovecot.conf'), config(dir, imapPort, imapsPort, ids, options));
      try {
        let instance = await launch(dir, imapPort, imapsPort);
        const stop = async () => {
          await instance.stop();
          rmSync(dir, { recursive: true, force: true });
        };
        const restart = async (whileStopped?: () => void) => {
          await instance.stop();
          whileStopped?.();
          instance = await launch(dir, imapPort, imapsPort);
        };
        return { host: '127.0.0.1', imapPort, imapsPort, certPem, users, dir, log: (n) => logTail(dir, n), stop, restart };
      } catch (err) {
        lastError = err as Error;
        // A port taken between picking and binding it: try other ports. Anything else is final.
        if (!/address already in use/i.test(lastError.message)) break;
      }
    }
    throw lastError ?? new Error('dovecot did not start');
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

interface Identities {
  mailUid: number;
  mailGid: number;
  internalUser: string;
  internalGroup: string;
  loginUser: string;
}

/** Dovecot never runs a mail process as uid 0: as root the mail user is nobody, otherwise the current user. */
function identities(isRoot: boolean): Identities {
  if (isRoot) {
    const nobody = idOf('nobody');
    return { mailUid: nobody.uid, mailGid: nobody.gid, internalUser: 'dovecot', internalGroup: 'dovecot', loginUser: 'dovenull' };
  }
  const me = userInfo();
  const group = execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim();
  return { mailUid: me.uid, mailGid: me.gid, internalUser: me.username, internalGroup: group, loginUser: me.username };
}

function idOf(user: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

function checkTraversable(dir: string): void {
  try {
    execFileSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'test', '-x', dir], { stdio: 'ignore' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // no setpriv: Dovecot's log will tell
    throw new Error(`startDovecot: ${dir} is not reachable by uid nobody (a parent dir lacks o+x); set TMPDIR to another dir`, { cause: err });
  }
}

function chownRecursive(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) chownRecursive(child, uid, gid);
    else chownSync(child, uid, gid);
  }
}

function makeCertificate(dir: string): string {
  const cert = join(dir, 'tls', 'cert.pem');
  const key = join(dir, 'tls', 'key.pem');
  try {
    execFileSync(
      OPENSSL,
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`startDovecot: openssl could not make the test certificate: ${stderr || (err as Error).message}`, { cause: err });
  }
  return readFileSync(cert, 'utf8');
}

const DEFAULT_MAILBOXES = `  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Junk {
    special_use = \\Junk
    auto = subscribe
  }
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
  mailbox Archive {
    special_use = \\Archive
    auto = no
  }
`;

/** The oauth2 passdb's settings: they hold the introspection secret, so only the auth process reads them. */
function writeOAuth2Config(dir: string, oauth2: NonNullable<DovecotOptions['oauth2']>, isRoot: boolean): void {
  const path = join(dir, 'oauth2.conf.ext');
  writeFileSync(
    path,
    `introspection_mode = post
introspection_url = ${oauth2.introspectionUrl}
username_attribute = sub
active_attribute = active
active_value = true
scope = ${oauth2.scope}
timeout_msecs = 5000
`,
    { mode: 0o600 },
  );
  // As root, auth runs as the dovecot user.
  if (isRoot) {
    chownSync(path, 0, Number(execFileSync('id', ['-g', 'dovecot'], { encoding: 'utf8' }).trim()));
    chmodSync(path, 0o640);
  }
}

function config(dir: string, imapPort: number, imapsPort: number, ids: Identities, options: DovecotOptions): string {
  const oauth2 = options.oauth2
    ? `passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = ${dir}/oauth2.conf.ext
}
`
    : '';
  const mailboxes = options.mailboxes
    ? Object.entries(options.mailboxes)
        .map(([path, use]) => `  mailbox "${path}" {\n    special_use = ${use}\n    auto = subscribe\n  }\n`)
        .join('')
    : DEFAULT_MAILBOXES;
  return `# --- throw-away test instance, nothing from /etc/dovecot is read ---
instance_name = warden-test-${imapPort}
base_dir = ${dir}/run
state_dir = ${dir}/state
protocols = imap
listen = 127.0.0.1
log_path = ${dir}/dovecot.log
default_internal_user = ${ids.internalUser}
default_internal_group = ${ids.internalGroup}
default_login_user = ${ids.loginUser}

disable_plaintext_auth = no
auth_mechanisms = plain login${options.oauth2 ? ' xoauth2 oauthbearer' : ''}
# a wrong password is answered at once (default: 2 s), so auth tests stay fast
auth_failure_delay = 0
passdb {
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u ${dir}/users
}
${oauth2}
userdb {
  driver = passwd-file
  args = username_format=%u ${dir}/users
}

mail_location = maildir:~/Maildir
mail_fsync = never
first_valid_uid = 1
mail_max_userip_connections = 50
${options.withoutCondstore ? `imap_capability = ${CAPABILITIES_WITHOUT_CONDSTORE}\n` : ''}
namespace inbox {
  inbox = yes
  separator = /
${mailboxes}}

ssl = yes
ssl_cert = <${dir}/tls/cert.pem
ssl_key = <${dir}/tls/key.pem

service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${imapPort}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${imapsPort}
    ssl = yes
  }
  chroot =
}
# no chroot, so the same config also runs as a non-root user
service anvil {
  chroot =
  # no auth penalty (a growing delay after each failed login from an IP, up to 15 s): tests fail logins on purpose
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
`;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.setTimeout(500, () => done(false));
  });
}

function logTail(dir: string, lines = 30): string {
  const parts: string[] = [];
  for (const file of ['dovecot.stdout', 'dovecot.log']) {
    const path = join(dir, file);
    if (!existsSync(path)) continue;
    const text = readFileSync(path, 'utf8').trim();
    if (text) parts.push(text.split('\n').slice(-lines).join('\n'));
  }
  return parts.join('\n') || '(dovecot wrote no log)';
}

interface Instance {
  stop(): Promise<void>;
}

async function launch(dir: string, imapPort: number, imapsPort: number): Promise<Instance> {
  const child = spawn(DOVECOT, ['-F', '-c', join(dir, 'dovecot.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of running) c.kill('SIGKILL');
    });
  }
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = signal ?? String(code);
      running.delete(child);
      resolve();
    });
    child.once('error', (err) => {
      exited = String(err);
      running.delete(child);
      resolve();
    });
  });
  const startedAt = Date.now();

  const stop = async () => {
    if (exited !== undefined) return;
    // SIGTERM within a few ms of start takes Dovecot 6 s (stats-writer handshake, infra.md): give it a moment.
    const age = Date.now() - startedAt;
    if (age < 400) await sleep(400 - age);
    // Dovecot 2.3.19's master exits on SIGTERM and leaves the imap processes of logged-in
    // clients running, shutdown_clients = yes notwithstanding: their sessions would outlive a
    // restart. They are its children until then; they get the SIGTERM it should have sent, and
    // end their sessions with BYE.
    const sessions = childrenOf(child.pid!);
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exit;
    clearTimeout(timer);
    await terminate(sessions);
  };

  const failure = (why: string) => {
    writeFileSync(join(dir, 'dovecot.stdout'), output, { flag: 'a' });
    return new Error(`dovecot ${why}; the end of its log:\n${logTail(dir)}`);
  };

  for (;;) {
    if (exited !== undefined) throw failure(`exited (${exited}) before opening port ${imapPort}`);
    if ((await canConnect(imapPort)) && (await canConnect(imapsPort))) break;
    if (Date.now() - startedAt > 10_000) {
      await stop();
      throw failure(`did not open ports ${imapPort} and ${imapsPort} within 10 s`);
    }
    await sleep(20);
  }
  return { stop };
}

interface Process {
  pid: number;
  /** Start time in clock ticks since boot: with the pid, names the process even if the pid is reused. */
  start: string;
}

/** The processes whose parent is `pid` (Linux /proc; none elsewhere). */
function childrenOf(pid: number): Process[] {
  if (!existsSync('/proc')) return [];
  const children: Process[] = [];
  for (const name of readdirSync('/proc')) {
    const stat = /^\d+$/.test(name) ? processStat(Number(name)) : undefined;
    if (stat?.ppid === pid) children.push({ pid: Number(name), start: stat.start });
  }
  return children;
}

/** A process's state letter, parent and start time, from /proc/PID/stat (proc(5)); undefined when it is gone. */
function processStat(pid: number): { state: string; ppid: number; start: string } | undefined {
  try {
    // pid (comm) state ppid ... starttime (field 22): comm may hold spaces and parentheses, so split after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, ppid: Number(fields[1]), start: fields[19]! };
  } catch {
    return undefined;
  }
}

/** SIGTERM to each process, and SIGKILL to those still running 5 s later. A zombie (Z) has ended. */
async function terminate(processes: Process[]): Promise<void> {
  const running = () =>
    processes.filter((p) => {
      const stat = processStat(p.pid);
      return stat !== undefined && stat.start === p.start && stat.state !== 'Z';
    });
  const signal = (name: NodeJS.Signals) => {
    for (const { pid } of running()) {
      try {
        process.kill(pid, name);
      } catch {
        // ended meanwhile
      }
    }
  };
  signal('SIGTERM');
  for (const since = Date.now(); running().length > 0; await sleep(10)) {
    if (Date.now() - since > 5_000) {
      signal('SIGKILL');
      return;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
