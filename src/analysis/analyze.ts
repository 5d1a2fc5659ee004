import type { AuthResults, DnsblOutcome } from '../auth/results.ts';
import type { Classification } from '../junk/classify.ts';
import type { FittedThreshold } from '../junk/threshold.ts';
import type { MessageFacts } from '../mail/facts.ts';
import { ipMasks } from '../mail/ip.ts';
import { orgDomain } from '../mail/org-domain.ts';
import type { HeaderField } from '../mail/parse.ts';
import type { ReadReport, Report } from '../mail/reports.ts';
import type { Reputation, Sender } from '../reputation/reputation.ts';
import { matchRuleset } from './rulesets.ts';
import { checkSenderRule, type SenderRuleCheck } from './sender-rules.ts';
import type { AnalysisSettings } from './settings.ts';
import { checkSubjectpass, type SubjectpassCheck } from './subjectpass.ts';

/**
 * Why a message was accepted or rejected: mox's reason tokens (docs/analysis.md 2.1). mox's tokens
 * for its own failures are not decisions here: see AnalysisFailure.
 */
export type Reason =
  | 'list-allow'
  | 'dmarc-policy'
  | 'spf-policy'
  | 'no-bad-signals'
  | 'junk-content'
  | 'junk-content-strict'
  | 'dns-blocklisted'
  | 'subjectpass'
  | 'iprev'
  | 'reporting'
  | 'sender-allow'
  | 'sender-block'
  | Exclude<Reputation['method'], 'none'>;

/** What the user needs to see to understand a decision. */
export interface Evidence {
  auth: AuthResults;
  /** The ruleset that matched, by its position in the settings. */
  ruleset: number | undefined;
  /** The user's allow or block rule for the sender, and whether it decided (absent before it existed). */
  senderRule?: SenderRuleCheck | null;
  forwarded: boolean;
  reputation: {
    method: Reputation['method'];
    junk: boolean | undefined;
    conclusive: boolean;
    text: string;
    /** The historic messages the deciding step counted (id, when, junk or not, subject). */
    counted: { id: number; received: number; junk: boolean; subject: string }[];
  } | null;
  junk: {
    probability: number;
    significant: boolean;
    /** The threshold the probability was compared with, after jitter and strict rules. */
    threshold: number;
    /** The filter's threshold setting, before jitter (absent in decisions made before it was kept). */
    configured?: number;
    /**
     * When the threshold was fitted on the user's training (src/junk/threshold.ts): the fitted
     * threshold before jitter, how many wanted messages' held-out scores it read, and the highest;
     * `setAside` when the fit was below the setting and the unsure band set it aside.
     */
    fitted?: { threshold: number; ham: number; highest: number; setAside?: FittedThreshold['setAside'] };
    /** The strongest words on each side: [word, spam probability]. */
    words: [string, number][];
    /**
     * The unsure band the probability was in, from `unsureFrom` to the threshold, when the
     * setting is on and the message was accepted there (docs/analysis.md 2.5).
     */
    unsure?: { from: number; to: number };
  } | null;
  subjectpass: SubjectpassCheck | 'off';
  dnsbl: DnsblOutcome | null;
  /** A message to a reporting address: the report found, and whether it was accepted and why not. */
  report: { kind: Report['kind']; accepted: boolean; problem: string | undefined; summary: Report | undefined } | null;
}

export interface Decision {
  accept: boolean;
  reason: Reason;
  /** The reason in words. */
  text: string;
  /** Where the message belongs: the destination, or the Rejects mailbox. */
  mailbox: string;
  /** Where it would have gone had it been accepted. */
  destined: string;
  /** A reject, wherever it is kept (Rejects, or a ruleset's accept-rejects mailbox). */
  isReject: boolean;
  /**
   * Spamminess in [0, 1] for ranking: 0 or 1 for a conclusive reputation, otherwise the content
   * probability the decision used (0.5 when the content filter was not consulted).
   */
  score: number;
  /** The sender's identities as recorded in the history (after forwarding rules). */
  sender: Sender;
  forwarded: boolean;
  mailingList: boolean;
  /** Verified DKIM domains a forwarding ruleset set aside (mox's OrigDKIMDomains). */
  origDkimDomains: string[];
  /** A DMARC or TLS report that was accepted with the message, to be kept. */
  report: Report | undefined;
  /**
   * Accepted with a content probability in the unsure band (settings.unsure): stays where it
   * is, marked for the user to judge (docs/analysis.md 2.5). Absent in decisions made before.
   */
  unsure?: boolean;
  evidence: Evidence;
}

