import { createServer, type Server, type Socket } from 'node:net';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { folderRoles, ImapError, probe, type Folder, type ImapEndpoint } from '../../src/imap/probe.ts';
import { startDovecot, type Dovecot } from '../helpers/dovecot.ts';

let dovecot: Dovecot;

beforeAll(async () => {
  dovecot = await startDovecot({ users: ['alice', 'bob'] });
});

afterAll(async () => {
  await dovecot?.stop();
});

function alice(overrides: Partial<ImapEndpoint> = {}): ImapEndpoint {
  const user = dovecot.users[0]!;
  return { host: dovecot.host, port: dovecot.imapPort, tls: 'plain', user: user.name, password: user.password, ...overrides };
}

async function probeError(endpoint: ImapEndpoint, timeoutMs?: number): Promise<ImapError> {
  const err: unknown = await probe(endpoint, timeoutMs ? { timeoutMs } : {}).then(
    () => new Error('probe succeeded'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImapError);
  return err as ImapError;
}

/** A fake IMAP server on a free port: `onConnection` gets each socket. */
async function fakeServer(onConnection: (socket: Socket, lines: string[]) => void): Promise<{ port: number; lines: string[]; server: Server }> {
  const lines: string[] = [];
  const server = createServer((socket) => {
    let buffer = '';
    socket.on('data', (d: Buffer) => {
      buffer += d.toString();
      let i;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        lines.push(buffer.slice(0, i));
        buffer = buffer.slice(i + 2);
        socket.emit('line', lines[lines.length - 1]);
      }
    });
    socket.on('error', () => {});
    onConnection(socket, lines);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, lines, server };
}

describe('probe against Dovecot', () => {
  it('logs in over plain IMAP and reads the capabilities', async () => {
    const result = await probe(alice());
    for (const cap of ['IDLE', 'MOVE', 'UIDPLUS', 'CONDSTORE', 'SPECIAL-USE']) expect(result.capabilities).toContain(cap);
    expect(result.server).toMatch(/dovecot/i);
  });

  it('lists folders with special-use and assigns roles', async () => {
    // Rejects and a \Archive mailbox (auto = no in the config) are created on demand.
    const user = dovecot.users[1]!;
    const client = new ImapFlow({
      host: dovecot.host, port: dovecot.imapPort, secure: false, doSTARTTLS: false, logger: false,
      auth: { user: user.name, pass: user.password },
    });
    await client.connect();
    await client.mailboxCreate('Rejects');
    await client.mailboxCreate('Archive');
    await client.logout();

    const result = await probe(alice({ user: user.name, password: user.password }));
    const byPath = new Map(result.folders.map((f) => [f.path, f]));
    expect([...byPath.keys()].sort()).toEqual(['Archive', 'Drafts', 'INBOX', 'Junk', 'Rejects', 'Sent', 'Trash']);
    expect(byPath.get('Junk')).toEqual({ path: 'Junk', name: 'Junk', delimiter: '/', specialUse: '\\Junk' });
    expect(byPath.get('Rejects')?.specialUse).toBeUndefined();
    expect(result.roles).toEqual({
      inbox: 'INBOX', rejects: 'Rejects', junk: 'Junk', sent: 'Sent', trash: 'Trash', archive: 'Archive', drafts: 'Drafts',
    });
  });

  it('implicit TLS works with the test certificate as CA', async () => {
    const result = await probe(alice({ port: dovecot.imapsPort, tls: 'implicit', ca: dovecot.certPem }));
    expect(result.capabilities).toContain('IDLE');
  });

  it('implicit TLS by host name localhost works too (certificate names localhost)', async () => {
    const result = await probe(alice({ host: 'localhost', port: dovecot.imapsPort, tls: 'implicit', ca: dovecot.certPem }));
    expect(result.roles.inbox).toBe('INBOX');
  });

  it('implicit TLS without the CA fails as tls, with the fix in the message', async () => {
    const err = await probeError(alice({ port: dovecot.imapsPort, tls: 'implicit' }));
    expect(err.kind).toBe('tls');
    expect(err.message).toContain("the server's TLS certificate is not trusted (self-signed certificate)");
    expect(err.message).toContain('--ca-file');
  });

  it('implicit TLS against the plain port fails as tls and suggests STARTTLS', async () => {
    const err = await probeError(alice({ tls: 'implicit', ca: dovecot.certPem }), 3_000);
    expect(err.kind).toBe('tls');
    expect(err.message).toBe(`the server at 127.0.0.1:${dovecot.imapPort} does not speak TLS from the first byte: is this a STARTTLS or plain port (like 143)? Then choose STARTTLS`);
  });

  it('plain mode against the implicit-TLS port times out and suggests implicit TLS', async () => {
    const err = await probeError(alice({ port: dovecot.imapsPort }), 500);
    expect(err.kind).toBe('timeout');
    expect(err.message).toBe(`no answer from 127.0.0.1:${dovecot.imapsPort} within 0.5 s: check the host, the port and any firewall: 127.0.0.1:${dovecot.imapsPort} answers in TLS from the first byte, so choose implicit TLS`);
  });

  it('STARTTLS on the plain port works with the CA', async () => {
    const result = await probe(alice({ tls: 'starttls', ca: dovecot.certPem }));
    expect(result.capabilities).toContain('MOVE');
  });

  it('STARTTLS without the CA fails as tls', async () => {
    const err = await probeError(alice({ tls: 'starttls' }));
    expect(err.kind).toBe('tls');
    expect(err.message).toContain('not trusted');
  });

  it('a wrong password is an auth error that does not repeat the password', async () => {
    const password = 'Secret-Wrong-Pw-4711';
    for (const endpoint of [alice({ password }), alice({ password, port: dovecot.imapsPort, tls: 'implicit', ca: dovecot.certPem })]) {
      const err = await probeError(endpoint);
      expect(err.kind).toBe('auth');
      expect(err.message).toBe(`wrong user name or password for alice at 127.0.0.1:${endpoint.port} (the server said: Authentication failed.)`);
      expect(err.message).not.toContain(password);
      expect(err.stack).not.toContain(password);
      expect(JSON.stringify(err)).not.toContain(password);
    }
  });

  it('a password that is a word of the message does not blank the message out', async () => {
    const err = await probeError(alice({ password: 'wrong' }));
    expect(err.message).toMatch(/^wrong user name or password for alice/);
  });

  it('an unknown user is an auth error too', async () => {
    const err = await probeError(alice({ user: 'mallory' }));
    expect(err.kind).toBe('auth');
  });

  it('an access token the server cannot use is an auth error that names OAuth2', async () => {
    const token = 'ya29.token-that-must-not-leak';
    const err = await probeError(alice({ password: undefined, accessToken: token }));
    expect(err.kind).toBe('auth');
    expect(err.message).toMatch(/OAuth2/);
    expect(err.message).not.toContain(token);
  });

  it('the helper restarts Dovecot on the same ports, keeping the mail', async () => {
    const before = await probe(alice());
    await dovecot.restart();
    const after = await probe(alice());
    expect(after.folders).toEqual(before.folders);
  });

  it('no password at all is an auth error before connecting', async () => {
    const err = await probeError(alice({ password: undefined }));
    expect(err.kind).toBe('auth');
    expect(err.message).toContain('no password');
  });
});

describe('probe failures without Dovecot', () => {
  it('a dead port is a network error', async () => {
    // Port 1 on loopback: nothing listens there (and binding it needs privileges nobody here uses).
    const err = await probeError({ host: '127.0.0.1', port: 1, tls: 'plain', user: 'alice', password: 'pw' });
    expect(err.kind).toBe('network');
    expect(err.message).toBe('cannot connect to 127.0.0.1:1: connection refused — is the server running and the port right?');
  });

  it('a server that never answers is a timeout', async () => {
    const fake = await fakeServer(() => {});
    try {
      const started = Date.now();
      const err = await probeError({ host: '127.0.0.1', port: fake.port, tls: 'plain', user: 'alice', password: 'pw' }, 500);
      expect(err.kind).toBe('timeout');
      expect(err.message).toMatch(new RegExp(`^no answer from 127\\.0\\.0\\.1:${fake.port} within 0\\.5 s`));
      // Silent to a TLS hello too: nothing says it is a TLS port, so no hint sends the user there.
      expect(err.message).not.toContain('TLS');
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      fake.server.close();
    }
  });

  it('a connection cut before the greeting says so, with no TLS hint when the port does not speak TLS', async () => {
    const fake = await fakeServer((socket) => socket.resetAndDestroy());
    try {
      const err = await probeError({ host: '127.0.0.1', port: fake.port, tls: 'plain', user: 'alice', password: 'pw' }, 2_000);
      expect(err.kind).toBe('network');
      expect(err.message).toBe(`the connection to 127.0.0.1:${fake.port} was closed`);
    } finally {
      fake.server.close();
    }
  });

  it('starttls mode against a server without STARTTLS fails and never sends the login', async () => {
    const password = 'pw-never-sent-in-clear';
    const fake = await fakeServer((socket) => {
      socket.write('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN ID] fake ready\r\n');
      socket.on('line', (line: string) => {
        const [tag, command = ''] = line.split(' ');
        if (command.toUpperCase() === 'CAPABILITY') socket.write(`* CAPABILITY IMAP4rev1 AUTH=PLAIN ID\r\n${tag} OK done\r\n`);
        else if (command.toUpperCase() === 'LOGOUT') socket.end(`* BYE\r\n${tag} OK bye\r\n`);
        else socket.write(`${tag} NO not here\r\n`);
      });
    });
    try {
      const err = await probeError({ host: '127.0.0.1', port: fake.port, tls: 'starttls', user: 'alice', password });
      expect(err.kind).toBe('tls');
      expect(err.message).toContain('does not offer STARTTLS');
      const sent = fake.lines.join('\n');
      expect(sent).not.toMatch(/LOGIN|AUTHENTICATE/i);
      expect(sent).not.toContain(password);
    } finally {
      fake.server.close();
    }
  });
});

describe('folderRoles', () => {
  const folder = (path: string, specialUse?: string, delimiter = '/'): Folder => ({
    path, name: path.split(delimiter).pop()!, delimiter, ...(specialUse ? { specialUse } : {}),
  });

  it('always has INBOX, even with no folders listed', () => {
    expect(folderRoles([])).toEqual({ inbox: 'INBOX' });
  });

  it('takes roles from special-use first', () => {
    const roles = folderRoles([
      folder('INBOX'), folder('Spam'), folder('Bulk', '\\Junk'), folder('Gesendet', '\\Sent'),
      folder('Papierkorb', '\\Trash'), folder('Alt', '\\Archive'), folder('Entwürfe', '\\Drafts'),
    ]);
    expect(roles).toEqual({ inbox: 'INBOX', junk: 'Bulk', sent: 'Gesendet', trash: 'Papierkorb', archive: 'Alt', drafts: 'Entwürfe' });
  });

  it('falls back to common names, case-insensitively', () => {
    expect(folderRoles([folder('INBOX'), folder('junk e-mail'), folder('Sent Items'), folder('Deleted Items'), folder('ARCHIVE'), folder('rejects')])).toEqual({
      inbox: 'INBOX', junk: 'junk e-mail', sent: 'Sent Items', trash: 'Deleted Items', archive: 'ARCHIVE', rejects: 'rejects',
    });
    expect(folderRoles([folder('Spam'), folder('Sent Messages'), folder('Trash')])).toMatchObject({ junk: 'Spam', sent: 'Sent Messages', trash: 'Trash' });
  });

  it('prefers Junk over Spam, and a top-level folder (or one below INBOX) over a deeper one', () => {
    expect(folderRoles([folder('Spam'), folder('Junk')]).junk).toBe('Junk');
    expect(folderRoles([folder('Old/Junk'), folder('INBOX.Junk', undefined, '.')]).junk).toBe('INBOX.Junk');
  });

  it('has no rejects role without a Rejects folder, and never guesses it from special-use', () => {
    expect(folderRoles([folder('INBOX'), folder('Junk', '\\Junk')]).rejects).toBeUndefined();
  });

  it('lets overrides win', () => {
    const roles = folderRoles([folder('INBOX'), folder('Junk', '\\Junk'), folder('Rejects')], { junk: 'Spam', rejects: 'Warden/Rejects' });
    expect(roles).toEqual({ inbox: 'INBOX', junk: 'Spam', rejects: 'Warden/Rejects' });
  });
});
