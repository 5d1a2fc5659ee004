import type { History, HistoryFilter, HistoryMessage } from '../store/history.ts';

/** How reputation was found (docs/analysis.md 3.3); mox uses the name as the decision's reason. */
export type ReputationMethod =
  | 'msgfromfull'
  | 'msgtofull'
  | 'msgfromdomain'
  | 'msgfromorgdomain'
  | 'msgtodomain'
  | 'msgtoorgdomain'
  | 'dkimspf'
  | 'ip1'
  | 'ip2'
  | 'ip3'
  | 'none';

/** The identities of a new message that reputation looks up (mox's Message fields, 3.1). */
export interface Sender {
  fromLocal: string;
  fromDomain: string;
  fromOrgDomain: string;
  fromValidated: boolean;
  /** Verified DKIM domains (after a forwarding rule set its own aside). */
  dkimDomains: string[];
  mailFromLocal: string;
  mailFromDomain: string;
  mailFromValidated: boolean;
  ehloDomain: string;
  ehloValidated: boolean;
  /** The connecting IP; empty when unknown. Only tells IPv4 from IPv6 for the text. */
  remoteIp: string;
  /** /32,/26,/21 or /64,/48,/32 (empty for forwarded mail: no IP reputation). */
  ipMasked: [string, string, string];
}

export interface Reputation {
  /** Leans junk (true), not junk (false), or no lean (undefined). */
  junk: boolean | undefined;
  /** Strong enough to decide on its own. */
  conclusive: boolean;
  method: ReputationMethod;
  /** Why, in words, for the user. */
  text: string;
  /** The historic messages the deciding step counted, newest first (none for msgto* steps). */
  counted: HistoryMessage[];
}

const DAY = 24 * 60 * 60 * 1000;
const YEAR = 365 * DAY;

/** How far back the longest step looks (1a to 1c: 3 years): retention keeps judged mail this long. */
export const LONGEST_WINDOW_MS = 3 * YEAR;

/**
 * The sender's reputation in the user's own mail history, mox's steps in mox's order
 * (smtpserver/reputation.go): the first step that finds history decides. `mailbox` is the id of
 * the mailbox the message is destined for; undefined when it does not exist, which disables the
 * per-mailbox steps but not the sent-mail ones. `now` is the new message's receive time.
 */
export function reputation(history: History, mailbox: number | undefined, m: Sender, now: number): Reputation {
  const query = (filter: HistoryFilter, maxAge: number, limit: number): HistoryMessage[] =>
    mailbox === undefined ? [] : history.messages(mailbox, filter, now - maxAge, limit);

  if (m.fromDomain !== '') {
    const fromStep = fromAddress(history, query, m, now);
    if (fromStep) return fromStep;
  }
  const identities = dkimSpf(query, mailbox === undefined ? () => [] : (d) => history.messagesSignedBy(mailbox, d, now - YEAR / 2, 50), m);
  if (identities) return identities;
  return ip(query, m) ?? { junk: undefined, conclusive: false, method: 'none', text: 'no address, DKIM, SPF or IP reputation', counted: [] };
}

type Query = (filter: HistoryFilter, maxAge: number, limit: number) => HistoryMessage[];

/** mox's rule for one or two messages: junk when the newest is, and the one before too if any. */
const junkByLastTwo = (msgs: HistoryMessage[]): boolean => msgs[0]!.junk && (msgs.length === 1 || msgs[1]!.junk);

/**
 * An unvalidated message from an address or domain whose earlier messages were validated:
 * junk, conclusively when that history is junk by the last-two rule (steps 1b and 1d).
 */
function forgedClaim(validated: HistoryMessage[], method: ReputationMethod, what: string): Reputation | undefined {
  if (validated.length === 0) return undefined;
  return {
    junk: true,
    conclusive: junkByLastTwo(validated),
    method,
    text: `unvalidated message from ${what}, whose earlier messages were validated`,
    counted: validated,
  };
}

