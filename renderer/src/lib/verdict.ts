import type { DecisionView } from '../../../src/api/contract.ts';

/** What became of a decided message, as the lists and the details say it, and its colour (app.css). */
export interface Verdict {
  /** A word for a list row. */
  word: string;
  /** The whole story, for the details. */
  story: string;
  tone: 'accept' | 'reject' | 'restored' | 'unsure';
}

/**
 * Warden's decision, then what the user did with the message: filed it in Junk (here or in
 * another mail client), or restored a reject. The user's word is the last.
 */
export function verdictOf(d: Pick<DecisionView, 'accept' | 'isReject' | 'junk' | 'unsure' | 'wanted' | 'elsewhere'>): Verdict {
  if (d.junk) return { word: 'Junk', story: `${d.accept ? 'Accepted' : 'Rejected'}, then filed as junk by you`, tone: 'reject' };
  // Another computer's Warden claimed it first and acted on it; this one only moved nothing.
  if (d.elsewhere && (d.accept || d.isReject)) {
    return { word: 'Elsewhere', story: `${d.accept ? 'Accepted' : 'Rejected'} here; decided elsewhere: Warden on another computer acted on it`, tone: d.accept ? 'accept' : 'reject' };
  }
  // The unsure band (docs/analysis.md 2.5): accepted, left in INBOX for the user to judge.
  if (d.accept && d.unsure && d.wanted) return { word: 'Wanted', story: 'Accepted unsure, then judged wanted by you', tone: 'accept' };
  if (d.accept && d.unsure) return { word: 'Unsure', story: 'Accepted, but Warden is unsure: left in INBOX for you to judge', tone: 'unsure' };
  if (d.accept) return { word: 'Accepted', story: 'Accepted', tone: 'accept' };
  if (d.isReject) return { word: 'Rejected', story: 'Rejected', tone: 'reject' };
  return { word: 'Restored', story: 'Rejected, then restored by you', tone: 'restored' };
}

