import { domainToUnicode } from 'node:url';
import { authenticate as mailauth, type AuthenticateResult, type DNSResolver } from 'mailauth';
import type { MessageFacts } from '../mail/facts.ts';
import { orgDomain } from '../mail/org-domain.ts';
import { checkIprev, type IprevOutcome } from './iprev.ts';
import type { DnsResolver } from './resolver.ts';
import type { AuthResults, DmarcResult, FromValidation, SpfResult } from './results.ts';

export interface AuthenticateOptions {
  /** The name the checks report as theirs (mailauth's authserv-id); default `warden`. */
  mta?: string;
  /** Uniform in [0, 1): DMARC `pct` sampling. Default Math.random. */
  random?: () => number;
}

/** The result when nothing was checked: offline, or no trusted hop to check. */
export function notChecked(): AuthResults {
  return {
    checked: false,
    spf: { result: 'not-checked', identity: '', domain: '' },
    dkim: [],
    dkimDomains: [],
    dmarc: { result: 'not-checked', policy: '', use: false, reject: false, domain: '' },
    arc: { result: 'not-checked' },
    iprev: { result: 'not-checked', names: [] },
    mailFromValidated: false,
    ehloValidated: false,
    fromValidation: 'none',
  };
}

const SPF_RESULTS = new Set<SpfResult>(['pass', 'fail', 'softfail', 'neutral', 'none', 'temperror', 'permerror']);

/**
 * SPF, DKIM, DMARC and ARC of a message (through mailauth) and iprev of its sender, as mox's SMTP
 * server evaluates them on delivery (docs/analysis.md 1.4), for the connection recorded at the
 * provider's trusted hop: its IP, its EHLO name, and the MAIL FROM of the Return-Path.
 *
 * SPF checks one identity, as mox does: the MAIL FROM domain, or for a null sender the EHLO name
 * (`none` when that was an address literal). DMARC is mox's `dmarc.Verify` over the record
 * mailauth found: policy, `pct` sampling, alignment (relaxed unless `adkim`/`aspf=s`, by the
 * Public Suffix List), temperror. From alignment is mox's alignment.go.
 *
 * Offline, or without a trusted hop, nothing is asked (not even mailauth is called) and every
 * result is `not-checked`. Never throws: DNS failures are temperror results, anything
 * unexpected gives the `not-checked` result.
 */
export async function authenticate(raw: Uint8Array, facts: MessageFacts, resolver: DnsResolver, options: AuthenticateOptions = {}): Promise<AuthResults> {
  const hop = facts.boundary;
  if (resolver.offline || !hop) return notChecked();
  const health = await resolver.health();
  if (!health.ok) return { ...notChecked(), reason: health.reason };

  const mailFrom = facts.mailFrom && facts.mailFrom.domain !== '' ? facts.mailFrom : undefined;
  const ehlo = hop.ehlo.toLowerCase().replace(/\.$/, '');
  let found: AuthenticateResult;
  let reverse: IprevOutcome;
  try {
    [found, reverse] = await Promise.all([
      mailauth(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), {
        ip: hop.ip,
        // An address literal when the client greeted with one (mox then has no HELO domain).
        helo: ehlo === '' ? `[${hop.ip}]` : ehlo,
        sender: mailFrom ? `${mailFrom.local}@${mailFrom.domain}` : '',
        mta: options.mta ?? 'warden',
        resolver: resolver.mailauthResolver() as DNSResolver,
        trustReceived: false,
        disableBimi: true,
      }),
      checkIprev(hop.ip, resolver),
    ]);
  } catch {
    return notChecked();
  }

  // SPF: one identity. mailauth checks `postmaster@<helo>` for a null sender, and gives `none`
  // for an address literal (not a valid domain), as mox does.
  const identity = mailFrom ? 'mailfrom' : 'helo';
  const spfDomain = mailFrom ? mailFrom.domain : ehlo === '' ? '' : unicode(ehlo);
  const rawSpf = found.spf ? found.spf.status.result : 'temperror';
  const spfResult: SpfResult = SPF_RESULTS.has(rawSpf as SpfResult) ? (rawSpf as SpfResult) : 'temperror';
  const spfPass = spfResult === 'pass' && spfDomain !== '';
  // mox's spfIdentity: the domain SPF vouched for, when it passed (none for an address literal).
  const spfIdentity = spfDomain === '' ? undefined : spfDomain;

  const dkim = (found.dkim?.results ?? [])
    .filter((r) => typeof r.signingDomain === 'string' && r.signingDomain !== '')
    .map((r) => ({
      domain: unicode(r.signingDomain!),
      selector: r.selector ?? '',
      result: r.status?.result ?? 'none',
      bodyLimited: (r as { canonBodyLengthLimited?: boolean }).canonBodyLengthLimited === true,
      services: keyServices((r as { rr?: string }).rr),
    }));
  const dkimDomains = [...new Set(dkim.filter((d) => d.result === 'pass').map((d) => d.domain))];

  const fromDomain = facts.from?.domain ?? '';
  const dmarc = dmarcOf(found, fromDomain, { spfResult, spfIdentity, dkim }, options.random ?? Math.random);

  let fromValidation = fromDomain === '' ? 'none' : alignment(fromDomain, dkimDomains, spfPass ? spfIdentity : undefined);
  if (dmarc.result === 'pass' && fromValidation === 'relaxed') fromValidation = 'dmarc';

  return {
    checked: true,
    spf: { result: spfResult, identity, domain: spfDomain },
    dkim,
    dkimDomains,
    dmarc,
    arc: { result: found.arc ? found.arc.status.result : 'none' },
    iprev: reverse,
    mailFromValidated: identity === 'mailfrom' && spfResult === 'pass',
    ehloValidated: identity === 'helo' && spfPass,
    fromValidation,
  };
}