/** Step 1: the From address, then its domain and organisational domain. */
function fromAddress(history: History, query: Query, m: Sender, now: number): Reputation | undefined {
  const address = { fromLocal: m.fromLocal, fromDomain: m.fromDomain };
  // 1a: the same address, validated the same way. Only a validated From decides.
  let msgs = query({ ...address, fromValidated: m.fromValidated }, 3 * YEAR, 2);
  if (msgs.length > 0) {
    return {
      junk: junkByLastTwo(msgs),
      conclusive: m.fromValidated,
      method: 'msgfromfull',
      text: `reputation of the exact From address ${m.fromLocal}@${m.fromDomain}`,
      counted: msgs,
    };
  }
  if (!m.fromValidated) {
    // 1b: an unvalidated claim of an address that used to authenticate: likely forged.
    const forged = forgedClaim(query({ ...address, fromValidated: true }, 3 * YEAR, 2), 'msgfromfull', 'the From address');
    if (forged) return forged;
  }
  // 1c: the user wrote to this address.
  if (history.sentTo({ local: m.fromLocal, domain: m.fromDomain }, now - 3 * YEAR)) {
    return { junk: false, conclusive: true, method: 'msgtofull', text: 'you sent mail to this From address', counted: [] };
  }
  // 1d: the exact domain, then the organisational domain.
  for (const org of [false, true]) {
    const source = org ? `organizational domain ${m.fromOrgDomain}` : `domain ${m.fromDomain}`;
    const filter: HistoryFilter = org ? { fromOrgDomain: m.fromOrgDomain } : { fromDomain: m.fromDomain };
    const method = org ? 'msgfromorgdomain' : 'msgfromdomain';
    msgs = query({ ...filter, fromValidated: m.fromValidated }, 2 * YEAR, 20);
    if (msgs.length > 0) {
      const ham = msgs.filter((h) => !h.junk).length;
      // Integer percentage, as mox computes it.
      if (Math.floor((100 * ham) / msgs.length) > 80) {
        return { junk: false, conclusive: true, method, text: `good reputation of the From ${source} over ${msgs.length} messages`, counted: msgs };
      }
      if (ham === 0) {
        // Conclusive only when at least three different addresses of the domain sent junk.
        const conclusive = new Set(msgs.map((h) => h.fromLocal)).size >= 3;
        const text = `bad reputation of ${conclusive ? 'at least 3 addresses of ' : ''}the From ${source} over ${msgs.length} messages`;
        return { junk: true, conclusive, method, text, counted: msgs };
      }
      // Mixed: do not block a new sender.
      return { junk: undefined, conclusive: false, method, text: `mixed reputation of the From ${source} over ${msgs.length} messages`, counted: msgs };
    }
    if (!m.fromValidated) {
      const forged = forgedClaim(query({ ...filter, fromValidated: true }, 2 * YEAR, 2), method, `the From ${source}`);
      if (forged) return forged;
    }
    const sent = org ? history.sentTo({ orgDomain: m.fromOrgDomain }, now - 2 * YEAR) : history.sentTo({ domain: m.fromDomain }, now - 2 * YEAR);
    if (sent) {
      return { junk: false, conclusive: true, method: org ? 'msgtoorgdomain' : 'msgtodomain', text: `you sent mail to the From ${source}`, counted: [] };
    }
  }
  return undefined;
}

/**
 * Step 2: the verified DKIM domains and the SPF-validated MAIL FROM or EHLO identity, each a
 * spam fraction. Deviation from mox: the count of messages behind the signals is the largest
 * of the queries (mox lets a later DKIM domain overwrite it), and the text of a negative result
 * names the spam domains (mox names the ham ones).
 */
