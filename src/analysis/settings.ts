import { isIP } from 'node:net';
import * as v from 'valibot';
import { splitAddress } from '../mail/addresses.ts';

/** A regular expression given as text: refused at load time when it does not compile. */
const regexp = v.pipe(
  v.string(),
  v.check((source) => {
    try {
      new RegExp(source, 'u');
      return true;
    } catch {
      return false;
    }
  }, 'not a valid regular expression'),
);

const domain = v.pipe(
  v.string(),
  v.minLength(1),
  v.transform((d) => d.toLowerCase().replace(/\.$/, '')),
);

/**
 * What keeps `name` from being a DNS name to put queries under, or undefined when it is one:
 * labels of 1 to 63 letters, digits and hyphens, not starting or ending with a hyphen, 253
 * characters in all (RFC 1035 sections 2.3.1 and 2.3.4, RFC 1123 section 2.1); not an IP
 * address, whose last label is all digits (RFC 3696 section 2). A final dot (the root) is allowed.
 */
function dnsNameProblem(name: string): string | undefined {
  const bare = name.replace(/\.$/, '');
  if (bare === '') return 'is empty';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(bare) || bare.includes('/')) {
    const host = URL.canParse(bare) ? new URL(bare).hostname : '';
    return `is a URL: give the name alone${host && dnsNameProblem(host) === undefined ? ` (${host})` : ', like zen.spamhaus.org'}`;
  }
  if (isIP(bare) !== 0 || /^\[.*\]$/.test(bare)) return 'is an IP address: give a DNS name, like zen.spamhaus.org';
  const other = /[^a-z0-9.-]/i.exec(bare);
  if (other) return `holds ${other[0].trim() === '' ? 'a space' : `"${other[0]}"`}: a DNS name has only letters, digits, hyphens and dots (an international name in its xn-- form)`;
  if (bare.length > 253) return `is ${bare.length} characters long: a DNS name has at most 253`;
  const labels = bare.split('.');
  if (labels.includes('')) return 'has an empty label (two dots in a row, or a dot first)';
  const long = labels.find((l) => l.length > 63);
  if (long !== undefined) return `has a label of ${long.length} characters: at most 63 between two dots`;
  if (labels.some((l) => l.startsWith('-') || l.endsWith('-'))) return 'has a label that starts or ends with a hyphen';
  if (/^\d+$/.test(labels.at(-1)!)) return 'ends with a label of digits only, which no DNS name does (is it an IP address?)';
  return undefined;
}

/** A DNS name (dnsNameProblem), lower-cased, without a final dot. */
const dnsName = v.pipe(
  v.string(),
  v.rawCheck(({ dataset, addIssue }) => {
    const problem = dataset.typed ? dnsNameProblem(dataset.value) : undefined;
    if (problem) addIssue({ message: `${JSON.stringify(dataset.value)} is not a DNS name: it ${problem}` });
  }),
  v.transform((d) => d.toLowerCase().replace(/\.$/, '')),
);

const address = v.pipe(
  v.string(),
  v.regex(/^[^@\s]+@[^@\s]+$/, 'not an email address'),
  v.toLowerCase(),
);

/**
 * Whom a sender rule names: an address (`alice@example.com`), or a domain (`example.com`, or
 * `@example.com`) with its subdomains. Kept as the mail's facts have it: the domain lower-case
 * Unicode (mail/addresses.ts), the local part lower-case (compared without case, as providers do).
 */
export const senderPattern = v.pipe(
  v.string(),
  v.trim(),
  v.rawTransform(({ dataset: { value: text }, addIssue, NEVER }) => {
    const bare = text.replace(/^@/, '');
    const isAddress = bare.includes('@');
    // A URL's path would be dropped by the domain's conversion, not refused.
    const split = /[/:]/.test(bare) ? undefined : splitAddress(isAddress ? bare : `postmaster@${bare}`);
    if (!split) {
      addIssue({ message: `${JSON.stringify(text)} is neither an email address nor a domain: give one like alice@example.com, or example.com for everyone there` });
      return NEVER;
    }
    return isAddress ? `${split.local.toLowerCase()}@${split.domain}` : split.domain;
  }),
);

/**
 * A sender rule (docs/sender-rules.md): mail from this sender is always accepted (allow) or
 * always rejected (block), whatever its content and reputation.
 */
export const senderRuleSchema = v.strictObject({ sender: senderPattern, action: v.picklist(['allow', 'block']) });

/**
 * A ruleset (docs/analysis.md 1.6, mox's config.Ruleset): all criteria given must hold; the first
 * matching ruleset applies.
 */
export const rulesetSchema = v.strictObject({
  /** Matches anywhere in the MAIL FROM address (`local@domain`). */
  mailFromRegexp: v.optional(regexp),
  /** Matches anywhere in the From address (`local@domain`); never matches without a From. */
  msgFromRegexp: v.optional(regexp),
  /** The domain, or a parent of it, was verified by SPF (MAIL FROM or EHLO) or DKIM. */
  verifiedDomain: v.optional(domain),
  /** Header name regexp → value regexp; each pair must match some header (lower-cased, trimmed). */
  headersRegexp: v.optional(v.record(regexp, regexp)),
  /** Deliver to this mailbox instead of INBOX. */
  mailbox: v.optional(v.pipe(v.string(), v.minLength(1))),
  /** Mail forwarded from another mailbox of the user's: no DMARC, no IP reputation. */
  isForward: v.optional(v.boolean(), false),
  /** A mailing list: accept when this exact domain is SPF- or DKIM-verified. */
  listAllowDomain: v.optional(domain),
  /** Keep rejects in this mailbox instead of Rejects. */
  acceptRejectsToMailbox: v.optional(v.pipe(v.string(), v.minLength(1))),
});

