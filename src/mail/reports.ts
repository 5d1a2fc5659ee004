import { gunzipSync } from 'node:zlib';
import { Splitter, type MimeNode, type SplitterChunk } from '@zone-eu/mailsplit';
import { XMLParser } from 'fast-xml-parser';
import { unzipSync } from 'fflate';
import { z } from 'zod';
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

const text = z.string().trim().catch('');
const count = z.coerce.number().int().nonnegative().catch(0);

/** RFC 7489 appendix C: feedback / report_metadata, policy_published, record*. Only what the summary needs. */
const dmarcSchema = z.object({
  feedback: z.object({
    report_metadata: z.object({
      org_name: text,
      report_id: text,
      date_range: z.object({ begin: z.coerce.number().int(), end: z.coerce.number().int() }),
    }),
    policy_published: z.object({ domain: z.string().trim().toLowerCase().min(1), p: text }),
    record: z
      .array(z.object({ row: z.object({ count, policy_evaluated: z.object({ dkim: text, spf: text }).partial().catch({}) }) }))
      .catch([]),
  }),
});

/** RFC 8460 section 4.4. */
const tlsSchema = z.object({
  'organization-name': text,
  'report-id': text,
  'date-range': z.object({ 'start-datetime': z.iso.datetime({ offset: true }), 'end-datetime': z.iso.datetime({ offset: true }) }),
  policies: z
    .array(
      z.object({
        policy: z.object({ 'policy-domain': z.string().trim().toLowerCase() }),
        summary: z.object({ 'total-successful-session-count': count, 'total-failure-session-count': count }).catch({ 'total-successful-session-count': 0, 'total-failure-session-count': 0 }),
      }),
    )
    .min(1),
});

/** The first problem zod found, in words. */
function invalid(kind: string, error: z.ZodError): Error {
  const issue = error.issues[0];
  return new Error(`not a valid ${kind} report: ${issue ? `${issue.path.join('.') || 'the document'}: ${issue.message}` : 'unknown problem'}`);
}

function dmarcReport(source: string): DmarcReport {
  const parsed = dmarcSchema.safeParse(xml.parse(source));
  if (!parsed.success) throw invalid('DMARC aggregate', parsed.error);
  const { report_metadata: meta, policy_published: published, record } = parsed.data.feedback;
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
  const parsed = tlsSchema.safeParse(JSON.parse(source));
  if (!parsed.success) throw invalid('TLS', parsed.error);
  const doc = parsed.data;
  return {
    kind: 'tls',
    org: doc['organization-name'],
    reportId: doc['report-id'],
    domains: doc.policies.map((p) => p.policy['policy-domain']).filter((d) => d !== ''),
    begin: new Date(doc['date-range']['start-datetime']),
    end: new Date(doc['date-range']['end-datetime']),
    successful: doc.policies.reduce((sum, p) => sum + p.summary['total-successful-session-count'], 0),
    failed: doc.policies.reduce((sum, p) => sum + p.summary['total-failure-session-count'], 0),
  };
}
