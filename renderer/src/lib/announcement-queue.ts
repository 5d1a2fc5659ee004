/**
 * How long an announcement stays before the next one waiting replaces it: a screen reader
 * reads a polite live region when it is idle, and words replaced before then are never heard
 * (a burst of new mail right after "home removed from Warden." took its place).
 */
export const HOLD_MS = 2000;

/**
 * Announcements said one after another, each shown at least `holdMs` while another waits; a
 * lone one stays until the next. Those that came during a hold are said together at its end,
 * in the order they came: nothing is dropped, and nothing is said long after it happened.
 * `show` puts words in the live region; `later` is setTimeout (tests pass a clock of their own).
 */
export class AnnouncementQueue {
  readonly #show: (text: string) => void;
  readonly #later: (fn: () => void, ms: number) => void;
  readonly #holdMs: number;
  readonly #waiting: string[] = [];
  #holding = false;

  constructor(show: (text: string) => void, later = (fn: () => void, ms: number): void => void setTimeout(fn, ms), holdMs = HOLD_MS) {
    this.#show = show;
    this.#later = later;
    this.#holdMs = holdMs;
  }

  say(text: string): void {
    this.#waiting.push(text);
    if (!this.#holding) this.#next();
  }

  #next(): void {
    this.#holding = this.#waiting.length > 0;
    if (!this.#holding) return;
    this.#show(this.#waiting.splice(0).join(' '));
    this.#later(() => this.#next(), this.#holdMs);
  }
}
