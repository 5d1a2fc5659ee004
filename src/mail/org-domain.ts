import { getDomain } from 'tldts';

/**
 * The organisational domain of a domain (RFC 7489 section 3.2): one label below its public
 * suffix, from the Public Suffix List (ICANN section only, as mox's publicsuffix package). A
 * domain that is itself a suffix, or that the list does not cover, is its own org domain.
 */
export function orgDomain(domain: string): string {
  if (domain === '') return '';
  return getDomain(domain, { allowPrivateDomains: false }) ?? domain;
}
