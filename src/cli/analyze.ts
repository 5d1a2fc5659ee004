import type { Decision, DeliveryService } from '../engine/delivery.ts';
import type { Output } from './junk.ts';
import { listMailFiles, messagesOf } from './sources.ts';

/** A decision as `analyze --json` and the filter protocol's deliver print it. */
export function decisionJson(d: Decision): Record<string, unknown> {
  return {
    accept: d.accept,
    reason: d.reason,
    mailbox: d.mailbox,
    score: d.score,
    text: d.text,
    evidence: d.evidence,
  };
}

/** Analyses every message under the given paths as a new arrival; returns how many failed. */
export async function analyzePaths(service: DeliveryService, paths: string[], json: boolean, o: Output): Promise<number> {
  let failed = 0;
  for await (const message of messagesOf([[null, listMailFiles(paths)]])) {
    let decision: Decision;
    try {
      ({ decision } = await service.examine(message.raw));
    } catch (err) {
      failed++;
      o.err(`warden: ${message.source}: cannot analyse: ${(err as Error).message}`);
      continue;
    }
    if (json) o.out(JSON.stringify({ source: message.source, ...decisionJson(decision) }));
    else for (const line of describeDecision(message.source, decision)) o.out(line);
  }
  return failed;
}

/** A decision and its evidence in words, a few lines per message. */
export function describeDecision(source: string, d: Decision): string[] {
  const e = d.evidence;
  const a = e.auth;
  const lines = [`${source}: ${d.accept ? 'accept' : 'reject'} → ${d.mailbox} (${d.reason}): ${d.text}`];
  if (a.checked) {
    const dkim = a.dkim.length > 0 ? a.dkim.map((s) => `${s.result} ${s.domain}`).join(', ') : 'none';
    lines.push(`  authentication: SPF ${a.spf.result}${a.spf.domain ? ` (${a.spf.domain})` : ''}, DKIM ${dkim}, DMARC ${a.dmarc.result}, reverse DNS ${a.iprev.result}`);
  } else {
    lines.push('  authentication: not checked (offline, or no trusted Received header)');
  }
  if (e.senderRule && !e.senderRule.decided) lines.push(`  your rule: ${e.senderRule.text}`);
  if (e.reputation) lines.push(`  reputation (${e.reputation.method}): ${e.reputation.text}`);
  if (e.junk) {
    const words = e.junk.words.map(([w, p]) => `${w} ${p.toFixed(2)}`).join(', ') || '-';
    lines.push(`  content: ${e.junk.probability.toFixed(4)} against threshold ${e.junk.threshold.toFixed(3)}${e.junk.significant ? '' : ' (filter not yet significant)'}; words: ${words}`);
  }
  if (e.dnsbl && e.dnsbl.result !== 'not-checked') lines.push(`  block lists: ${e.dnsbl.result}${e.dnsbl.zone ? ` (${e.dnsbl.zone})` : ''}`);
  return lines;
}
