import type { ImapFlow } from 'imapflow';

/**
 * How a session can claim a message before acting on it (src/imap/claim.ts, docs/design.md "Two
 * computers, one mailbox"): by a conditional STORE of a keyword (CONDSTORE, RFC 7162 section
 * 3.1.3), by a keyword stored under a lease on the mailbox (no CONDSTORE), or not at all (the
 * mailbox keeps no new keywords).
 */
export type ClaimSupport = 'condstore' | 'lease' | 'none';

/**
 * The claim support of the mailbox `client` has selected (read-write: EXAMINE shows no
 * permanent flags). CONDSTORE counts only when enabled and the mailbox keeps MODSEQs (no
 * NOMODSEQ, RFC 7162 section 3.1.2): otherwise imapflow drops UNCHANGEDSINCE from a STORE
 * without a word, and the compare-and-set would be a plain set. Undefined with no mailbox selected.
 */
export function claimSupportOf(client: ImapFlow): ClaimSupport | undefined {
  const box = client.mailbox;
  if (!box) return undefined;
  // Without PERMANENTFLAGS the server did not say; \* means new keywords are kept (RFC 3501 section 7.1).
  if (box.permanentFlags && !box.permanentFlags.has('\\*')) return 'none';
  return client.enabled.has('CONDSTORE') && !box.noModseq ? 'condstore' : 'lease';
}
