import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Api } from '../../src/api/api.ts';
import type { ApiEvent, ProviderView } from '../../src/api/contract.ts';
import { serve, type Served } from '../../src/api/serve.ts';
import { startDnsmasq, type Dnsmasq } from '../helpers/dnsmasq.ts';
import { startMailboxFixture, type MailboxFixture } from '../helpers/mailbox-fixture.ts';
import { dkimKeyRecord, providerMessage } from '../helpers/provider-mail.ts';
import { runWarden, runWardenAsync } from '../helpers/warden.ts';
import { SPAM_WORDS } from '../helpers/synthetic-mail.ts';

/**
 * The API over HTTP and WebSocket (warden serve), driving the real engine against a real
 * Dovecot: what the UI does, without the UI.
 */

/** A sender whose mail authenticates: SPF, DKIM and DMARC pass, served by dnsmasq. */
const SENDER = { ip: '198.51.100.30', ehlo: 'mx.deals.test', from: 'winner@deals.test' };
const SPAMMY = `${SPAM_WORDS.join(' ')}.\r\n${SPAM_WORDS.slice(0, 10).join(' ')}.\r\n`;

let f: MailboxFixture;
let dns: Dnsmasq;
let api: Api;
let served: Served;
let base: string;
let token: string;
let socket: WebSocket;
const events: ApiEvent[] = [];
const waiting: { test: (e: ApiEvent) => boolean; resolve: (e: ApiEvent) => void }[] = [];

beforeAll(async () => {
  f = await startMailboxFixture('api');
  process.env.HOME_PASSWORD = f.env.HOME_PASSWORD;
  const ui = join(f.dir, 'ui');
  mkdirSync(ui);
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>Warden</title>');
  dns = await startDnsmasq({
    hosts: [{ name: SENDER.ehlo, ips: [SENDER.ip] }],
    txts: [{ name: 'deals.test', value: 'v=spf1 ip4:198.51.100.0/24 -all' }, { name: '_dmarc.deals.test', value: 'v=DMARC1; p=none' }, dkimKeyRecord('deals.test')],
  });
  api = await Api.open(f.data, { dnsServers: [dns.server] });
  served = await serve(api, { staticDir: ui });
  base = `http://127.0.0.1:${served.port}`;
  token = new URL(served.url).hash.replace('#token=', '');
  socket = new WebSocket(`ws://127.0.0.1:${served.port}/events?token=${token}`);
  socket.addEventListener('message', (m) => {
    const event = JSON.parse(String(m.data)) as ApiEvent;
    events.push(event);
    const i = waiting.findIndex((w) => w.test(event));
    if (i >= 0) waiting.splice(i, 1)[0]!.resolve(event);
  });
  await new Promise((resolve) => socket.addEventListener('open', resolve, { once: true }));
  // Watching starts once INBOX's first look is taken: mail appended before is left alone.
  const started = next((e) => e.kind === 'started');
  api.start();
  await started;
});

afterAll(async () => {
  socket?.close();
  await served?.close();
  await api?.close();
  delete process.env.HOME_PASSWORD;
  await dns?.stop();
  await f?.close();
});

