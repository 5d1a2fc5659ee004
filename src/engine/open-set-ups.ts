import { randomUUID } from 'node:crypto';
import type { JunkService, SetUp } from './junk.ts';

/**
 * A set-up left this long without training is ended when another begins: its client is gone
 * (`warden junk train` killed), and what it trained is scored as an interrupted one's is.
 */
const IDLE_MS = 3600_000;

/** A set-up id the owner does not know. */
export class UnknownSetUpError extends Error {
  override name = 'UnknownSetUpError';
}

/**
 * The set-ups clients of the owner run across requests (`warden junk train` sending a running
 * Warden its messages in batches, docs/content-filter.md), by an id the owner gives. Each is
 * the client's own: its wanted mail alone is scored at its end. A set-up begun for an event
 * listener (the command's WebSocket) ends when that listener goes: the command killed, or its
 * terminal closed, scores what it trained at once rather than an hour later.
 */
export class OpenSetUps {
  readonly #junk: JunkService;
  readonly #open = new Map<string, { setUp: SetUp; used: number; listener?: string }>();

  constructor(junk: JunkService) {
    this.#junk = junk;
  }

  begin(now = Date.now(), listener?: string): string {
    for (const [id, open] of this.#open) if (now - open.used > IDLE_MS) this.end(id);
    const id = randomUUID();
    this.#open.set(id, { setUp: this.#junk.beginSetUp(), used: now, ...(listener !== undefined && { listener }) });
    return id;
  }

  /** The open set-up with this id, to train through. */
  get(id: string, now = Date.now()): SetUp {
    const open = this.#found(id);
    open.used = now;
    return open.setUp;
  }

  /** Ends a set-up: its wanted mail is scored held-out and committed. */
  end(id: string): void {
    const { setUp } = this.#found(id);
    this.#open.delete(id);
    this.#junk.endSetUp(setUp);
  }

  /** Ends the set-ups begun for this event listener, which has gone. */
  endFor(listener: string): void {
    for (const [id, open] of [...this.#open]) if (open.listener === listener) this.end(id);
  }

  /** Ends every open set-up (the owner stopping): what they trained is scored as an interrupted one's is. */
  endAll(): void {
    for (const id of [...this.#open.keys()]) this.end(id);
  }

  #found(id: string): { setUp: SetUp; used: number; listener?: string } {
    const open = this.#open.get(id);
    if (!open) throw new UnknownSetUpError(`no set-up ${id} is open here: it has ended, or Warden restarted since it began; run the command again (what it trained is kept)`);
    return open;
  }
}
