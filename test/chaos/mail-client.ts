import { ImapFlow } from 'imapflow';
import type { Dovecot } from '../helpers/dovecot.ts';

/**
 * The chaos run's own IMAP work (delivering the backlog, the user's restores) must never be cut
 * in the middle of a command: whether it was done would be unknown, and the count of lost or
 * duplicated mail would be wrong. So that work holds this lock shared, one command at a time,
 * and a Dovecot restart holds it alone. First come, first served: a restart waiting keeps new
 * commands out.
 */
export class ServerLock {
  #holders = 0;
  #alone = false;
  readonly #waiting: { alone: boolean; go: () => void }[] = [];

  shared<T>(work: () => Promise<T>): Promise<T> {
    return this.#hold(false, work);
  }

  alone<T>(work: () => Promise<T>): Promise<T> {
    return this.#hold(true, work);
  }

  async #hold<T>(alone: boolean, work: () => Promise<T>): Promise<T> {
    if (this.#waiting.length > 0 || !this.#free(alone)) await new Promise<void>((go) => this.#waiting.push({ alone, go }));
    else this.#take(alone);
    try {
      return await work();
    } finally {
      this.#holders--;
      if (this.#holders === 0) this.#alone = false;
      while (this.#waiting.length > 0 && this.#free(this.#waiting[0]!.alone)) {
        const next = this.#waiting.shift()!;
        this.#take(next.alone);
        next.go();
      }
    }
  }

  #free(alone: boolean): boolean {
    return this.#holders === 0 || (!alone && !this.#alone);
  }

  #take(alone: boolean): void {
    this.#holders++;
    this.#alone = alone;
  }
}

/**
 * An IMAP client of the chaos run, straight to Dovecot (not through the proxy), under the
 * server lock. After a Dovecot restart its connection is dead; the next command finds that out
 * and runs again on a new connection: it cannot have reached the old server, which is gone.
 */
export class MailClient {
  readonly #dovecot: Dovecot;
  readonly #lock: ServerLock;
  #client: ImapFlow | undefined;

  constructor(dovecot: Dovecot, lock: ServerLock) {
    this.#dovecot = dovecot;
    this.#lock = lock;
  }

  use<T>(work: (client: ImapFlow) => Promise<T>): Promise<T> {
    return this.#lock.shared(async () => {
      for (let attempt = 1; ; attempt++) {
        const client = await this.#connected();
        try {
          return await work(client);
        } catch (err) {
          if (client.usable || attempt === 3) throw err;
        }
      }
    });
  }

  async close(): Promise<void> {
    await this.#client?.logout().catch(() => {});
    this.#client = undefined;
  }

  async #connected(): Promise<ImapFlow> {
    if (this.#client?.usable) return this.#client;
    const { name, password } = this.#dovecot.users[0]!;
    const client = new ImapFlow({ host: this.#dovecot.host, port: this.#dovecot.imapPort, secure: false, doSTARTTLS: false, auth: { user: name, pass: password }, logger: false });
    // Errors also come as events; without a listener they would end the run.
    client.on('error', () => {});
    await client.connect();
    this.#client = client;
    return client;
  }
}
