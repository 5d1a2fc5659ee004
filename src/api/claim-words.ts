import type { Probe } from '../engine/accounts.ts';

/**
 * What a server lets two Wardens on one mailbox do (docs/design.md, "Two computers, one
 * mailbox"), in the words `warden account test` and the account card both use.
 */
export const CLAIM_WORDS: Record<Probe['claims'], string> = {
  condstore: 'each message is claimed by CONDSTORE (a conditional STORE): one Warden acts on it, the other records it as decided elsewhere.',
  lease: 'the server has no CONDSTORE, so the Wardens take turns with a lease (a folder Warden-lease-N): one acts on each message, the other waits its turn.',
  none: 'the server keeps no keywords, so messages cannot be claimed: run Warden in enforce mode on one computer only.',
};