function dkimSpf(query: Query, signedBy: (domain: string) => HistoryMessage[], m: Sender): Reputation | undefined {
  const signals: { domain: string; spam: number }[] = [];
  const counted: HistoryMessage[] = [];
  let most = 0;
  const add = (domain: string, msgs: HistoryMessage[]) => {
    signals.push({ domain, spam: msgs.filter((h) => h.junk).length / msgs.length });
    counted.push(...msgs);
    most = Math.max(most, msgs.length);
  };
  for (const domain of m.dkimDomains) {
    const msgs = signedBy(domain);
    if (msgs.length > 0) add(domain, msgs);
  }
  let msgs: HistoryMessage[] = [];
  let domain = '';
  if (m.mailFromValidated && m.mailFromDomain !== '') {
    domain = m.mailFromDomain;
    msgs = query({ mailFromLocal: m.mailFromLocal, mailFromDomain: m.mailFromDomain }, YEAR / 2, 50);
    if (msgs.length === 0) msgs = query({ mailFromDomain: m.mailFromDomain }, YEAR / 2, 50);
  }
  if (msgs.length === 0 && m.ehloValidated && m.ehloDomain !== '') {
    domain = m.ehloDomain;
    msgs = query({ ehloDomain: m.ehloDomain }, YEAR / 2, 50);
  }
  if (msgs.length > 0) add(domain, msgs);
  if (signals.length === 0) return undefined;

  const hams = signals.filter((s) => s.spam < 0.1).map((s) => s.domain);
  const spams = signals.filter((s) => s.spam > 0.9).map((s) => s.domain);
  if (hams.length > 0 && spams.length === 0) {
    return { junk: false, conclusive: true, method: 'dkimspf', text: `good DKIM/SPF reputation of ${hams.join(', ')}`, counted };
  }
  if (spams.length > 0 && hams.length === 0) {
    return { junk: true, conclusive: most > 1, method: 'dkimspf', text: `bad DKIM/SPF reputation of ${spams.join(', ')}`, counted };
  }
  return {
    junk: undefined,
    conclusive: false,
    method: 'dkimspf',
    text: `mixed DKIM/SPF reputation (good: ${hams.join(', ') || 'none'}; bad: ${spams.join(', ') || 'none'})`,
    counted,
  };
}

/**
 * Step 3: the IP, then ever wider networks, which need more messages to be conclusive.
 *
 * Deviation from mox: a conclusive junk verdict of the single IP needs three messages, not two
 * (mox's `need` for both sides). mox sees the connecting IP of the SMTP session; Warden reads it
 * from the trusted Received header, and behind a forwarder the user has not declared (docs/analysis.md
 * 1.3 rule 7) that is the forwarder's, shared by everyone whose mail it passes on: two junk
 * messages from it then reject the next wanted one unread. A third message makes that less
 * likely, at the cost of one more junk message per sending IP left to the content filter. On the
 * corpus of `npm run eval -- --pipeline` this takes one ham back out of Rejects (a newsletter
 * behind a forwarder that had passed on two spam) for three spam accepted that the IP had
 * rejected, and puts hm% back at the content filter's.
 */
function ip(query: Query, m: Sender): Reputation | undefined {
  const v6 = m.remoteIp.includes(':');
  const levels = [
    { method: 'ip1', filter: { ipMasked1: m.ipMasked[0] }, need: 2, needJunk: 3, bits: v6 ? 64 : 32 },
    { method: 'ip2', filter: { ipMasked2: m.ipMasked[1] }, need: 5, needJunk: 5, bits: v6 ? 48 : 26 },
    { method: 'ip3', filter: { ipMasked3: m.ipMasked[2] }, need: 10, needJunk: 10, bits: v6 ? 32 : 21 },
  ] as const;
  for (const [i, level] of levels.entries()) {
    const network = m.ipMasked[i]!;
    if (network === '') continue;
    const msgs = query(level.filter, YEAR / 4, 50);
    if (msgs.length === 0) continue;
    const spam = msgs.filter((h) => h.junk).length / msgs.length;
    return {
      junk: spam < 0.25 ? false : spam > 0.75 ? true : undefined,
      conclusive: (spam <= 0.1 && msgs.length >= level.need) || (spam >= 0.9 && msgs.length >= level.needJunk),
      method: level.method,
      text: `reputation of ${network}/${level.bits}: ${msgs.length} messages, ${Math.round(spam * 100)}% junk`,
      counted: msgs,
    };
  }
  return undefined;
}
