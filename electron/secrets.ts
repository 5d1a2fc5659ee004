import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SafeStorage } from 'electron';

/** Where the app keeps account passwords typed in its window. */
export interface SecretStore {
  set(account: string, secret: string): Promise<void>;
  get(account: string): Promise<string | undefined>;
  delete(account: string): Promise<void>;
}

/** The part of Electron's safeStorage used here, so tests can pass their own. */
export type SafeStorageLike = Pick<SafeStorage, 'isAsyncEncryptionAvailable' | 'encryptStringAsync' | 'decryptStringAsync' | 'getSelectedStorageBackend'>;

/** A file of secrets, each encrypted by the operating system's keyring (safeStorage). */
type SecretFileContents = Record<string, string>;

/**
 * Account secrets encrypted with Electron's safeStorage (Keychain on macOS, DPAPI on Windows,
 * the Secret Service or KWallet on Linux), in one JSON file only the user may read, keyed by
 * account name, each value the ciphertext in base64. The plain text is never written
 * (docs/design.md invariant 8): where safeStorage would only obfuscate, on Linux without a keyring
 * (its `basic_text` backend, a key built into Chromium), nothing is stored.
 */
export class SafeSecretFile implements SecretStore {
  readonly #file: string;
  readonly #storage: SafeStorageLike;
  readonly #platform: NodeJS.Platform;
  /** Writes one after the other, so two changes do not each rewrite the file from the same start. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(file: string, storage: SafeStorageLike, platform: NodeJS.Platform = process.platform) {
    this.#file = file;
    this.#storage = storage;
    this.#platform = platform;
  }

  async set(account: string, secret: string): Promise<void> {
    await this.#ensureEncryption();
    const encrypted = await this.#storage.encryptStringAsync(secret);
    await this.#change((secrets) => {
      secrets[account] = encrypted.toString('base64');
    });
  }

  async get(account: string): Promise<string | undefined> {
    await this.#queue;
    const stored = (await this.#read())[account];
    if (stored === undefined) return undefined;
    await this.#ensureEncryption();
    const { result, shouldReEncrypt } = await this.#storage.decryptStringAsync(Buffer.from(stored, 'base64'));
    // The keyring's key was rotated: the secret is stored again under the new one.
    if (shouldReEncrypt) await this.set(account, result);
    return result;
  }

  async delete(account: string): Promise<void> {
    await this.#change((secrets) => {
      delete secrets[account];
    });
  }

  async #ensureEncryption(): Promise<void> {
    if (!(await this.#storage.isAsyncEncryptionAvailable())) {
      throw new Error('The system keyring is not available, so Warden cannot keep the password safely. Unlock or set up the keyring and try again.');
    }
    if (this.#platform === 'linux' && this.#storage.getSelectedStorageBackend() === 'basic_text') {
      throw new Error(
        'No system keyring (GNOME Keyring, KWallet or another Secret Service) is running, so Warden would have to keep the password in plain text, which it does not do. Start a keyring, or give the password with warden account add --password-file.',
      );
    }
  }

  async #read(): Promise<SecretFileContents> {
    let text: string;
    try {
      text = await readFile(this.#file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${this.#file} is not a file of secrets.`);
    return Object.assign(Object.create(null) as SecretFileContents, parsed);
  }

  #change(edit: (secrets: SecretFileContents) => void): Promise<void> {
    const next = this.#queue.then(async () => {
      const secrets = await this.#read();
      edit(secrets);
      await mkdir(path.dirname(this.#file), { recursive: true, mode: 0o700 });
      // A new file renamed over the old one: a crash leaves the old file or the new, never half.
      const temporary = `${this.#file}.${process.pid}.tmp`;
      await writeFile(temporary, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
      await rename(temporary, this.#file);
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }
}
