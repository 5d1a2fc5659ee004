import { gunzipSync } from 'node:zlib';
import { Splitter, type MimeNode, type SplitterChunk } from '@zone-eu/mailsplit';
import { XMLParser } from 'fast-xml-parser';
import { unzipSync } from 'fflate';
import * as v from 'valibot';
import { decodeTransfer } from './parse.ts';

/**
 * DMARC aggregate reports (RFC 7489 appendix C) and SMTP TLS reports (RFC 8460 section 4) sent
 * to the user's reporting addresses: found among a message's attachments, unpacked, and
 * summarised (docs/analysis.md 2.2 steps 6 and 7).
 */

export interface DmarcReport {
  kind: 'dmarc';
  org: string;
  reportId: string;
  /** The domain whose published policy the report is about. */
  domain: string;
  policy: string;
  begin: Date;
  end: Date;
  /** Messages the reporter saw from the domain, and how many of them failed both DKIM and SPF. */
  messages: number;
  failing: number;
}

export interface TlsReport {
  kind: 'tls';
  org: string;
  reportId: string;
  /** The policy domains the report is about. */
  domains: string[];
  begin: Date;
  end: Date;
  successful: number;
  failed: number;
}

export type Report = DmarcReport | TlsReport;

/** A report, or why there is none. */
export type ReadReport = { report: Report } | { problem: string };

/** Compressed attachments are read up to this size, and unpacked up to this size. */
const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
const MAX_UNPACKED_BYTES = 50 * 1024 * 1024;

/** Reads the first report of the kind among the message's parts. Never throws. */
export async function readReport(raw: Uint8Array, kind: Report['kind']): Promise<ReadReport> {
  let files: File[];
  try {
    files = await attachedFiles(raw);
  } catch (err) {
    return { problem: `unreadable message: ${(err as Error).message}` };
  }
  const problems: string[] = [];
  for (const file of files) {
    try {
      const text = unpack(file);
      if (text === undefined) continue;
      return { report: kind === 'dmarc' ? dmarcReport(text) : tlsReport(text) };
    } catch (err) {
      problems.push(`${file.name || file.type}: ${(err as Error).message}`);
    }
  }
  return { problem: problems.length > 0 ? problems.join('; ') : `no ${kind === 'dmarc' ? 'DMARC' : 'TLS'} report attached` };
}

interface File {
  type: string;
  name: string;
  bytes: Buffer;
}

