/** New decisions in words, for a screen reader: "3 new decisions: 2 accepted, 1 rejected." */
export function decisionWords(accepted: number, rejected: number): string {
  const total = accepted + rejected;
  const parts = [accepted > 0 ? `${accepted} accepted` : '', rejected > 0 ? `${rejected} rejected` : ''].filter(Boolean);
  return `${total} new ${total === 1 ? 'decision' : 'decisions'}: ${parts.join(', ')}.`;
}

/**
 * Decisions told in batches: the first starts a wait of `ms`, and everything decided meanwhile
 * is said at its end in one sentence, so a burst of mail is one announcement, not one each.
 */
export class DecisionBatch {
  #accepted = 0;
  #rejected = 0;
  #waiting: (() => void) | undefined;
  readonly #say: (text: string) => void;
  readonly #later: (fn: () => void, ms: number) => () => void;
  readonly #ms: number;

  /** `later` runs `fn` after `ms` and returns what cancels it. */
  constructor(say: (text: string) => void, later: (fn: () => void, ms: number) => () => void, ms = 2_000) {
    this.#say = say;
    this.#later = later;
    this.#ms = ms;
  }

  add(accept: boolean): void {
    if (accept) this.#accepted++;
    else this.#rejected++;
    this.#waiting ??= this.#later(() => this.#flush(), this.#ms);
  }

  /** Says nothing more (the page is going). */
  stop(): void {
    this.#waiting?.();
    this.#waiting = undefined;
  }

  #flush(): void {
    this.#say(decisionWords(this.#accepted, this.#rejected));
    this.#accepted = 0;
    this.#rejected = 0;
    this.#waiting = undefined;
  }
}
