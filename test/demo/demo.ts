/**
 * `npm run demo`: Warden working on a mailbox that is not yours. A throw-away Dovecot on
 * loopback holds a demo account; its Junk and Archive folders are seeded from the SpamAssassin
 * corpus (ham and spam in the corpus's proportion, test/demo/plan.ts) and Warden learns from
 * them (bootstrap); then `warden serve` watches it, in enforce mode, while newer corpus mail
 * (interleaved in the same proportion) arrives in INBOX every few seconds: accepted, or moved
 * to Rejects, each with its reasons. Open the printed address; Ctrl-C ends it all and removes
 * the mailbox.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ImapFlow } from 'imapflow';
import { Api } from '../../src/api/api.ts';
import { serve } from '../../src/api/serve.ts';
import { chronologicalCorpus, CORPUS_PROVIDER_HOSTS } from '../bench/corpus.ts';
import { DOVECOT, startDovecot } from '../helpers/dovecot.ts';
import { runWarden } from '../helpers/warden.ts';
import { demoPlan } from './plan.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    seed: { type: 'string', default: '300', short: 's' },
    every: { type: 'string', default: '4' },
  },
});

if (spawnSync(DOVECOT, ['--version']).error) {
  console.error(`npm run demo needs Dovecot, the IMAP server it runs a throw-away mailbox on, and ${DOVECOT} is not installed.`);
  console.error('Debian or Ubuntu: sudo apt-get install dovecot-imapd (no service needs to run: the demo starts its own). Or set DOVECOT to its path.');
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'warden-demo-'));
const data = join(dir, 'data');
const dovecot = await startDovecot({ users: ['demo'] });
const user = dovecot.users[0]!;
const cleanup = async () => {
  await dovecot.stop();
  rmSync(dir, { recursive: true, force: true });
};

try {
  const { seed, stream } = demoPlan(await chronologicalCorpus(), Number(values.seed));
  const client = new ImapFlow({ host: dovecot.host, port: dovecot.imapPort, secure: false, doSTARTTLS: false, auth: { user: user.name, pass: user.password }, logger: false });
  client.on('error', () => {});
  await client.connect();
  await client.mailboxCreate('Archive').catch(() => {});
  const seedSpam = seed.filter((m) => m.label === 'spam').length;
  console.error(`Seeding the demo mailbox: ${seed.length - seedSpam} ham messages in Archive, ${seedSpam} spam in Junk…`);
  for (const m of seed) await client.append(m.label === 'spam' ? 'Junk' : 'Archive', readFileSync(m.path), ['\\Seen']);

  const env = { DEMO_PASSWORD: user.password };
  const add = runWarden(
    ['--data-dir', data, 'account', 'add', 'demo', '--host', dovecot.host, '--port', String(dovecot.imapPort), '--tls', 'plain', '--allow-plain', '--user', user.name, '--password-env', 'DEMO_PASSWORD',
      // The corpus owners' own servers: the Received header where they took mail in is trusted.
      '--provider-host', ...CORPUS_PROVIDER_HOSTS],
    { env },
  );
  if (add.status !== 0) throw new Error(add.stderr);
  // Rejects go to the Rejects folder, for the demo to show both kinds of decision where they land.
  const enforce = runWarden(['--data-dir', data, 'account', 'mode', 'demo', 'enforce']);
  if (enforce.status !== 0) throw new Error(enforce.stderr);
  // What a user does first: learn from the folders they already have (Junk and filed mail).
  const bootstrap = runWarden(['--data-dir', data, 'bootstrap', 'demo'], { env });
  if (bootstrap.status !== 0) throw new Error(`bootstrap failed: ${bootstrap.stderr}`);

  process.env.DEMO_PASSWORD = user.password;
  const api = await Api.open(data, { offline: true });
  const served = await serve(api, { port: Number(values.port), staticDir: join(import.meta.dirname, '../../renderer/dist') });
  api.start();
  console.log(served.url);
  console.error('Open the address above. New mail arrives in the demo INBOX every few seconds, about two ham to one spam: Warden accepts it or moves it to Rejects, each with its reasons (the account enforces; switch it to observe in the UI). Ctrl-C ends the demo.');

  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort()).once('SIGTERM', () => stop.abort());
  for (const m of stream) {
    if (stop.signal.aborted) break;
    await new Promise((resolve) => setTimeout(resolve, Number(values.every) * 1000));
    if (!stop.signal.aborted) await client.append('INBOX', readFileSync(m.path));
  }
  if (!stop.signal.aborted) await new Promise((resolve) => stop.signal.addEventListener('abort', resolve));
  await client.logout().catch(() => {});
  await served.close();
  await api.close();
} finally {
  await cleanup();
}
