import type { Arrival } from '../engine/events.ts';
import { UNSURE_KEYWORD } from '../engine/keywords.ts';

/** An arrival flattened to what a script needs: one JSON object. */
export function arrivalJson(account: string, m: Arrival): Record<string, unknown> {
  return {
    account,
    uid: m.uid,
    from: m.from,
    subject: m.subject,
    known: m.known,
    restored: m.restored,
    moved: m.moved,
    unsure: m.decision?.unsure ?? false,
    marked: m.marked ?? false,
    elsewhere: m.elsewhere,
    error: m.error,
    retryAt: m.retryAt,
    accept: m.decision?.accept,
    reason: m.decision?.reason,
    mailbox: m.decision?.mailbox,
    score: m.decision?.score,
  };
}

/**
 * An arrival in words. `run`: what was done (in observe mode, rejects stay); `preview`: what
 * analysing it would do, nothing done.
 */
export function arrivalLine(account: string, m: Arrival, as: 'run' | 'preview'): string {
  const what = `${account} #${m.uid} from ${m.from || '(no From)'} "${m.subject}"`;
  if (!m.decision) {
    if (as === 'preview') return `${what}: could not be analysed: ${m.error}`;
    const next = m.retryAt === undefined ? 'Warden gave up on it' : `trying again at ${new Date(m.retryAt).toLocaleTimeString()}`;
    return `${what}: not analysed, left in INBOX: ${m.error}; ${next}`;
  }
  if (m.restored) return `${what}: you put it back from Rejects: learned as wanted mail`;
  if (m.known) return `${what}: seen before, left alone`;
  const verdict = `${m.decision.accept ? 'accept' : 'reject'} (${m.decision.reason}): ${m.decision.text}`;
  if (m.elsewhere) return `${what}: ${verdict}; decided elsewhere: Warden on another computer acted on it`;
  if (m.decision.accept && m.decision.unsure) {
    // The unsure band (docs/analysis.md 2.5): marked in enforce mode, only recorded in observe mode.
    const mark = as === 'preview' ? ` → would mark it ${UNSURE_KEYWORD}` : m.marked ? ` → marked ${UNSURE_KEYWORD}` : m.error ? `; ${m.error}` : ' (observe mode: not marked)';
    return `${what}: ${verdict}${mark}`;
  }
  if (m.decision.accept) return `${what}: ${verdict}`;
  if (m.waiting) return `${what}: ${verdict}; to be moved once Warden on another computer lets go of INBOX`;
  const action = as === 'preview' ? ` → would move to ${m.decision.mailbox}` : m.moved ? ` → moved to ${m.decision.mailbox}` : m.error ? `; ${m.error}` : ' (observe mode: not moved)';
  return `${what}: ${verdict}${action}`;
}