/** Every leaf part that is not text/plain or text/html, decoded, up to the size limit. */
async function attachedFiles(raw: Uint8Array): Promise<File[]> {
  const files: File[] = [];
  let current: { node: MimeNode; chunks: Buffer[]; size: number } | undefined;
  const finish = () => {
    if (!current) return;
    const { node } = current;
    const name = typeof node.filename === 'string' ? node.filename : '';
    files.push({ type: typeof node.contentType === 'string' ? node.contentType : '', name, bytes: decodeTransfer(node, Buffer.concat(current.chunks)) });
    current = undefined;
  };
  await new Promise<void>((resolve, reject) => {
    const splitter = new Splitter({ ignoreEmbedded: true });
    splitter.on('data', (chunk: SplitterChunk) => {
      if (chunk.type === 'node') {
        finish();
        const type = typeof chunk.contentType === 'string' ? chunk.contentType : '';
        if (!chunk.multipart && type !== 'text/plain' && type !== 'text/html') current = { node: chunk, chunks: [], size: 0 };
      } else if (chunk.type === 'body' && current && current.size < MAX_ATTACHMENT_BYTES) {
        current.chunks.push(chunk.value);
        current.size += chunk.value.length;
      }
    });
    (splitter as NodeJS.EventEmitter).on('error', reject).on('end', resolve);
    splitter.end(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
  });
  finish();
  return files;
}

/** The report text of a file: zip (the first .xml or .json entry), gzip, or plain; undefined when it is none of these. */
function unpack(file: File): string | undefined {
  const { bytes } = file;
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) {
    let total = 0;
    const entries = unzipSync(bytes, {
      filter: (entry) => /\.(xml|json)$/i.test(entry.name) && (total += entry.originalSize) <= MAX_UNPACKED_BYTES,
    });
    const first = Object.values(entries)[0];
    if (!first) throw new Error('the zip file holds no report');
    return Buffer.from(first).toString('utf8');
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return gunzipSync(bytes, { maxOutputLength: MAX_UNPACKED_BYTES }).toString('utf8');
  const text = bytes.toString('utf8').trimStart();
  return text.startsWith('<') || text.startsWith('{') ? text : undefined;
}

const xml = new XMLParser({ ignoreAttributes: true, parseTagValue: false, isArray: (name) => name === 'record' });

const text = v.fallback(v.pipe(v.string(), v.trim()), '');
/** A number written as text (XML) or given as one (JSON). */
const integer = v.pipe(v.union([v.string(), v.number()]), v.toNumber(), v.integer());
const count = v.fallback(v.pipe(integer, v.minValue(0)), 0);
/** An RFC 3339 date-time with its offset (RFC 8460 section 4.4), as a Date. */
const dateTime = v.pipe(v.string(), v.isoTimestamp(), v.toDate());

/** RFC 7489 appendix C: feedback / report_metadata, policy_published, record*. Only what the summary needs. */
const dmarcSchema = v.object({
  feedback: v.object({
    report_metadata: v.object({
      org_name: text,
      report_id: text,
      date_range: v.object({ begin: integer, end: integer }),
    }),
    policy_published: v.object({ domain: v.pipe(v.string(), v.trim(), v.toLowerCase(), v.minLength(1)), p: text }),
    record: v.fallback(v.array(v.object({ row: v.object({ count, policy_evaluated: v.fallback(v.partial(v.object({ dkim: text, spf: text })), {}) }) })), []),
  }),
});

/** RFC 8460 section 4.4. */
const tlsSchema = v.object({
  'organization-name': text,
  'report-id': text,
  'date-range': v.object({ 'start-datetime': dateTime, 'end-datetime': dateTime }),
  policies: v.pipe(
    v.array(
      v.object({
        policy: v.object({ 'policy-domain': v.pipe(v.string(), v.trim(), v.toLowerCase()) }),
        summary: v.fallback(v.object({ 'total-successful-session-count': count, 'total-failure-session-count': count }), { 'total-successful-session-count': 0, 'total-failure-session-count': 0 }),
      }),
    ),
    v.minLength(1),
  ),
});

/** The first problem valibot found, in words. */
function invalid(kind: string, issues: [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]]): Error {
  const issue = issues[0];
  return new Error(`not a valid ${kind} report: ${v.getDotPath(issue) || 'the document'}: ${issue.message}`);
}

function dmarcReport(source: string): DmarcReport {
  const parsed = v.safeParse(dmarcSchema, xml.parse(source));
  if (!parsed.success) throw invalid('DMARC aggregate', parsed.issues);
  const { report_metadata: meta, policy_published: published, record } = parsed.output.feedback;
  let messages = 0;
  let failing = 0;
  for (const { row } of record) {
    messages += row.count;
    if (row.policy_evaluated.dkim !== 'pass' && row.policy_evaluated.spf !== 'pass') failing += row.count;
  }
  return {
    kind: 'dmarc',
    org: meta.org_name,
    reportId: meta.report_id,
    domain: published.domain,
    policy: published.p,
    begin: new Date(meta.date_range.begin * 1000),
    end: new Date(meta.date_range.end * 1000),
    messages,
    failing,
  };
}

function tlsReport(source: string): TlsReport {
  const parsed = v.safeParse(tlsSchema, JSON.parse(source));
  if (!parsed.success) throw invalid('TLS', parsed.issues);
  const doc = parsed.output;
  return {
    kind: 'tls',
    org: doc['organization-name'],
    reportId: doc['report-id'],
    domains: doc.policies.map((p) => p.policy['policy-domain']).filter((d) => d !== ''),
    begin: doc['date-range']['start-datetime'],
    end: doc['date-range']['end-datetime'],
    successful: doc.policies.reduce((sum, p) => sum + p.summary['total-successful-session-count'], 0),
    failed: doc.policies.reduce((sum, p) => sum + p.summary['total-failure-session-count'], 0),
  };
}
