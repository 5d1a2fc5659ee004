import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SafeSecretFile, type SafeStorageLike } from '../../electron/secrets.ts';

/**
 * A safeStorage that really encrypts (AES-256-GCM), with a key version in the first byte so a
 * test can rotate the key, and switches for what the platform offers.
 */
function fakeSafeStorage(options: { available?: boolean; backend?: ReturnType<SafeStorageLike['getSelectedStorageBackend']> } = {}) {
  const keys = [randomBytes(32)];
  const storage: SafeStorageLike & { rotate(): void } = {
    isAsyncEncryptionAvailable: () => Promise.resolve(options.available ?? true),
    getSelectedStorageBackend: () => options.backend ?? 'gnome_libsecret',
    encryptStringAsync(plainText) {
      const version = keys.length - 1;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', keys[version]!, iv);
      const body = Buffer.concat([cipher.update(plainText, 'utf8'), cipher.final()]);
      return Promise.resolve(Buffer.concat([Buffer.from([version]), iv, cipher.getAuthTag(), body]));
    },
    decryptStringAsync(encrypted) {
      const version = encrypted[0]!;
      const decipher = createDecipheriv('aes-256-gcm', keys[version]!, encrypted.subarray(1, 13));
      decipher.setAuthTag(encrypted.subarray(13, 29));
      const result = Buffer.concat([decipher.update(encrypted.subarray(29)), decipher.final()]).toString('utf8');
      return Promise.resolve({ result, shouldReEncrypt: version !== keys.length - 1 });
    },
    rotate: () => keys.push(randomBytes(32)),
  };
  return storage;
}

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'warden-secrets-'));
  file = path.join(dir, 'app', 'secrets.json');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const password = 'correct horse battery staple';

describe('secrets through safeStorage', () => {
  it('keeps a password encrypted in a file only the user can read, and gives it back', async () => {
    const storage = fakeSafeStorage();
    await new SafeSecretFile(file, storage, 'linux').set('home', password);
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(password);
    expect(text).not.toContain(Buffer.from(password).toString('base64'));
    expect(Object.keys(JSON.parse(text))).toEqual(['home']);
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await new SafeSecretFile(file, storage, 'linux').get('home')).toBe(password);
    expect(await new SafeSecretFile(file, storage, 'linux').get('work')).toBeUndefined();
  });

  it('keeps every account when several are saved at once, and deletes one', async () => {
    const secrets = new SafeSecretFile(file, fakeSafeStorage(), 'linux');
    await Promise.all(['a', 'b', 'c', '__proto__'].map((name) => secrets.set(name, `${name}-secret`)));
    expect(await Promise.all(['a', 'b', 'c', '__proto__'].map((name) => secrets.get(name)))).toEqual(['a-secret', 'b-secret', 'c-secret', '__proto__-secret']);
    await secrets.delete('b');
    expect(await secrets.get('b')).toBeUndefined();
    expect(Object.keys(JSON.parse(await readFile(file, 'utf8'))).sort()).toEqual(['__proto__', 'a', 'c']);
  });

  it('stores a secret again under a rotated key', async () => {
    const storage = fakeSafeStorage();
    const secrets = new SafeSecretFile(file, storage, 'darwin');
    await secrets.set('home', password);
    const before = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
    storage.rotate();
    expect(await secrets.get('home')).toBe(password);
    const after = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
    expect(Buffer.from(before.home!, 'base64')[0]).toBe(0);
    expect(Buffer.from(after.home!, 'base64')[0]).toBe(1);
  });

  it('refuses, and writes nothing, when the keyring is not available', async () => {
    const secrets = new SafeSecretFile(file, fakeSafeStorage({ available: false }), 'darwin');
    await expect(secrets.set('home', password)).rejects.toThrow('The system keyring is not available');
    await expect(stat(file)).rejects.toThrow('ENOENT');
  });

  it("refuses Linux's basic_text backend, a key built into Chromium, which is plain text in disguise", async () => {
    const secrets = new SafeSecretFile(file, fakeSafeStorage({ backend: 'basic_text' }), 'linux');
    await expect(secrets.set('home', password)).rejects.toThrow('No system keyring (GNOME Keyring, KWallet or another Secret Service) is running');
    await expect(stat(file)).rejects.toThrow('ENOENT');
    // The backend is a Linux matter: elsewhere the same answer does not stop it.
    await new SafeSecretFile(file, fakeSafeStorage({ backend: 'basic_text' }), 'win32').set('home', password);
  });

  it('says so when the file is not a file of secrets', async () => {
    await writeFile(path.join(dir, 'list.json'), '[1, 2]');
    const secrets = new SafeSecretFile(path.join(dir, 'list.json'), fakeSafeStorage(), 'linux');
    await expect(secrets.get('home')).rejects.toThrow('list.json is not a file of secrets.');
  });
});