/** Everything `analyze` reads. It does no I/O itself: lookups are passed in. */
export interface AnalysisInput {
  facts: MessageFacts;
  headers: HeaderField[];
  auth: AuthResults;
  settings: AnalysisSettings;
  /** The content filter's verdict on the message. */
  classify: () => Classification;
  /** Reputation of the sender for mail destined to `mailbox` (docs/analysis.md section 3). */
  reputation: (mailbox: string, sender: Sender) => Reputation;
  /** The report attached to the message, only asked for mail to a reporting address. */
  readReport: (kind: Report['kind']) => Promise<ReadReport>;
  /** DNS block list check of an IP, only asked when everything else accepted (6.1). */
  dnsbl: (ip: string) => Promise<DnsblOutcome>;
  /** The account's subject-pass key. */
  subjectpassKey: () => string;
  /** Uniform in [0, 1): the threshold jitter. */
  random: () => number;
  /** The message's receive time, ms since the epoch. */
  now: number;
}

/**
 * The analysis itself failed (mox's reputation-error, subjectpass-error, junk-classify-error):
 * the message is not judged. mox answers 451 and the sender retries; Warden has no sender to
 * retry, so the message stays where it is, unanalysed, and is tried again later
 * (docs/fidelity.md, "Internal failures").
 */
export class AnalysisFailure extends Error {
  override name = 'AnalysisFailure';
  readonly reason: 'reputation-error' | 'subjectpass-error' | 'junk-classify-error';

