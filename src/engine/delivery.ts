import { randomBytes } from 'node:crypto';
import { analyze, senderOf, type Decision } from '../analysis/analyze.ts';
import { withoutSenderRule, withSenderRule } from '../analysis/sender-rules.ts';
import { senderPattern, senderRuleSchema, type AnalysisSettings, type SenderRule } from '../analysis/settings.ts';
import { subjectpassToken } from '../analysis/subjectpass.ts';
import { authenticate } from '../auth/authenticate.ts';
import { providerAuthResults } from '../auth/provider-results.ts';
import type { Label } from '../junk/filter.ts';
import { messageWords } from '../junk/words.ts';
import { splitAddress } from '../mail/addresses.ts';
import { messageFacts, type MessageFacts } from '../mail/facts.ts';
import { orgDomain } from '../mail/org-domain.ts';
import { parseMessage, type MessageContent } from '../mail/parse.ts';
import { reputation, type Sender } from '../reputation/reputation.ts';
import { History, type MessageRecord } from '../store/history.ts';
import { EngineContext, type ContextOptions, type DnsOptions } from './context.ts';
import { TRAINING, withUnsureBand, type FittedThreshold, type JunkService, type SetUp } from './junk.ts';
import { parseWith } from './validate.ts';

export type { AnalysisSettings, Decision, SenderRule };

export interface DeliveryOptions extends ContextOptions, AccountAnalysis {}

/** An account's own part of the analysis, over the context every account shares. */
export interface AccountAnalysis {
  /** The account whose history this is; the file simulation's when not given. */
  account?: number;
  /**
   * The account's own settings, over the shared ones: its provider hosts (docs/analysis.md 1.3) and
   * its Rejects folder. Not stored by `configure`.
   */
  overrides?: Partial<Pick<AnalysisSettings, 'providerHosts' | 'rejectsMailbox'>>;
}

export type { DnsOptions };

/** What the analysis made of a message, before anything is recorded. */
export interface Examination {
  facts: MessageFacts;
  decision: Decision;
}

export interface Delivered extends Examination {
  /** The message's id in the history. */
  msg: number;
  /** The message was known already (by its bytes): this is the earlier decision, not a new one. */
  known: boolean;
  /** Known, and still recorded as a reject: seen again in INBOX, the user has put it back. */
  restorable: boolean;
}

/** A decision not yet recorded, or the recorded one of a message the history knows. */
export interface Decided extends Examination {
  /** Known already by its bytes: its id, whether it is recorded as a reject, and whether another engine acted on it. */
  known?: { msg: number; isReject: boolean; elsewhere: boolean };
  /**
   * Recorded without a decision or a judgement (INBOX's mail at bootstrap): new mail to decide
   * on, whose decision `record` puts over that record, by this id.
   */
  filed?: number;
}

/** A message the history does not know. */
export class UnknownMessageError extends Error {
  override name = 'UnknownMessageError';
}

/**
 * The analysis of one data directory, driven over files: examine a message, deliver it (decide
 * and record), learn from the user's feedback, and remember whom the user wrote to. The IMAP
 * engine does the same with the messages it sees.
 */
export class DeliveryService {
  readonly junk: JunkService;
  readonly #context: EngineContext;
  readonly #history: History;
  readonly #overrides: AccountAnalysis['overrides'];
  /** Whether `close` closes the context: only when this service opened it. */
  readonly #ownsContext: boolean;

  private constructor(context: EngineContext, options: AccountAnalysis, ownsContext: boolean) {
    this.#context = context;
    this.#ownsContext = ownsContext;
    this.junk = context.junk;
    this.#history = new History(context.db, options.account);
    this.#overrides = options.overrides;
  }

  /** The analysis of a data folder on a context of its own (the command line, the file simulation). */
  static open(dataDir: string, options: DeliveryOptions = {}): DeliveryService {
    const context = EngineContext.open(dataDir, options);
    return new DeliveryService(context, options, true);
  }

  /** An account's analysis on the context its engine shares between accounts. */
  static forAccount(context: EngineContext, options: AccountAnalysis = {}): DeliveryService {
    return new DeliveryService(context, options, false);
  }

