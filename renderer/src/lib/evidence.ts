import type { CommandResults } from '../../../src/api/contract.ts';

/** A decision's evidence (the analysis's own record of it). */
export type Evidence = CommandResults['decisions.get']['decision']['evidence'];
type Auth = Evidence['auth'];

/** Results that say a check could not be made, whatever the check (RFC 8601 section 2.7). */
function unchecked(result: string): string | undefined {
  if (result === 'temperror') return 'could not be checked (a DNS lookup failed; it counts for nothing)';
  if (result === 'permerror') return 'could not be checked (the published record is broken)';
  if (result === 'not-checked') return 'not checked';
  return undefined;
}

/** SPF (RFC 7208 section 2.6): may the sending server send for that domain? */
export function spfWords(spf: Auth['spf']): string {
  const domain = spf.domain || 'the sender';
  const words: Record<string, string> = {
    pass: `passed: the sending server may send mail for ${domain}`,
    fail: `failed: ${domain} says the sending server may not send its mail`,
    softfail: `soft fail: ${domain} says the sending server probably may not send its mail`,
    neutral: `${domain} makes no statement about the sending server`,
    none: `${domain} publishes no SPF record`,
  };
  return unchecked(spf.result) ?? words[spf.result] ?? spf.result;
}

/** DKIM (RFC 6376): each signature, by the domain that signed. */
export function dkimWords(dkim: Auth['dkim']): string {
  if (dkim.length === 0) return 'not signed';
  return dkim
    .map((s) => (s.result === 'pass' ? `valid signature of ${s.domain}${s.bodyLimited ? ' (covering only part of the body)' : ''}` : `signature of ${s.domain} ${unchecked(s.result) ?? `did not verify (${s.result})`}`))
    .join('; ');
}

/** DMARC (RFC 7489): is the From address's domain the one authenticated? */
export function dmarcWords(dmarc: Auth['dmarc']): string {
  const domain = dmarc.domain || 'the From domain';
  const policy = dmarc.policy === 'reject' ? ', and it asks for such mail to be rejected' : dmarc.policy === 'quarantine' ? ', and it asks for such mail to be treated as junk' : '';
  if (dmarc.result === 'pass') return `passed: the From address's domain ${domain} is authenticated`;
  if (dmarc.result === 'fail') return `failed: ${domain} in the From address is not the domain authenticated${policy}`;
  if (dmarc.result === 'none') return `${domain} publishes no DMARC policy`;
  return unchecked(dmarc.result) ?? dmarc.result;
}

/** Reverse DNS (RFC 8601 section 3): does the sending server's address name itself back? */
export function iprevWords(iprev: Auth['iprev']): string {
  if (iprev.result === 'pass') return `the sending server's address has a matching name${iprev.names.length > 0 ? ` (${iprev.names.join(', ')})` : ''}`;
  if (iprev.result === 'fail') return "the sending server's address has no name that leads back to it";
  return unchecked(iprev.result) ?? iprev.result;
}

export function dnsblWords(dnsbl: NonNullable<Evidence['dnsbl']>): string {
  if (dnsbl.result === 'fail') return `listed by ${dnsbl.zone}${dnsbl.explanation ? `: ${dnsbl.explanation}` : ''}`;
  if (dnsbl.result === 'pass') return 'on none of your block lists';
  if (dnsbl.result === 'not-checked' && dnsbl.reason) return `not checked: ${dnsbl.reason}`;
  return unchecked(dnsbl.result) ?? dnsbl.result;
}

/**
 * Why authentication was not checked: the DNS failed its health check (the reason it gives: it
 * denies everything, as a captive portal does), else offline or no trusted Received header.
 */
export function authNotCheckedWords(auth: Pick<Auth, 'reason'>): string {
  if (auth.reason) return `Not checked: ${auth.reason}.`;
  return 'Not checked: Warden was offline, or found no Received header of your provider to trust.';
}

/** A subject-pass token's check; undefined when there was none to check. */
export function subjectpassWords(check: Evidence['subjectpass']): string | undefined {
  const words: Record<string, string | undefined> = {
    valid: 'the subject carries a valid pass token you handed out',
    invalid: 'the subject carries a pass token that is not valid for this sender',
    expired: 'the subject carries a pass token that has expired',
  };
  return words[check];
}

/** mox's stricter content threshold (analysis/analyze.ts): the decision's text says why it applied. */
const STRICT_THRESHOLD = 0.25;

/**
 * Where the threshold the content was held to came from: the filter's setting, or the threshold
 * fitted on the user's training below it (src/junk/threshold.ts), moved at random for each
 * message (the jitter, as mox does); or the stricter threshold of suspicious mail.
 */
export function thresholdWords(junk: NonNullable<Evidence['junk']>): string {
  if (Math.abs(junk.threshold - STRICT_THRESHOLD) < 1e-9) return 'the stricter threshold for suspicious mail (the decision says why)';
  if (junk.configured === undefined) return 'your threshold, moved a little at random for this message';
  const { fitted, configured } = junk;
  const from = fitted ? fitted.threshold : configured;
  const moved = junk.threshold - from;
  const jitter = `moved ${moved < 0 ? '−' : '+'}${Math.abs(moved).toFixed(3)} at random for this message`;
  if (fitted?.setAside) return `your threshold ${configured.toFixed(3)}, not the ${fitted.setAside.fitted.toFixed(3)} fitted on your training, as the unsure band is on; ${jitter}`;
  if (!fitted || fitted.threshold === configured) return `your threshold ${configured.toFixed(3)}, ${jitter}`;
  return (
    `${fitted.threshold.toFixed(3)}, below your threshold ${configured.toFixed(3)}: fitted on your training, none of your latest ` +
    `${fitted.ham} wanted messages scored higher without its own words (the highest ${fitted.highest.toFixed(3)}); ${jitter}`
  );
}

export type Section = 'auth' | 'reputation' | 'content' | 'dnsbl' | 'other';

/** The part of the evidence that decided, by the reason token (README, How Warden decides): shown open. */
export function decidingSection(reason: string): Section {
  if (reason === 'junk-content' || reason === 'junk-content-strict') return 'content';
  if (reason === 'dns-blocklisted') return 'dnsbl';
  if (reason === 'dmarc-policy' || reason === 'spf-policy' || reason === 'iprev') return 'auth';
  if (/^(msg(from|to)(full|domain|orgdomain)|dkimspf|ip[123])$/.test(reason)) return 'reputation';
  return 'other';
}
