import parseResults, { type ParsedResults, type ResultEntry } from 'mailauth/lib/parse-dkim-headers.js';
import { belongsTo } from '../mail/boundary.ts';
import type { MessageFacts } from '../mail/facts.ts';
import { orgDomain } from '../mail/org-domain.ts';
import type { HeaderField } from '../mail/parse.ts';
import { alignment, notChecked, unicode } from './authenticate.ts';
import type { AuthResults, DmarcResult, IprevResult, SpfResult } from './results.ts';

const SPF_RESULTS = new Set<string>(['pass', 'fail', 'softfail', 'neutral', 'none', 'temperror', 'permerror'] satisfies SpfResult[]);
const DMARC_RESULTS = new Set<string>(['pass', 'fail', 'none', 'temperror', 'permerror'] satisfies DmarcResult[]);
const IPREV_RESULTS = new Set<string>(['pass', 'fail', 'permerror', 'temperror'] satisfies IprevResult[]);

/**
 * Authentication of a message received long ago, from what the user's provider recorded when it
 * received it: its Authentication-Results (RFC 8601). Checking again is not an option, as DKIM
 * keys rotate and SPF records change (docs/analysis.md 1.4, E8: provider results, not live DNS, for
 * historic mail).
 *
 * A field counts only when it sits above the trusted Received hop, where only the provider
 * writes, and carries the provider's authserv-id (1.3 rule 4): a host of `providerHosts`, or
 * without them the organisational domain of the host that received the message at that hop.
 * Without such a field, or without a trusted hop, nothing is known: every result is
 * `not-checked`.
 *
 * SPF counts for the one identity mox checks (the MAIL FROM of the Return-Path, or the HELO
 * name for a null sender) when the provider names that same domain. From alignment is mox's,
 * over the passing DKIM domains and the SPF identity. DMARC, iprev and ARC are the provider's
 * words, shown and not acted on (DMARC is never `use`d: its policy and sampling are unknown).
 */
export function providerAuthResults(headers: HeaderField[], facts: MessageFacts, providerHosts: string[]): AuthResults {
  const hop = facts.boundary;
  if (!hop) return notChecked();
  const by = facts.received[hop.index]?.by ?? '';
  const trusted = (id: string) => (providerHosts.length > 0 ? belongsTo(id, providerHosts) : by !== '' && orgDomain(host(id)) === orgDomain(host(by)));

  const fields: ParsedResults[] = [];
  let received = 0;
  for (const field of headers) {
    if (field.name === 'received' && received++ === hop.index) break;
    if (field.name !== 'authentication-results') continue;
    const parsed = parse(field.value);
    // The authserv-id, without the optional version after it (RFC 8601 section 2.2).
    if (parsed && trusted(parsed.value.split(/\s+/)[0] ?? '')) fields.push(parsed);
  }
  if (fields.length === 0) return notChecked();
  const results = (method: string) => fields.flatMap((f) => entries(f[method]));

  const dkim = results('dkim').map((e) => ({
    domain: signingDomain(e),
    selector: property(e, 'header', 's'),
    result: e.value.toLowerCase(),
    // Unknown from the provider's words: nothing here lets a TLS report through (analysis step 7).
    bodyLimited: false,
    services: [],
  }));
  const dkimDomains = [...new Set(dkim.filter((d) => d.result === 'pass' && d.domain !== '').map((d) => d.domain))];

  // mox's one identity: the MAIL FROM domain, or the HELO name for the null sender.
  const mailFrom = facts.mailFrom && facts.mailFrom.domain !== '' ? facts.mailFrom : undefined;
  const identity = mailFrom ? 'mailfrom' : 'helo';
  const spfDomain = mailFrom ? mailFrom.domain : hop.ehlo;
  const spfEntry = results('spf').find((e) => spfDomain !== '' && domainOf(property(e, 'smtp', identity)) === spfDomain);
  const spfResult: SpfResult = spfEntry && SPF_RESULTS.has(spfEntry.value.toLowerCase()) ? (spfEntry.value.toLowerCase() as SpfResult) : 'none';
  const spfPass = spfResult === 'pass';

  const fromDomain = facts.from?.domain ?? '';
  const dmarcEntry = results('dmarc')[0];
  const dmarcResult = dmarcEntry?.value.toLowerCase() ?? '';
  const dmarc: AuthResults['dmarc'] = {
    result: DMARC_RESULTS.has(dmarcResult) ? (dmarcResult as DmarcResult) : 'none',
    policy: '',
    use: false,
    reject: false,
    domain: dmarcEntry ? domainOf(property(dmarcEntry, 'header', 'from')) || fromDomain : fromDomain,
  };
  let fromValidation = fromDomain === '' ? 'none' : alignment(fromDomain, dkimDomains, spfPass ? spfDomain : undefined);
  if (dmarc.result === 'pass' && fromValidation === 'relaxed') fromValidation = 'dmarc';

  const iprev = results('iprev')[0]?.value.toLowerCase() ?? '';
  return {
    checked: true,
    spf: { result: spfResult, identity: spfDomain === '' ? '' : identity, domain: spfDomain },
    dkim,
    dkimDomains,
    dmarc,
    arc: { result: results('arc')[0]?.value.toLowerCase() ?? 'not-checked' },
    iprev: { result: IPREV_RESULTS.has(iprev) ? (iprev as IprevResult) : 'not-checked', names: [] },
    mailFromValidated: identity === 'mailfrom' && spfPass,
    ehloValidated: identity === 'helo' && spfPass,
    fromValidation,
  };
}

function parse(value: string): ParsedResults | undefined {
  try {
    return parseResults(`Authentication-Results: ${value}`).parsed;
  } catch {
    return undefined;
  }
}

function entries(found: ParsedResults[string] | undefined): ResultEntry[] {
  if (found === undefined || typeof found === 'string') return [];
  return (Array.isArray(found) ? found : [found]).filter((e) => typeof e.value === 'string');
}

/** A property of a result, e.g. `header.d`; '' when absent. */
function property(entry: ResultEntry, ptype: string, name: string): string {
  const props = entry[ptype];
  return typeof props === 'object' && typeof props[name] === 'string' ? props[name] : '';
}

/** The signing domain: `header.d`, else the domain of the agent identifier `header.i` (RFC 6376 section 3.5). */
function signingDomain(entry: ResultEntry): string {
  return domainOf(property(entry, 'header', 'd') || property(entry, 'header', 'i'));
}

/** The domain of `local@domain`, `@domain` or `domain`, as the history keeps domains. */
function domainOf(value: string): string {
  const domain = value.slice(value.lastIndexOf('@') + 1).trim();
  return domain === '' ? '' : unicode(domain);
}

function host(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}