/** The next event passing `test`, from now on. */
function next(test: (e: ApiEvent) => boolean, seconds = 20): Promise<ApiEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no event ${test.toString()} within ${seconds} s; events: ${JSON.stringify(events.map((e) => e.kind))}`)), seconds * 1000);
    waiting.push({ test, resolve: (e) => (clearTimeout(timer), resolve(e)) });
  });
}

async function call(command: string, params: unknown = {}, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}/api/${command}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify(params),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function result<T = Record<string, unknown>>(command: string, params: unknown = {}): Promise<T> {
  const { status, body } = await call(command, params);
  expect(body, JSON.stringify(body)).toMatchObject({ ok: true });
  expect(status).toBe(200);
  return body.result as T;
}

function arrivalOf(subject: string): (e: ApiEvent) => boolean {
  return (e) => e.kind === 'arrival' && e.arrival.subject === subject;
}

describe('warden serve', () => {
  it('refuses requests without the token, from other sites, or to another host name', async () => {
    expect((await call('accounts.list', {}, { Authorization: '' })).status).toBe(401);
    expect((await call('accounts.list', {}, { Authorization: `Bearer ${token}x` })).status).toBe(401);
    expect((await call('accounts.list', {}, { Origin: 'https://evil.example' })).status).toBe(403);
    // fetch() does not let a page set Host; a rebound DNS name is what sends another one.
    const rebound = await new Promise<number>((resolve, reject) => {
      request({ host: '127.0.0.1', port: served.port, path: '/', headers: { Host: `evil.example:${served.port}` } }, (res) => resolve(res.statusCode!))
        .on('error', reject)
        .end();
    });
    expect(rebound).toBe(421);
    const ws = new WebSocket(`ws://127.0.0.1:${served.port}/events?token=wrong`);
    const outcome = await new Promise((resolve) => {
      ws.addEventListener('open', () => resolve('open'));
      ws.addEventListener('error', () => resolve('refused'));
    });
    expect(outcome).toBe('refused');
  });

  it('serves the UI with a strict content security policy, and nothing outside its folder', async () => {
    const page = await fetch(`${base}/activity`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Warden</title>');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'; script-src 'self'/);
    const escape = await fetch(`${base}/%2e%2e/%2e%2e/etc/passwd`);
    expect(await escape.text()).not.toContain('root:');
    // Malformed escapes are answered, and the server goes on.
    expect((await fetch(`${base}/%E0%A4%A`)).status).toBe(400);
    expect((await call('accounts.list%E0%A4%A')).status).toBe(400);
    expect((await fetch(`${base}/`)).status).toBe(200);
  });

  it('answers a request larger than 1 MB with 413, not a reset connection, and goes on serving', async () => {
    const big = { filler: 'x'.repeat(2 * 1024 * 1024) };
    const sized = await call('stats.get', big);
    expect(sized.status).toBe(413);
    expect(sized.body).toEqual({ ok: false, error: 'the request is larger than 1048576 bytes, the most the API takes' });
    // Without a Content-Length (chunked), found as it arrives.
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(JSON.stringify(big)));
        controller.close();
      },
    });
    const chunked = await fetch(`${base}/api/stats.get`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body, duplex: 'half' });
    expect(chunked.status).toBe(413);
    expect(await result('stats.get')).toBeDefined();
  });

  it('names the field at fault in invalid parameters, and unknown commands', async () => {
    expect(await call('decisions.list', { limit: 5000 })).toMatchObject({ status: 400, body: { ok: false, field: 'limit' } });
    expect(await call('settings.set', { changes: { jitter: 'lots' } })).toMatchObject({ status: 400, body: { ok: false, error: expect.stringMatching(/jitter/), field: 'changes.jitter' } });
    expect(await call('settings.set', { changes: { dnsblZones: ['ok.example', 5] } })).toMatchObject({ status: 400, body: { ok: false, field: 'changes.dnsblZones.1' } });
    expect(await call('settings.set', { changes: { dnsblZones: ['ok.example', 'http://bl.example/'] } })).toMatchObject({
      status: 400,
      body: { ok: false, error: expect.stringMatching(/dnsblZones\.1: "http:\/\/bl\.example\/" is not a DNS name: it is a URL/), field: 'changes.dnsblZones.1' },
    });
    expect(await result('settings.get')).toMatchObject({ dnsblZones: [] });
    expect(await call('preferences.set', { notifications: 'yes' })).toMatchObject({ status: 400, body: { ok: false, field: 'notifications' } });
    // Headless: no desktop app to start at login.
    expect(await result('preferences.get')).toEqual({ notifications: true, startAtLogin: null });
    expect(await call('preferences.set', { startAtLogin: true })).toMatchObject({
      status: 400,
      body: { ok: false, error: expect.stringMatching(/^startAtLogin: Warden cannot start at login from here/), field: 'startAtLogin' },
    });
    expect(await call('filter.set', { threshold: 1.5 })).toMatchObject({ status: 400, body: { ok: false, field: 'threshold' } });
    // A misspelt or missing field, named in plain words; a date that is no day of the calendar.
    expect(await call('filter.set', { treshold: 0.9 })).toMatchObject({ status: 400, body: { ok: false, error: 'treshold: unknown field: check its spelling', field: 'treshold' } });
    expect(await call('accounts.mode', { name: 'home' })).toMatchObject({ status: 400, body: { ok: false, error: 'mode: missing: it is required', field: 'mode' } });
    expect(await call('settings.set', { changes: { digest: { hour: 8, enabeld: true } } })).toMatchObject({
      status: 400,
      body: { ok: false, error: 'invalid analysis settings: digest.enabeld: unknown field: check its spelling', field: 'changes.digest.enabeld' },
    });
    expect(await call('accounts.bootstrap', { name: 'home', since: '2026-02-31' })).toMatchObject({ status: 400, body: { ok: false, error: 'since: not a day of the calendar', field: 'since' } });
    expect(await call('no.such')).toMatchObject({ status: 400, body: { ok: false, error: 'there is no command no.such' } });
    // Work tied to an event listener needs that listener connected first: else nothing would stop it.
    expect(await call('accounts.analyzeInbox', { name: 'home', dryRun: true, listener: 'gone' })).toMatchObject({
      status: 400,
      body: { ok: false, error: 'no event listener named gone is subscribed: subscribe first, then ask' },
    });
  });

  it('sends each decision as an event, and lists it with its evidence', async () => {
    const arrived = next((e) => e.kind === 'arrival');
    const subject = await f.append('spam');
    expect(await arrived).toMatchObject({ kind: 'arrival', account: 'home', arrival: { subject, moved: false } });
    const page = await result<{ items: { id: number; subject: string; accept: boolean; reason: string; text: string }[] }>('decisions.list', { account: 'home', limit: 10 });
    expect(page.items[0]).toMatchObject({ subject, accept: false, reason: 'junk-content', text: expect.stringMatching(/junk/) });
    const one = await result<{ decision: { evidence: { junk: unknown } } }>('decisions.get', { id: page.items[0]!.id });
    expect(one.decision.evidence.junk).toBeDefined();
    expect(await result<{ items: unknown[] }>('decisions.list', { search: 'no-such-words-anywhere' })).toEqual({ items: [] });
  });

  it('in enforce mode moves a reject; restoring it from the API moves it back, and the sender is accepted next time', async () => {
    // In force from the next message, without a reconnect: the account's view says so at once.
    const mode = next((e) => e.kind === 'account' && e.account.mode === 'enforce');
    expect(await result('accounts.mode', { name: 'home', mode: 'enforce' })).toMatchObject({ mode: 'enforce' });
    await mode;
    // Junk words from an authenticated sender Warden has never seen: the content decides.
    const sendSpam = async (subject: string) => {
      await f.client.append('INBOX', await providerMessage({ ...SENDER, mailFrom: SENDER.from, sign: 'deals.test', subject, body: SPAMMY }));
      return subject;
    };
    const subject = await sendSpam('bonus jackpot one');
    const moved = await next(arrivalOf(subject));
    expect(moved).toMatchObject({ arrival: { moved: true } });
    const rejects = await result<{ items: { message: number; subject: string }[] }>('rejects.list', { account: 'home' });
    expect(rejects.items.map((r) => r.subject)).toEqual([subject]);
    const message = rejects.items[0]!.message;
    // The event named the same message, and its decision.
    expect(moved.kind === 'arrival' && [moved.arrival.message, moved.arrival.decisionId]).toEqual([message, (rejects.items[0] as unknown as { id: number }).id]);

    const preview = await result<{ subject: string; text: string; from: string }>('messages.preview', { account: 'home', message });
    expect(preview).toMatchObject({ subject, from: expect.stringContaining(SENDER.from) });
    expect(preview.text.length).toBeGreaterThan(10);

    const learned = next((e) => e.kind === 'arrival' && e.arrival.restored);
    expect(await result('rejects.restore', { account: 'home', messages: [message] })).toEqual({ restored: 1, missing: [] });
    expect(await learned).toMatchObject({ arrival: { subject, known: true, restored: true } });
    expect(await f.subjects('Rejects')).toEqual([]);
    expect(await result<{ items: unknown[] }>('rejects.list', { account: 'home' })).toEqual({ items: [] });
    expect(await result('rejects.restore', { account: 'home', messages: [message] })).toEqual({ restored: 0, missing: [message] });

    const again = await sendSpam('bonus jackpot two');
    expect(await next(arrivalOf(again))).toMatchObject({ arrival: { moved: false, decision: { accept: true, reason: 'msgfromfull' } } });
    const stats = await result<{ corrections: { restored: number }[]; decisions: unknown[] }>('stats.get', { days: 7 });
    expect(stats.corrections.reduce((n, c) => n + c.restored, 0)).toBe(1);
    expect(stats.decisions.length).toBeGreaterThan(0);
  });

  it('moves a message to Junk on request, and the engine learns from it', async () => {
    const subject = await f.append('ham');
    await next(arrivalOf(subject));
    const [decision] = (await result<{ items: { message: number; subject: string }[] }>('decisions.list', { account: 'home', search: subject, limit: 1 })).items;
    const learned = next((e) => e.kind === 'learned' && e.learned.role === 'junk');
    expect(await result('messages.junk', { account: 'home', message: decision!.message })).toEqual({});
    expect(await learned).toMatchObject({ learned: { folder: 'Junk', outcome: 'feedback' } });
  });

  it('lists the provider presets: how each signs in, and for an OAuth2 one without a sign-in app, what to do and what the app has', async () => {
    vi.stubEnv('WARDEN_GMAIL_CLIENT_ID', undefined);
    vi.stubEnv('WARDEN_MICROSOFT_CLIENT_ID', 'microsoft-app');
    try {
      const presets = new Map((await result<ProviderView[]>('providers.list')).map((p) => [p.id, p]));
      expect(presets.get('gmail')).toMatchObject({ signIn: 'oauth2', domains: expect.arrayContaining(['gmail.com']) as unknown, clientSecret: true, signInWith: 'Google' });
      expect(presets.get('gmail')?.clientMissing).toMatch(/no Gmail sign-in app of its own yet: register one .* or set WARDEN_GMAIL_CLIENT_ID/);
      // Configured; and a Microsoft app has an ID only.
      expect(presets.get('microsoft')).toMatchObject({ signIn: 'oauth2', host: 'outlook.office365.com', signInWith: 'Microsoft' });
      expect(presets.get('microsoft')).not.toHaveProperty('clientMissing');
      expect(presets.get('microsoft')).not.toHaveProperty('clientSecret');
      expect(presets.get('fastmail')).toMatchObject({ signIn: 'password', help: expect.stringMatching(/app password/) as unknown });
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('adds an account with a password kept in a file only the user can read, tests it, and removes it', async () => {
    const alice = f.dovecot.users[0]!;
    const added = await result('accounts.add', { name: 'second', host: f.dovecot.host, port: f.dovecot.imapPort, tls: 'plain', allowPlain: true, user: alice.name, password: alice.password });
    expect(added).toMatchObject({ name: 'second', mode: 'observe' });
    expect(statSync(join(f.data, 'secrets', 'second.password')).mode & 0o777).toBe(0o600);
    const tested = await result<{ capabilities: string[]; folders: { path: string; role?: string }[] }>('accounts.test', { name: 'second' });
    expect(tested.capabilities).toContain('IMAP4REV1');
    expect(tested.folders).toContainEqual({ path: 'Junk', role: 'junk' });
    expect(await call('accounts.add', { name: 'bad', host: f.dovecot.host, tls: 'plain', user: 'x', password: 'y' })).toMatchObject({
      status: 400,
      body: { ok: false, error: expect.stringMatching(/plain IMAP/), field: 'tls' },
    });
    expect(await result('accounts.remove', { name: 'second' })).toEqual({});
    expect((await result<{ name: string }[]>('accounts.list')).map((a) => a.name)).toEqual(['home']);
  });

  it('takes sender rules from warden rules while it runs: the running engine applies them from the next message', async () => {
    // Not blocking this process: the engine the command talks to answers from it.
    const blocked = await runWardenAsync(['--data-dir', f.data, 'rules', 'block', '@Spam.test']);
    expect(blocked).toMatchObject({ status: 0, stdout: 'Mail from everyone at spam.test and its subdomains is always rejected.\n' });
    expect(await result('senderRules.list')).toEqual([{ sender: 'spam.test', action: 'block' }]);
    const removed = await runWardenAsync(['--data-dir', f.data, 'rules', 'remove', 'spam.test']);
    expect(removed.stdout).toBe('Removed the rule for spam.test: its mail was always rejected, and is analysed like any other now.\n');
    expect(await result('senderRules.list')).toEqual([]);
  });

  it('logs in before it adds or changes an account: what cannot log in is refused, naming the field, and nothing is saved', async () => {
    const alice = f.dovecot.users[0]!;
    const server = { host: f.dovecot.host, port: f.dovecot.imapPort, tls: 'plain', allowPlain: true };
    const wrong = await call('accounts.add', { name: 'third', ...server, user: alice.name, password: 'not it' });
    expect(wrong.body).toMatchObject({ ok: false, field: 'password', error: expect.stringMatching(/password.*; nothing was saved$/) });
    expect(existsSync(join(f.data, 'secrets', 'third.password'))).toBe(false);
    expect((await result<{ name: string }[]>('accounts.list')).map((a) => a.name)).toEqual(['home']);

    await result('accounts.add', { name: 'third', ...server, user: alice.name, password: alice.password });
    const secretFile = join(f.data, 'secrets', 'third.password');
    // A wrong password, or a server that is not there: refused, and the account keeps what it had.
    expect((await call('accounts.set', { name: 'third', password: 'still not it' })).body).toMatchObject({ ok: false, field: 'password' });
    expect(readFileSync(secretFile, 'utf8')).toBe(alice.password);
    expect((await call('accounts.set', { name: 'third', port: 1 })).body).toMatchObject({ ok: false, field: 'host', error: expect.stringMatching(/nothing was saved$/) });
    expect((await call('accounts.set', { name: 'third', tls: 'plain', allowPlain: false })).body).toMatchObject({ ok: false, field: 'tls' });
    expect(await result('accounts.list')).toContainEqual(expect.objectContaining({ name: 'third', port: f.dovecot.imapPort, allowPlain: true }));
    // What logs in is saved, and the account is watched with it.
    const changed = await result('accounts.set', { name: 'third', password: alice.password, folders: { trash: 'Drafts' } });
    expect(changed).toMatchObject({ name: 'third', tls: 'plain', allowPlain: true, folders: { trash: 'Drafts' } });
    await expect.poll(async () => (await result<{ name: string; state: string }[]>('accounts.list')).find((a) => a.name === 'third')?.state, { timeout: 15_000 }).toBe('watching');
    // The password now kept by the user (warden account set --password-file): Warden's copy goes.
    const own = join(f.dir, 'third-password');
    writeFileSync(own, alice.password, { mode: 0o600 });
    expect((await call('accounts.set', { name: 'third', password: alice.password, secret: { from: 'file', path: own } })).body).toMatchObject({ ok: false, field: 'password' });
    await result('accounts.set', { name: 'third', secret: { from: 'file', path: own } });
    expect(existsSync(secretFile)).toBe(false);
    expect(await result('accounts.remove', { name: 'third' })).toEqual({});
  });
});

describe('the API with the desktop app\'s keyring', () => {
  it('keeps a typed password in the keyring, never on disk, and logs in with it after a restart', async () => {
    // The operating system's keyring, as Electron's safeStorage would hold it (none here).
    const keyring = new Map<string, string>();
    const secrets = {
      set: (name: string, value: string) => Promise.resolve(void keyring.set(name, value)),
      get: (name: string) => Promise.resolve(keyring.get(name)),
      delete: (name: string) => Promise.resolve(void keyring.delete(name)),
    };
    const alice = f.dovecot.users[0]!;
    const data = join(f.dir, 'app-data');
    const first = await Api.open(data, { secrets, offline: true });
    try {
      const added = await first.call('accounts.add', { name: 'app', host: f.dovecot.host, port: f.dovecot.imapPort, tls: 'plain', allowPlain: true, user: alice.name, password: alice.password });
      expect(added).toMatchObject({ ok: true });
      expect(keyring.get('app')).toBe(alice.password);
      expect(existsSync(join(data, 'secrets'))).toBe(false);
    } finally {
      await first.close();
    }
    // The command line cannot decrypt it, and says so.
    const cli = runWarden(['--data-dir', data, 'account', 'test', 'app']);
    expect(cli.status).toBe(1);
    expect(cli.stderr).toMatch(/kept by the desktop app/);
    const again = await Api.open(data, { secrets, offline: true });
    try {
      expect(await again.call('accounts.test', { name: 'app' })).toMatchObject({ ok: true, result: { capabilities: expect.arrayContaining(['IMAP4REV1']) } });
      expect(await again.call('accounts.remove', { name: 'app' })).toMatchObject({ ok: true });
      expect(keyring.has('app')).toBe(false);
    } finally {
      await again.close();
    }
  });
});
