import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badMessages } from '../helpers/bad-mail.ts';
import { startDeadDns, type DeadDns } from '../helpers/dead-dns.ts';
import { FilterClient } from '../helpers/warden.ts';

/** Generous against a loaded CI machine, yet far below what a hang would take. */
const MAX_SECONDS_PER_MESSAGE = 10;

describe('bad input through warden filter --stdio', () => {
  let dir: string;
  let client: FilterClient;
  let dns: DeadDns;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-bad-'));
    // The analysis asks a DNS server that never answers: every check times out.
    dns = await startDeadDns();
    client = new FilterClient(join(dir, 'data'), ['--dns', dns.server, '--dns-timeout', '100']);
  });

  afterAll(async () => {
    await client.close();
    await dns.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(badMessages().map((m, i) => [m.name, i, m.raw] as const))('%s: a result or a clear error, quickly', async (_name, i, raw) => {
    const path = join(dir, `${i}.eml`);
    writeFileSync(path, raw);
    for (const request of [
      { id: i, op: 'classify', path },
      { id: `${i}-train`, op: 'train', path, label: 'spam' },
      { id: `${i}-deliver`, op: 'deliver', path },
    ]) {
      const started = performance.now();
      const response = await client.request(request);
      expect((performance.now() - started) / 1000).toBeLessThan(MAX_SECONDS_PER_MESSAGE);
      expect(response.id).toBe(request.id);
      if (response.ok) {
        if (request.op === 'classify') expect(response.score).toBeTypeOf('number');
        if (request.op === 'deliver') expect(response).toMatchObject({ accept: expect.any(Boolean), reason: expect.any(String) });
      } else {
        expect(response.error).toMatch(/\w{4,}/);
      }
    }
  });

  it('still serves ordinary mail afterwards', async () => {
    const path = join(dir, 'ordinary.eml');
    writeFileSync(path, 'From: a@example.test\r\nSubject: lunch\r\n\r\nLunch at noon tomorrow?\r\n');
    const response = await client.request({ id: 'after', op: 'classify', path });
    expect(response).toMatchObject({ id: 'after', ok: true });
  });
});