/** The `s=` tag of a DKIM key record: colon-separated service types, `*` when absent. */
function keyServices(record: string | undefined): string[] {
  const tag = (record ?? '').split(';').find((t) => t.trim().toLowerCase().startsWith('s='));
  if (!tag) return ['*'];
  return tag
    .slice(tag.indexOf('=') + 1)
    .split(':')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
}

/**
 * mox's alignment.go: `strict` when a passing DKIM domain or the SPF-passed identity is the From
 * domain; `relaxed` when one of them has the From domain's org domain; otherwise `none`. (The
 * record's adkim/aspf play no part here.)
 */
export function alignment(fromDomain: string, dkimDomains: string[], spfPassed: string | undefined): FromValidation {
  const passed = [...dkimDomains, ...(spfPassed === undefined ? [] : [spfPassed])];
  if (passed.includes(fromDomain)) return 'strict';
  const org = orgDomain(fromDomain);
  return passed.some((d) => orgDomain(d) === org) ? 'relaxed' : 'none';
}

interface DmarcInputs {
  spfResult: SpfResult;
  spfIdentity: string | undefined;
  dkim: { domain: string; result: string }[];
}

/**
 * mox's dmarc.Verify (docs/analysis.md 1.4) over the record mailauth discovered for the From domain.
 * No record (or no single From domain): `none`, not used. A failed record lookup: `temperror`,
 * not used. Otherwise the policy (`sp` when the record is the org domain's and has one), `use`
 * from `pct` sampling, and the status: SPF temperror → temperror; SPF pass of an aligned identity
 * → pass; a DKIM temperror → temperror unless a later signature passes aligned; a DKIM pass of an
 * aligned domain → pass; else fail. `reject` = a quarantine/reject policy and a failed status.
 */
function dmarcOf(found: AuthenticateResult, fromDomain: string, inputs: DmarcInputs, random: () => number): AuthResults['dmarc'] {
  const none = (result: DmarcResult, domain = fromDomain): AuthResults['dmarc'] => ({ result, policy: '', use: false, reject: false, domain });
  const verdict = found.dmarc;
  if (fromDomain === '' || !verdict) return none('none');
  if (verdict.status.result === 'temperror' && !verdict.rr) return none('temperror');
  if (!verdict.rr || verdict.status.result === 'none') return none('none');

  const record = parseDmarcRecord(verdict.rr);
  const recordDomain = verdict.policyDomain ? unicode(verdict.policyDomain) : fromDomain;
  const policy = recordDomain !== fromDomain && record.sp !== undefined ? record.sp : record.p;
  // mox: useResult = pct == 100 || rand.Intn(100) < pct.
  const use = record.pct >= 100 || Math.floor(random() * 100) < record.pct;
  const reject = policy !== 'none';
  const outcome = (result: DmarcResult, rejects: boolean): AuthResults['dmarc'] => ({ result, policy, use, reject: rejects, domain: recordDomain });

  if (inputs.spfResult === 'temperror') return outcome('temperror', false);
  const aligned = (domain: string, relaxed: boolean) => domain === fromDomain || (relaxed && orgDomain(domain) === orgDomain(fromDomain));
  if (inputs.spfResult === 'pass' && inputs.spfIdentity !== undefined && aligned(inputs.spfIdentity, record.aspf === 'r')) return outcome('pass', false);
  let temperror = false;
  for (const signature of inputs.dkim) {
    if (signature.result === 'temperror') temperror = true;
    else if (signature.result === 'pass' && aligned(signature.domain, record.adkim === 'r')) return outcome('pass', false);
  }
  return temperror ? outcome('temperror', false) : outcome('fail', reject);
}

interface DmarcRecord {
  p: 'none' | 'quarantine' | 'reject';
  sp: 'none' | 'quarantine' | 'reject' | undefined;
  /** 0-100; 100 when absent. */
  pct: number;
  adkim: 'r' | 's';
  aspf: 'r' | 's';
}

/** The tags of a DMARC record that mox's Verify reads, with mox's defaults. */
export function parseDmarcRecord(text: string): DmarcRecord {
  const tags = new Map<string, string>();
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) tags.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim().toLowerCase());
  }
  const policy = (value: string | undefined) => (value === 'none' || value === 'quarantine' || value === 'reject' ? value : undefined);
  const pct = tags.has('pct') ? Number.parseInt(tags.get('pct')!, 10) : 100;
  return {
    // A record without a valid p (mailauth still applies one with rua=) counts as p=none.
    p: policy(tags.get('p')) ?? 'none',
    sp: policy(tags.get('sp')),
    pct: Number.isFinite(pct) ? Math.max(0, Math.min(100, pct)) : 100,
    adkim: tags.get('adkim') === 's' ? 's' : 'r',
    aspf: tags.get('aspf') === 's' ? 's' : 'r',
  };
}

/** A domain, lower-case, as Unicode (IDNA A-labels decoded), without a root dot. */
export function unicode(domain: string): string {
  const name = domain.toLowerCase().replace(/\.$/, '');
  return domainToUnicode(name) || name;
}
