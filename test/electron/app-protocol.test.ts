import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appFile, serveAppFile } from '../../electron/app-protocol.ts';
import { CONTENT_SECURITY_POLICY } from '../../electron/security.ts';

let base: string;
let root: string;

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'warden-app-'));
  root = path.join(base, 'dist');
  await mkdir(path.join(root, 'assets'), { recursive: true });
  await writeFile(path.join(root, 'index.html'), '<!doctype html><title>Warden</title>');
  await writeFile(path.join(root, 'assets', 'app 1.js'), 'console.log(1)');
  await writeFile(path.join(base, 'secret.json'), '{"password":"hunter2"}');
  await writeFile(path.join(root, 'notes.txt'), 'not served');
});
afterAll(() => rm(base, { recursive: true, force: true }));

describe('the app scheme', () => {
  it('serves index.html for the root, with its type, the CSP and nosniff', async () => {
    for (const url of ['app://warden/', 'app://warden/index.html', 'app://warden/index.html#/rejects?account=a']) {
      const response = await serveAppFile(root, url);
      expect(response.status, url).toBe(200);
      expect(await response.text()).toContain('<title>Warden</title>');
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('serves the files of renderer/dist, names decoded', async () => {
    const response = await serveAppFile(root, 'app://warden/assets/app%201.js');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await response.text()).toBe('console.log(1)');
  });

  it('serves nothing outside renderer/dist, however the path is written', async () => {
    for (const url of [
      'app://warden/../secret.json',
      'app://warden/%2e%2e/secret.json',
      'app://warden/assets/..%2f..%2fsecret.json',
      'app://warden/..%5csecret.json',
      'app://warden/%2E%2E%2Fsecret.json',
      'app://warden//etc/passwd',
    ]) {
      // Either refused, or (`..` resolved by the URL parser itself) a file inside renderer/dist.
      const found = appFile(root, url);
      if (found !== undefined) expect(found.file.startsWith(root + path.sep), url).toBe(true);
      const response = await serveAppFile(root, url);
      expect(response.status, url).toBe(404);
      expect(await response.text()).not.toContain('hunter2');
    }
  });

  it('answers 404 for other hosts, unknown types, missing files and bad escapes', async () => {
    for (const url of ['app://other/index.html', 'https://warden/index.html', 'app://warden/notes.txt', 'app://warden/missing.js', 'app://warden/%zz.js', 'app://warden/a%00.js']) {
      expect((await serveAppFile(root, url)).status, url).toBe(404);
    }
  });
});