export const analysisSettingsSchema = v.strictObject({
  inbox: v.optional(v.pipe(v.string(), v.minLength(1)), 'INBOX'),
  /**
   * Host-name suffixes of the servers that receive mail for this mailbox: the provider's, and
   * the user's own forwarders. The Received header where they took a message from the
   * outside is the trusted one (docs/analysis.md 1.3). Empty: the first hop from a public IP.
   */
  providerHosts: v.optional(v.array(domain), []),
  rejectsMailbox: v.optional(v.pipe(v.string(), v.minLength(1)), 'Rejects'),
  rulesets: v.optional(v.array(rulesetSchema), []),
  /** The user's allow and block list, one rule per sender. */
  senderRules: v.optional(
    v.pipe(
      v.array(senderRuleSchema),
      v.rawCheck(({ dataset, addIssue }) => {
        if (!dataset.typed) return;
        const rules = dataset.value;
        const seen = new Set<string>();
        for (const [i, r] of rules.entries()) {
          const path: [v.ArrayPathItem, v.ObjectPathItem] = [
            { type: 'array', origin: 'value', input: rules, key: i, value: r },
            { type: 'object', origin: 'value', input: r, key: 'sender', value: r.sender },
          ];
          if (seen.has(r.sender)) addIssue({ message: `${r.sender} has more than one rule: keep one`, path });
          seen.add(r.sender);
        }
      }),
    ),
    [],
  ),
  /**
   * The junk threshold is moved by a random amount within ±jitter for each message, as mox
   * does, so a spammer cannot tune a message to sit just under it. 0 turns it off (tests).
   */
  jitter: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(0.2)), 0.05),
  /**
   * mox's stricter content threshold (0.25) for mail that arrived without TLS, and for mail
   * whose envelope recipient (Delivered-To) is in neither To nor Cc (docs/analysis.md 2.2 step 16,
   * mox at H). Off by default: a reject here moves mail with no sender retry behind it, and on
   * the evaluation corpus the two rules put 73 of 4150 ham messages in Rejects (mailing lists
   * never have you in To; old mail never used TLS). The reverse-name rule stays on.
   */
  strictPlaintext: v.optional(v.boolean(), false),
  strictRecipient: v.optional(v.boolean(), false),
  /**
   * The unsure band (docs/analysis.md 2.5), opt-in, as in SpamBayes and bogofilter: mail the
   * analysis accepts whose content probability is at least `unsureFrom` (and not above the
   * junk threshold) stays in INBOX, marked with the $Unsure keyword, and is listed as Unsure.
   * Removing the mark trains it as wanted mail, moving it to Junk as junk.
   */
  unsure: v.optional(v.boolean(), false),
  /**
   * Where the unsure band starts. 0.5: the content filter's own midpoint, where the evidence
   * for junk starts to outweigh the evidence against (docs/measured.md, "The unsure band").
   */
  unsureFrom: v.optional(v.pipe(v.number(), v.minValue(0, 'a junk probability from 0 to 1, like 0.5'), v.maxValue(1, 'a junk probability from 0 to 1, like 0.5')), 0.5),
  /** How long a subject-pass token stays valid, in hours; 0 turns verification off. */
  subjectpassHours: v.optional(v.pipe(v.number(), v.minValue(0)), 12),
  /**
   * Where DMARC aggregate and SMTP TLS reports about the user's own domains arrive (docs/analysis.md
   * 2.2 steps 6, 7): a verified report for one of `domains` sent to one of these addresses is
   * accepted unless its sender's reputation is conclusively junk, and its summary kept.
   */
  reports: v.optional(
    v.strictObject({
      domains: v.optional(v.array(domain), []),
      dmarcAddresses: v.optional(v.array(address), []),
      tlsAddresses: v.optional(v.array(address), []),
    }),
    {},
  ),
  /**
   * Rejects older than this many days (since Warden rejected them) are moved on to Trash;
   * null keeps them in Rejects until you act (docs/analysis.md section 8: Warden deletes nothing).
   */
  rejectsRetentionDays: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1))), null),
  /**
   * Decisions and messages received longer ago than this many days leave the history, unless
   * something still needs them: reputation keeps what the user judged for its longest window
   * (3 years), a restore keeps the message for good, a reject still in Rejects stays
   * (docs/history.md). null keeps everything.
   */
  historyRetentionDays: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1))), 365),
  /**
   * Messages larger than this are not analysed and stay where they are, logged as
   * unanalysed: a filter must not hold a huge attachment in memory, and junk is rarely big.
   */
  maxMessageBytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1024)), 32 * 1024 * 1024),
  /**
   * DNS block lists to ask, in order (docs/analysis.md 6.1), by zone (zen.spamhaus.org). None by
   * default: a listing leaks sender IPs.
   */
  dnsblZones: v.optional(v.array(dnsName), []),
  /**
   * Once a day at `hour` (this computer's time, 0 to 23), a message appended to each account's
   * INBOX listing what Warden rejected since the last one (docs/digest.md). Off by default.
   */
  digest: v.optional(v.strictObject({ enabled: v.optional(v.boolean(), false), hour: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(23)), 8) }), {}),
});

export type Ruleset = v.InferOutput<typeof rulesetSchema>;
export type SenderRule = v.InferOutput<typeof senderRuleSchema>;
export type AnalysisSettings = v.InferOutput<typeof analysisSettingsSchema>;

export const DEFAULT_ANALYSIS_SETTINGS: AnalysisSettings = v.parse(analysisSettingsSchema, {});
