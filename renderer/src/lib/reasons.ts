/**
 * A reason token in a few words, for a chart's legend (README, How Warden decides, says each in
 * full; a decision's own `text` says it about that message).
 */
const LABELS: Record<string, string> = {
  'no-bad-signals': 'nothing suspicious',
  'list-allow': 'an allowed mailing list',
  msgfromfull: 'your mail from this address',
  msgfromdomain: 'your mail from this domain',
  msgfromorgdomain: 'your mail from this organisation',
  msgtofull: 'you wrote to this address',
  msgtodomain: 'you wrote to this domain',
  msgtoorgdomain: 'you wrote to this organisation',
  dkimspf: 'the verified domain’s reputation',
  ip1: 'the sending IP’s reputation',
  ip2: 'its network’s reputation',
  ip3: 'its wider network’s reputation',
  'dmarc-policy': 'the sender’s DMARC policy',
  'spf-policy': 'SPF failed',
  iprev: 'no valid reverse DNS',
  'junk-content': 'junk content',
  'junk-content-strict': 'junk content (strict)',
  'dns-blocklisted': 'on a DNS block list',
  subjectpass: 'a pass token',
  reporting: 'a DMARC or TLS report',
  // Only in decisions recorded before an internal failure stopped being a decision (docs/fidelity.md).
  'reputation-error': 'accepted: reputation failed',
  'junk-classify-error': 'accepted: the filter failed',
};

export function reasonLabel(reason: string): string {
  return LABELS[reason] ?? reason;
}
