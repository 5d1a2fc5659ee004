import { deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * A decision's evidence as stored (docs/history.md): JSON deflated against a preset dictionary
 * (RFC 1951; zlib's dictionary option). The evidence repeats the same keys and words in every
 * decision, so a dictionary that holds them makes a decision of about 1.9 kB of JSON about
 * 0.4 kB, where deflate alone makes it 0.8 kB.
 *
 * The first byte names the format, so the dictionary below is never edited: stored evidence
 * needs exactly these bytes to inflate. A better one is a new format byte. A value that is text,
 * not bytes, is the JSON itself, as the schema before 11 kept it.
 */
const FORMAT = 1;

/** A decision's JSON with its values emptied: what every decision has in common. */
const DICTIONARY = Buffer.from(
  JSON.stringify({
    destined: 'INBOX',
    sender: {
      fromLocal: '',
      fromDomain: '',
      fromOrgDomain: '',
      fromValidated: false,
      dkimDomains: [],
      mailFromLocal: '',
      mailFromDomain: '',
      mailFromValidated: false,
      ehloDomain: '',
      ehloValidated: false,
      remoteIp: '',
      ipMasked: ['', '', ''],
    },
    forwarded: false,
    mailingList: false,
    origDkimDomains: [],
    evidence: {
      auth: {
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
      },
      forwarded: false,
      reputation: { method: 'none', conclusive: false, text: 'no address, DKIM, SPF or IP reputation', counted: [] },
      junk: { probability: 0, significant: true, words: [], threshold: 0 },
      subjectpass: 'absent',
      dnsbl: null,
      report: null,
    },
    accept: true,
    reason: 'no-bad-signals',
    text: 'the content looks like junk',
    mailbox: 'INBOX',
    isReject: false,
    score: 0,
  }) +
    // Words of the evidence's values that recur: results, reasons, and the reputation's texts.
    ' pass fail softfail neutral temperror permerror none reject quarantine "Rejects" "junk-content" ' +
    '"msgfromfull" "msgfromdomain" "msgfromorgdomain" "dkimspf" "ip1" "ip2" "ip3" "received" "junk" "subject" ' +
    'reputation of the exact From address good reputation of the From domain over messages % junk',
);

/** The stored form of a decision's evidence. */
export function packEvidence(evidence: unknown): Buffer {
  const packed = deflateRawSync(JSON.stringify(evidence), { dictionary: DICTIONARY });
  return Buffer.concat([Buffer.of(FORMAT), packed]);
}

/** The evidence back from its stored form (bytes of `packEvidence`, or JSON text). */
export function unpackEvidence(stored: Buffer | string): unknown {
  if (typeof stored === 'string') return JSON.parse(stored);
  if (stored[0] !== FORMAT) throw new Error(`stored evidence of an unknown format ${stored[0]}: written by a newer Warden`);
  return JSON.parse(inflateRawSync(stored.subarray(1), { dictionary: DICTIONARY }).toString('utf8'));
}