  /** The settings in force: the shared ones as they are now, with the account's overrides. */
  get settings(): AnalysisSettings {
    return { ...this.#context.settings.get(), ...this.#overrides };
  }

  /** Merges `changes` into the stored analysis settings; refuses invalid ones, naming the field. */
  configure(changes: Record<string, unknown>): AnalysisSettings {
    this.#context.settings.configure(changes);
    return this.settings;
  }

  /**
   * Always accept (allow) or always reject (block) mail from `sender`, an address or a domain
   * (docs/sender-rules.md), in place of any rule it had. Returns the rule as kept, and the one
   * it replaced.
   */
  setSenderRule(sender: string, action: SenderRule['action']): { rule: SenderRule; replaced: SenderRule | undefined } {
    const rule = parseWith(senderRuleSchema, { sender, action }, 'sender rule');
    const rules = this.settings.senderRules;
    this.configure({ senderRules: withSenderRule(rules, rule) });
    return { rule, replaced: rules.find((r) => r.sender === rule.sender) };
  }

  /** Forgets the rule for `sender`, and returns it; an error when it has none. */
  removeSenderRule(sender: string): SenderRule {
    const kept = parseWith(senderPattern, sender, 'sender');
    const rules = this.settings.senderRules;
    this.configure({ senderRules: withoutSenderRule(rules, kept) });
    return rules.find((r) => r.sender === kept)!;
  }

  /** Analyses a message as a new INBOX arrival received at `received`, recording nothing. */
  async examine(raw: Uint8Array, received = Date.now()): Promise<Examination> {
    const content = await parseMessage(raw);
    return this.#examine(raw, content, received);
  }

  /**
   * A new INBOX arrival: decided and recorded where the decision puts it (docs/analysis.md 7.2). A
   * message already in the history is never analysed again (E1); its decision is returned.
   */
  async deliver(raw: Uint8Array, received = Date.now()): Promise<Delivered> {
    const decided = await this.decide(raw, received);
    if (decided.known) return { ...decided, msg: decided.known.msg, known: true, restorable: decided.known.isReject };
    return { ...decided, msg: this.record(decided, received).msg, known: false, restorable: false };
  }

  /**
   * deliver's first half: the decision on a new arrival, or the earlier one of a message the
   * history knows (by its bytes), recording nothing. The IMAP engine records it with `record`
   * in the same transaction as what it does next, so a crash cannot split the two.
   */
  async decide(raw: Uint8Array, received = Date.now()): Promise<Decided> {
    const content = await parseMessage(raw);
    const facts = this.#facts(raw, content);
    const stored = this.#history.findByFingerprint(facts.fingerprint);
    if (!stored) return this.#examine(raw, content, received, facts);
    const known = { msg: stored.id, isReject: stored.isReject, elsewhere: stored.elsewhere };
    const decision = this.#history.lastDecision(stored.id)?.evidence as Decision | undefined;
    if (decision) return { facts, decision, known };
    // Known without a decision: filed before Warden watched (bootstrap). Filed as junk or as
    // wanted mail, the user judged it: analysed to be shown, never recorded or acted on. Found in
    // INBOX, nobody judged it: it is mail to decide on like any (analyze-inbox, E8).
    const examined = await this.#examine(raw, content, received, facts);
    return stored.junk || stored.notjunk ? { ...examined, known } : { ...examined, filed: stored.id };
  }

  /**
   * A message the user had filed before Warden watched the account (bootstrap, docs/analysis.md E8):
   * recorded as delivered to INBOX, judged `label` (from Junk: spam; from a filed folder: ham;
   * in INBOX: neither), and the content filter trained with it. Its authentication is what the
   * provider recorded when it received it (its Authentication-Results above the trusted hop),
   * not today's DNS, which says nothing reliable about old mail. A message the history knows is
   * not recorded again, but still trained (idempotent), so an interrupted bootstrap loses no
   * training. `train` trains the content filter without that judgement in the history (read
   * INBOX mail taken as wanted, which the user never filed), through the caller's `setUp`.
   * Returns whether it was new to the history.
   */
  async file(raw: Uint8Array, received: number, label: Label | undefined, train: Label | undefined, setUp: SetUp): Promise<boolean> {
    const content = await parseMessage(raw);
    const facts = this.#facts(raw, content);
    const fresh = this.#history.findByFingerprint(facts.fingerprint) === undefined;
    if (fresh) {
      const sender = senderOf(facts, providerAuthResults(content.headers, facts, this.settings.providerHosts));
      this.#history.transaction(() =>
        this.#history.insertMessage({
          ...messageRecord(facts, sender, received, this.#history.mailboxId(this.settings.inbox)),
          junk: label === 'spam',
          notjunk: label === 'ham',
          isMailingList: facts.listId !== '',
        }),
      );
    }
    if (train) this.junk.trainWords(await this.junk.words(raw, TRAINING), train, setUp);
    return fresh;
  }

  /** deliver's second half: records a new decision in the history; returns the message's and the decision's ids. */
  record({ facts, decision, filed }: Decided, received: number): { msg: number; decision: number } {
    return this.#history.transaction(() => {
      const destined = this.#history.mailboxId(decision.destined);
      const orig = decision.isReject ? this.#history.mailboxId(decision.mailbox) : destined;
      const decided = {
        origMailbox: orig,
        destinedMailbox: decision.isReject ? destined : null,
        isReject: decision.isReject,
        rejectedAt: decision.isReject ? Date.now() : null,
        isForward: decision.forwarded,
        isMailingList: decision.mailingList,
      };
      let id = filed;
      if (id === undefined) id = this.#history.insertMessage({ ...messageRecord(facts, decision.sender, received, orig), ...decided, origDkimDomains: decision.origDkimDomains });
      else this.#history.setDecided(id, decided);
      if (decision.report) this.#history.storeReport(id, decision.report);
      const logged = this.#history.logDecision({
        msgId: id,
        decidedAt: Date.now(),
        accept: decision.accept,
        reason: decision.reason,
        text: decision.text,
        mailbox: decision.mailbox,
        score: decision.score,
        unsure: decision.unsure ?? false,
        evidence: decision,
      });
      return { msg: id, decision: logged };
    });
  }

  /**
   * The user's judgement of a delivered message (docs/analysis.md section 8): `ham` when they restore
   * it from Rejects (or mark it not junk), `spam` when they move it to Junk. A reject taken out of
   * Rejects counts where it was destined from now on. The Bayesian filter is (re)trained.
   */
  async feedback(msg: number, label: Label, raw: Uint8Array): Promise<void> {
    const stored = this.#history.findById(msg);
    if (!stored) throw new UnknownMessageError(`no delivered message ${msg}`);
    const words = await this.junk.words(raw, TRAINING);
    if (words.fingerprint !== stored.fingerprint) throw new Error(`the message file is not message ${msg} (its bytes differ)`);
    this.#history.transaction(() => {
      if (stored.isReject) this.#history.restore(msg);
      this.#history.setJudgement(msg, { junk: label === 'spam', notjunk: label === 'ham' });
    });
    this.junk.trainWords(words, label);
    this.junk.commit();
  }

  /**
   * The user's judgement of a message found in a folder (Junk): a message in the history gets
   * its feedback; one Warden never saw is only trained. Returns what was done.
   */
  async judge(raw: Uint8Array, label: Label): Promise<'feedback' | 'trained' | 'unchanged'> {
    const words = await this.junk.words(raw, TRAINING);
    const stored = this.#history.findByFingerprint(words.fingerprint);
    if (stored) {
      if (stored.junk === (label === 'spam') && stored.notjunk === (label === 'ham')) return 'unchanged';
      await this.feedback(stored.id, label, raw);
      return 'feedback';
    }
    const outcome = this.junk.trainWords(words, label);
    this.junk.commit();
    return outcome === 'unchanged' ? 'unchanged' : 'trained';
  }

  /** A message the user sent: its To, Cc and Bcc become known correspondents (3.5). */
  async sent(raw: Uint8Array, now = Date.now()): Promise<number> {
    const { headers } = await parseMessage(raw, { maxTextBytes: 0 });
    const facts = messageFacts(raw, headers);
    const recipients = [...facts.to, ...facts.cc, ...facts.bcc]
      .filter((a) => a.local !== '' && a.domain !== '')
      .map((a) => ({ local: a.local, domain: a.domain, orgDomain: orgDomain(a.domain) }));
    return this.#history.transaction(() => this.#history.addRecipients(recipients, facts.date?.getTime() ?? now, facts.fingerprint));
  }

  /** The DMARC and TLS reports accepted so far, newest period first. */
  reports(limit?: number): ReturnType<History['reports']> {
    return this.#history.reports(limit);
  }

  /**
   * A subject-pass token for mail from `from` (docs/analysis.md section 5): a sender who puts it in
   * the Subject gets past the content filter for the configured period. Warden sends no mail:
   * the user hands the token out.
   */
  subjectpassToken(from: string, now = Date.now()): string {
    const address = splitAddress(from);
    if (!address) throw new Error(`not an email address: ${from}`);
    return subjectpassToken(address, this.#subjectpassKey(), now);
  }

  /**
   * The threshold the analysis judges content by: the filter's, fitted on the user's training or
   * not, but the setting while the unsure band is on (src/junk/threshold.ts withUnsureBand).
   */
  threshold(): FittedThreshold {
    return withUnsureBand(this.junk.threshold(), this.settings.unsure);
  }

  /** Closes the context when this service opened it; an engine's is the engine's to close. */
  close(): void {
    if (this.#ownsContext) this.#context.close();
  }


  async #examine(raw: Uint8Array, content: MessageContent, received: number, facts = this.#facts(raw, content)): Promise<Examination> {
    const { resolver, dnsbl, random } = this.#context;
    const auth = await authenticate(raw, facts, resolver, { random });
    const words = messageWords(content, this.junk.params);
    const decision = await analyze(
      {
        facts,
        headers: content.headers,
        auth,
        settings: this.settings,
        classify: () => this.junk.verdict(words),
        reputation: (mailbox, sender) => reputation(this.#history, this.#history.findMailboxId(mailbox), sender, received),
        // Loaded for the first report that arrives (its XML and zip readers are needed for nothing else).
        readReport: async (kind) => (await import('../mail/reports.ts')).readReport(raw, kind),
        dnsbl: (ip) => dnsbl.check(ip, this.settings.dnsblZones),
        subjectpassKey: () => this.#subjectpassKey(),
        random,
        now: received,
      },
      this.threshold(),
    );
    return { facts, decision };
  }

  #facts(raw: Uint8Array, content: MessageContent): MessageFacts {
    return messageFacts(raw, content.headers, { providerHosts: this.settings.providerHosts });
  }

  /**
   * The account's subject-pass key, made on first use. Deviation from mox, which keys per
   * recipient address: an account here is one mailbox, so one key.
   */
  #subjectpassKey(): string {
    return this.#history.subjectpassKey('', () => randomBytes(12).toString('base64url'));
  }
}

/**
 * A message's row in the history from its facts and sender: delivered to `orig`, neither a
 * reject nor judged (INBOX is neutral, mox's default automatic junk flags: the user's judgement
 * comes later), not forwarded.
 */
function messageRecord(facts: MessageFacts, s: Sender, received: number, orig: number): MessageRecord {
  return {
    fingerprint: facts.fingerprint,
    messageId: facts.messageId,
    received,
    origMailbox: orig,
    destinedMailbox: null,
    isReject: false,
    rejectedAt: null,
    junk: false,
    notjunk: false,
    remoteIp: s.remoteIp,
    ipMasked: s.ipMasked,
    ehloDomain: s.ehloDomain,
    mailFromLocal: s.mailFromLocal,
    mailFromDomain: s.mailFromDomain,
    fromLocal: s.fromLocal,
    fromDomain: s.fromDomain,
    fromOrgDomain: s.fromOrgDomain,
    ehloValidated: s.ehloValidated,
    mailFromValidated: s.mailFromValidated,
    fromValidated: s.fromValidated,
    isForward: false,
    isMailingList: false,
    subject: facts.subject,
    dkimDomains: s.dkimDomains,
    origDkimDomains: [],
  };
}
