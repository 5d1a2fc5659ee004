import type { HeaderField } from '../mail/parse.ts';
import type { Ruleset } from './settings.ts';

/** What a ruleset's criteria are matched against. */
export interface RulesetSubject {
  /** MAIL FROM as `local@domain`, empty for the null sender or when unknown. */
  mailFrom: string;
  /** The From address as `local@domain`, empty when there is none. */
  msgFrom: string;
  ehloDomain: string;
  ehloValidated: boolean;
  mailFromDomain: string;
  mailFromValidated: boolean;
  dkimDomains: string[];
  headers: HeaderField[];
}

/** The first ruleset whose criteria all hold (mox's store.MessageRuleset), with its index. */
export function matchRuleset(rulesets: Ruleset[], m: RulesetSubject): { ruleset: Ruleset; index: number } | undefined {
  for (const [index, ruleset] of rulesets.entries()) {
    if (matches(ruleset, m)) return { ruleset, index };
  }
  return undefined;
}

function matches(rs: Ruleset, m: RulesetSubject): boolean {
  if (rs.mailFromRegexp !== undefined && !new RegExp(rs.mailFromRegexp, 'u').test(m.mailFrom)) return false;
  if (rs.msgFromRegexp !== undefined && (m.msgFrom === '' || !new RegExp(rs.msgFromRegexp, 'u').test(m.msgFrom))) return false;
  if (rs.verifiedDomain !== undefined) {
    const d = rs.verifiedDomain;
    const within = (s: string) => s === d || s.endsWith('.' + d);
    const verified =
      (m.ehloValidated && within(m.ehloDomain)) || (m.mailFromValidated && within(m.mailFromDomain)) || m.dkimDomains.some(within);
    if (!verified) return false;
  }
  for (const [name, value] of Object.entries(rs.headersRegexp ?? {})) {
    const nameRe = new RegExp(name, 'u');
    const valueRe = new RegExp(value, 'u');
    if (!m.headers.some((h) => nameRe.test(h.name) && valueRe.test(h.value.trim().toLowerCase()))) return false;
  }
  return true;
}