  constructor(reason: AnalysisFailure['reason'], what: string, cause: unknown) {
    super(`${what} (${reason}): ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.reason = reason;
  }
}

/** Runs one of the analysis's own lookups; its failure is an AnalysisFailure, never a decision. */
function internal<T>(reason: AnalysisFailure['reason'], what: string, work: () => T): T {
  try {
    return work();
  } catch (err) {
    throw new AnalysisFailure(reason, what, err);
  }
}

/** mox's stricter content threshold for suspicious circumstances (docs/analysis.md 2.2 step 16). */
const STRICT_THRESHOLD = 0.25;

/**
 * mox's delivery decision, smtpserver/analyze.go at the revision Warden is built from
 * (893a6f8911), as Warden adapts it. docs/fidelity.md lists each of its branches, Warden's
 * counterpart, and where and why Warden deviates; the comments marked "Deviation" below are
 * those. The subject-pass hint is left out: it means sending mail.
 */
export async function analyze(input: AnalysisInput, fit: FittedThreshold): Promise<Decision> {
  const { facts, auth, settings } = input;
  const sender = senderOf(facts, auth);
  const subject = {
    mailFrom: facts.mailFrom ? `${facts.mailFrom.local}@${facts.mailFrom.domain}` : '',
    msgFrom: facts.from ? `${facts.from.local}@${facts.from.domain}` : '',
    ehloDomain: sender.ehloDomain,
    ehloValidated: auth.ehloValidated,
    mailFromDomain: sender.mailFromDomain,
    mailFromValidated: auth.mailFromValidated,
    dkimDomains: auth.dkimDomains,
    headers: input.headers,
  };
  const matched = matchRuleset(settings.rulesets, subject);
  const ruleset = matched?.ruleset;
  const destined = ruleset?.mailbox ?? settings.inbox;
  const evidence: Evidence = {
    auth,
    ruleset: matched?.index,
    senderRule: null,
    forwarded: false,
    reputation: null,
    junk: null,
    subjectpass: 'off',
    dnsbl: null,
    report: null,
  };
  const base = { destined, sender, forwarded: false, mailingList: false, origDkimDomains: [] as string[], report: undefined as Report | undefined, evidence };
  const accept = (reason: Reason, text: string, score: number): Decision => ({ ...base, accept: true, reason, text, mailbox: destined, isReject: false, score });
  const reject = (reason: Reason, text: string, score: number): Decision => {
    // mox's reject helper (step 4): a ruleset may keep its rejects in a mailbox of its own.
    // Deviation: mox then answers accept (analyze.go@A:174-179), which to it means "the sender
    // need not retry"; Warden's accept means "leave it where it arrived", so a reject stays a
    // reject, moved to that mailbox (docs/fidelity.md).
    const mailbox = ruleset?.acceptRejectsToMailbox ?? settings.rejectsMailbox;
    return { ...base, accept: false, reason, text, mailbox, isReject: true, score };
  };

  // Warden's own step, before mox's (docs/sender-rules.md): the user's allow and block list. A
  // forwarding ruleset sets DMARC aside (step 3), so it cannot show an allowed sender forged.
  const senderRule = checkSenderRule(settings.senderRules, facts.from, auth.dmarc.result === 'fail' && !ruleset?.isForward);
  evidence.senderRule = senderRule ?? null;
  if (senderRule?.decided) {
    return senderRule.action === 'allow' ? accept('sender-allow', senderRule.text, 0) : reject('sender-block', senderRule.text, 1);
  }

  // Step 2: a mailing list the user allowed, verified by SPF or DKIM with exactly that domain.
  const listDomain = ruleset?.listAllowDomain;
  if (listDomain !== undefined) {
    const verified = (auth.mailFromValidated && sender.mailFromDomain === listDomain) || auth.dkimDomains.includes(listDomain);
    if (verified) {
      base.mailingList = true;
      return accept('list-allow', `mailing list ${listDomain}, verified, is allowed by a rule`, 0);
    }
  }

  // Step 3: mail forwarded from another mailbox of the user's. The forwarder's IP, EHLO, MAIL
  // FROM and DMARC say nothing about the original sender.
  let dmarcUse = auth.dmarc.use;
  if (ruleset?.isForward) {
    dmarcUse = false;
    base.forwarded = evidence.forwarded = true;
    sender.ipMasked = ['', '', ''];
    sender.ehloDomain = '';
    sender.mailFromDomain = '';
    const verified = ruleset.verifiedDomain;
    base.origDkimDomains = auth.dkimDomains;
    sender.dkimDomains = auth.dkimDomains.filter((d) => d !== verified);
  }

  // Step 5: the From domain's DMARC policy asks to reject what fails it.
  if (dmarcUse && auth.dmarc.reject) {
    return reject('dmarc-policy', `the From domain ${auth.dmarc.domain} publishes DMARC policy ${auth.dmarc.policy} and the message failed DMARC`, 1);
  }

  // Steps 6, 7: a report about the user's own domains, sent to their reporting address.
  const reportKind = reportDestination(facts, settings.reports);
  if (reportKind) {
    const read = await input.readReport(reportKind);
    const problem = 'problem' in read ? read.problem : reportProblem(read.report, facts, auth, settings.reports.domains, input.now);
    const summary = 'report' in read ? read.report : undefined;
    evidence.report = { kind: reportKind, accepted: problem === undefined, problem, summary };
    if (problem === undefined) base.report = summary;
  }

  // Step 9: reputation.
  let rep = internal('reputation-error', 'the sender\'s reputation could not be read', () => input.reputation(destined, sender));
  // Deviation from mox: when authentication was not checked (offline, or no trusted hop),
  // whether the From address is forged is unknown, not "unvalidated"; reputation of the address
  // or its domain then only leans (steps 13, 14). mox would let the history of a freemail domain
  // accept or reject anyone claiming it.
  if (!auth.checked && rep.conclusive && ['msgfromfull', 'msgfromdomain', 'msgfromorgdomain'].includes(rep.method)) {
    rep = { ...rep, conclusive: false, text: `${rep.text}; not conclusive, as the From address could not be verified` };
  }
  evidence.reputation = {
    method: rep.method,
    junk: rep.junk,
    conclusive: rep.conclusive,
    text: rep.text,
    counted: rep.counted.map((m) => ({ id: m.id, received: m.received, junk: m.junk, subject: m.subject })),
  };

  // Step 11: conclusive reputation decides.
  if (rep.conclusive && rep.method !== 'none') {
    return rep.junk ? reject(rep.method, rep.text, 1) : accept(rep.method, rep.text, 0);
  }

  // Step 12: an accepted report, from a sender reputation does not condemn.
  if (base.report) {
    const r = base.report;
    const about = r.kind === 'dmarc' ? r.domain : r.domains.join(', ');
    return accept('reporting', `a ${r.kind === 'dmarc' ? 'DMARC' : 'TLS'} report about ${about} from ${r.org || 'an unnamed reporter'}`, 0);
  }

  // Steps 13, 14: without a From-address signal, SPF failure and a missing reverse name count.
  // Not checked (offline) is no signal.
  const noAddressSignal = ['dkimspf', 'ip1', 'ip2', 'ip3', 'none'].includes(rep.method);
  const classification = (): { probability: number; significant: boolean; words: [string, number][] } => {
    const c = input.classify();
    return { probability: c.probability, significant: c.significant, words: [...c.spams, ...c.hams] };
  };
  if (noAddressSignal && auth.spf.identity === 'mailfrom' && (auth.spf.result === 'fail' || auth.spf.result === 'softfail')) {
    return reject('spf-policy', `SPF ${auth.spf.result} for the MAIL FROM domain ${auth.spf.domain}, and no reputation of the From address`, 1);
  }
  const iprevChecked = auth.iprev.result !== 'not-checked';
  const suspiciousIprev = noAddressSignal && iprevChecked && auth.iprev.result !== 'pass';
  if (suspiciousIprev && rep.junk === true) {
    return reject('iprev', `the sending IP has no valid reverse name (${auth.iprev.result}) and ${rep.text}`, 1);
  }

  // Step 15: a valid subject-pass token accepts.
  if (settings.subjectpassHours > 0) {
    const key = internal('subjectpass-error', 'the subject-pass key could not be read', input.subjectpassKey);
    const check = checkSubjectpass(facts.rawSubject, facts.from, key, settings.subjectpassHours * 3_600_000, input.now);
    evidence.subjectpass = check;
    if (check === 'valid') return accept('subjectpass', 'the subject carries a valid pass token', 0);
  }

  // Step 16: the content filter, with a threshold moved by jitter and lowered when suspicious.
  const content = internal('junk-classify-error', 'the content filter failed', classification);
  let limit = fit.threshold + settings.jitter * (2 * input.random() - 1);
  let reason: Reason = 'junk-content';
  let why = '';
  // mox's later stricter rules for plaintext SMTP and a hidden recipient (2ff87a0) are settings,
  // off unless turned on (docs/fidelity.md).
  if (limit > STRICT_THRESHOLD) {
    if (suspiciousIprev) [limit, reason, why] = [STRICT_THRESHOLD, 'junk-content-strict', `the sending IP has no valid reverse name (${auth.iprev.result})`];
    else if (settings.strictPlaintext && facts.boundary && !facts.boundary.tls) {
      [limit, reason, why] = [STRICT_THRESHOLD, 'junk-content-strict', 'the message arrived without TLS'];
    } else if (settings.strictRecipient && !base.forwarded && recipientHidden(facts)) {
      [limit, reason, why] = [STRICT_THRESHOLD, 'junk-content-strict', 'your address is in neither To nor Cc'];
    }
  }
  evidence.junk = {
    ...content,
    threshold: limit,
    configured: fit.configured,
    ...(fit.highest !== undefined && { fitted: { threshold: fit.threshold, ham: fit.ham, highest: fit.highest, ...(fit.setAside && { setAside: fit.setAside }) } }),
  };
  // Deviation: mox at Warden's revision judges content from the first message; mox from 6aa2139
  // (2025) on, and Warden, let an insignificant filter (under 50 trained ham) reject nothing,
  // unless iprev is suspicious: a new filter scores near 0.5 and would reject mail for want of
  // training (docs/fidelity.md).
  const contentAccepts = content.probability <= limit || (!content.significant && !suspiciousIprev);
  if (!contentAccepts) {
    const text = `the content looks like junk (${content.probability.toFixed(3)} > ${limit.toFixed(3)})${why ? `; stricter because ${why}` : ''}`;
    return reject(reason, text, content.probability);
  }

  // Step 17: DNS block lists, only for mail that would be accepted, only with an IP. As in mox
  // (analyze.go@A:380), the connecting IP is looked up even for forwarded and List-Id mail,
  // whose IP is only kept out of reputation.
  if (settings.dnsblZones.length > 0 && facts.boundary) {
    const listed = await input.dnsbl(facts.boundary.ip);
    evidence.dnsbl = listed;
    if (listed.result === 'fail') {
      return reject('dns-blocklisted', `the sending IP ${facts.boundary.ip} is listed by ${listed.zone}${listed.explanation ? `: ${listed.explanation}` : ''}`, content.probability);
    }
  }
  // Warden's own, after mox's flow has accepted: the unsure band changes no verdict, it only
  // marks (docs/analysis.md 2.5). An insignificant filter is unsure of everything: no band.
  if (settings.unsure && content.significant && content.probability >= settings.unsureFrom) {
    evidence.junk.unsure = { from: settings.unsureFrom, to: limit };
    return { ...accept('no-bad-signals', unsureText(content.probability, settings.unsureFrom, limit), content.probability), unsure: true };
  }
  return accept('no-bad-signals', rep.method === 'none' ? 'nothing suspicious found' : `nothing suspicious found; ${rep.text}`, content.probability);
}

/** "unsure: junk 62%, between 50% and 95%": percentages to a tenth where a tenth shows. */
export function unsureText(probability: number, from: number, to: number): string {
  const pct = (x: number) => `${Number((x * 100).toFixed(1))}%`;
  return `unsure: junk ${pct(probability)}, between ${pct(from)} and ${pct(to)}`;
}

/** Which kind of report the message is addressed to receive, if any. */
function reportDestination(facts: MessageFacts, reports: AnalysisSettings['reports']): Report['kind'] | undefined {
  const recipients = (facts.deliveredTo ? [facts.deliveredTo] : [...facts.to, ...facts.cc]).map((a) => `${a.local}@${a.domain}`.toLowerCase());
  if (recipients.some((r) => reports.dmarcAddresses.includes(r))) return 'dmarc';
  if (recipients.some((r) => reports.tlsAddresses.includes(r))) return 'tls';
  return undefined;
}

/** Why a report is not accepted (mox's analyze.go@A:193-255), or undefined. */
function reportProblem(report: Report, facts: MessageFacts, auth: AuthResults, domains: string[], now: number): string | undefined {
  if (report.kind === 'dmarc') {
    if (auth.dmarc.result !== 'pass') return `the report's sender did not pass DMARC (${auth.dmarc.result})`;
    if (!domains.includes(report.domain)) return `the report is about ${report.domain}, not one of your domains`;
    // A report about a period that has not ended yet is made up.
    if (report.end.getTime() > now + 60_000) return 'the period of the report ends in the future';
    return undefined;
  }
  // RFC 8460 section 5.3: signed by the From domain, over the whole body, with a key that allows
  // TLS reports. Deviation: as mox from the day after Warden's revision (61bae75), a parent of
  // the From domain in the same organisational domain also signs (docs/fidelity.md).
  const from = facts.from?.domain ?? '';
  const signed = auth.dkim.some(
    (d) =>
      d.result === 'pass' &&
      !d.bodyLimited &&
      (d.services.includes('*') || d.services.includes('tlsrpt')) &&
      (d.domain === from || (from.endsWith(`.${d.domain}`) && orgDomain(d.domain) === orgDomain(from))),
  );
  if (!signed) return 'no DKIM signature of the From domain that allows TLS reports';
  if (!report.domains.some((d) => domains.includes(d))) return `the report is about ${report.domains.join(', ') || 'no domain'}, none of them yours`;
  return undefined;
}

/** The new message's identities for reputation and the history (mox's Message fields, 3.1). */
export function senderOf(facts: MessageFacts, auth: AuthResults): Sender {
  const hop = facts.boundary;
  const fromDomain = facts.from?.domain ?? '';
  return {
    fromLocal: facts.from?.local ?? '',
    fromDomain,
    fromOrgDomain: orgDomain(fromDomain),
    fromValidated: auth.fromValidation !== 'none',
    dkimDomains: auth.dkimDomains,
    mailFromLocal: facts.mailFrom?.local ?? '',
    mailFromDomain: facts.mailFrom?.domain ?? '',
    mailFromValidated: auth.mailFromValidated,
    ehloDomain: hop?.ehlo ?? '',
    ehloValidated: auth.ehloValidated,
    remoteIp: hop?.ip ?? '',
    // Deviation from mox: mailing-list mail (RFC 2919 List-Id) arrives from the list's server,
    // whose reputation says nothing about the poster, like a forwarder's (docs/analysis.md E14, E16):
    // it neither gets nor gives IP reputation.
    ipMasked: hop && facts.listId === '' ? ipMasks(hop.ip) : ['', '', ''],
  };
}

/**
 * mox at H: the envelope recipient in neither To nor Cc makes the content threshold stricter.
 * Warden knows the recipient only from Delivered-To or X-Original-To; without one, no signal.
 */
function recipientHidden(facts: MessageFacts): boolean {
  const rcpt = facts.deliveredTo;
  if (!rcpt || rcpt.local === '') return false;
  const same = (a: { local: string; domain: string }) => a.domain === rcpt.domain && a.local.toLowerCase() === rcpt.local.toLowerCase();
  return !facts.to.some(same) && !facts.cc.some(same);
}
