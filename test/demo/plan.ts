import type { CorpusMessage } from '../bench/corpus.ts';

/** The filter judges nothing before it has trained this many ham messages (mox's rule). */
const SIGNIFICANT_HAM = 50;

/**
 * The demo's mailbox from the corpus: `seedCount` older messages to file (ham in Archive, spam
 * in Junk) and a stream of newer ones to arrive, both with ham and spam in the corpus's own
 * proportion (about two ham to one spam), the stream evenly interleaved. The corpus in date
 * order opens with a long run of spam, which alone would show the filter before it learned.
 */
export function demoPlan(corpus: CorpusMessage[], seedCount: number): { seed: CorpusMessage[]; stream: CorpusMessage[] } {
  const ham = corpus.filter((m) => m.label === 'ham');
  const spam = corpus.filter((m) => m.label === 'spam');
  const share = ham.length / corpus.length;
  const seedHam = Math.min(ham.length, Math.max(SIGNIFICANT_HAM + 10, Math.round(seedCount * share)));
  const seedSpam = Math.min(spam.length, Math.max(0, seedCount - seedHam));
  return { seed: [...ham.slice(0, seedHam), ...spam.slice(0, seedSpam)], stream: interleave(ham.slice(seedHam), spam.slice(seedSpam), share) };
}

/** Both lists in order, merged so that at every point ham is about `share` of what came. */
function interleave(ham: CorpusMessage[], spam: CorpusMessage[], share: number): CorpusMessage[] {
  const out: CorpusMessage[] = [];
  let h = 0;
  let s = 0;
  while (h < ham.length || s < spam.length) {
    const hamDue = h < ham.length && (s >= spam.length || h < share * (out.length + 1));
    out.push(hamDue ? ham[h++]! : spam[s++]!);
  }
  return out;
}
