/**
 * What the authentication checks found about one message (docs/analysis.md sections 1.4, 6).
 *
 * CONTRACT (implementation pending in authenticate.ts, iprev.ts, dnsbl.ts, resolver.ts).
 * `not-checked` means no DNS query was made (offline, or no IP to check): the analysis treats
 * it as no signal, never as a failure.
 */

export type SpfResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'temperror' | 'permerror' | 'not-checked';
export type DmarcResult = 'pass' | 'fail' | 'none' | 'temperror' | 'permerror' | 'not-checked';
export type IprevResult = 'pass' | 'fail' | 'permerror' | 'temperror' | 'not-checked';
export type DnsblResult = 'pass' | 'fail' | 'temperror' | 'not-checked';

/** mox's From alignment (alignment.go): how the From domain is authenticated, if at all. */
export type FromValidation = 'strict' | 'relaxed' | 'dmarc' | 'none';

export interface AuthResults {
  /** False when nothing was checked (offline, no trusted hop, or DNS that cannot be believed): every result is `not-checked`. */
  checked: boolean;
  /** Why nothing was checked, when the DNS failed its health check (DnsResolver.health). */
  reason?: string;
  spf: {
    result: SpfResult;
    /** Which identity SPF evaluated: the MAIL FROM domain, or the HELO name for a null sender. */
    identity: 'mailfrom' | 'helo' | '';
    domain: string;
  };
  /** Every DKIM signature, with its verification result. */
  dkim: {
    domain: string;
    selector: string;
    result: string;
    /** The signature covers only part of the body (an `l=` tag, RFC 6376 section 3.5). */
    bodyLimited: boolean;
    /** The services the key allows (its `s=` tag, RFC 6376 section 3.6.1): `*` by default. */
    services: string[];
  }[];
  /** Distinct domains of passing signatures, lower-case (mox's DKIMDomains). */
  dkimDomains: string[];
  dmarc: {
    result: DmarcResult;
    /** The policy that applies to the From domain (sp for a subdomain when set), or '' without a record. */
    policy: 'none' | 'quarantine' | 'reject' | '';
    /** False when the record's pct sampling left this message out, or there is no record. */
    use: boolean;
    /** mox's dmarcResult.Reject: policy not none, and DMARC did not pass (quarantine counts). */
    reject: boolean;
    domain: string;
  };
  arc: { result: string };
  iprev: { result: IprevResult; names: string[] };
  /** SPF passed for the non-null MAIL FROM domain. */
  mailFromValidated: boolean;
  /** SPF passed for the HELO identity (null sender only). */
  ehloValidated: boolean;
  fromValidation: FromValidation;
}

export interface DnsblOutcome {
  /** The zone that listed the IP, or '' when none did. */
  zone: string;
  result: DnsblResult;
  /** The TXT explanation of a listing, when the zone gave one. */
  explanation: string;
  /** Why it was not checked, when the DNS failed its health check. */
  reason?: string;
}
