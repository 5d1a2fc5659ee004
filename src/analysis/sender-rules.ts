import type { Address } from '../mail/facts.ts';
import type { SenderRule } from './settings.ts';

/**
 * The user's allow and block list (docs/sender-rules.md): a rule names a From address, or a domain
 * with its subdomains. The most specific rule for a sender is the one that counts: its address's,
 * then its own domain's, then each parent domain's in turn.
 */

/** What a sender rule made of a message, kept in its evidence. */
export interface SenderRuleCheck extends SenderRule {
  /** The rule decided. An allow rule does not when the From address is shown forged (DMARC). */
  decided: boolean;
  /** In words. */
  text: string;
}

/** The rule for mail from `from`: the one for its address, else for its nearest domain. */
export function senderRuleFor(rules: readonly SenderRule[], from: Address | undefined): SenderRule | undefined {
  if (!from) return undefined;
  const bySender = new Map(rules.map((r) => [r.sender, r]));
  const byAddress = bySender.get(`${from.local.toLowerCase()}@${from.domain}`);
  if (byAddress) return byAddress;
  const labels = from.domain.split('.');
  for (let i = 0; i < labels.length; i++) {
    const rule = bySender.get(labels.slice(i).join('.'));
    if (rule) return rule;
  }
  return undefined;
}

/**
 * The user's rule for the message's From address, if there is one. A block rule always decides:
 * blocking a forged address costs the user nothing they asked for. An allow rule does not decide
 * when the message failed DMARC (`forged`): its From address is then not the sender's, and an
 * allowed bank or friend is what a phisher forges.
 */
export function checkSenderRule(rules: readonly SenderRule[], from: Address | undefined, forged: boolean): SenderRuleCheck | undefined {
  const rule = senderRuleFor(rules, from);
  if (!rule) return undefined;
  const who = rule.sender.includes('@') ? rule.sender : `everyone at ${rule.sender}`;
  if (rule.action === 'block') return { ...rule, decided: true, text: `you always reject mail from ${who}` };
  if (forged) return { ...rule, decided: false, text: `you always accept mail from ${who}, but this message failed DMARC: its From address is not its sender's, so your rule did not decide` };
  return { ...rule, decided: true, text: `you always accept mail from ${who}` };
}

/** `rules` with `rule` in place of any earlier rule for the same sender. */
export function withSenderRule(rules: readonly SenderRule[], rule: SenderRule): SenderRule[] {
  return [...rules.filter((r) => r.sender !== rule.sender), rule];
}

/** `rules` without the one for `sender` (as kept: senderPattern); an error when there is none. */
export function withoutSenderRule(rules: readonly SenderRule[], sender: string): SenderRule[] {
  if (!rules.some((r) => r.sender === sender)) {
    throw new Error(`there is no rule for ${sender}: ${rules.length === 0 ? 'there are no rules' : `the rules are for ${rules.map((r) => r.sender).join(', ')}`}`);
  }
  return rules.filter((r) => r.sender !== sender);
}
