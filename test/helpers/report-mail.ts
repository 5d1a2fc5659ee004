import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';

/**
 * DMARC aggregate reports (RFC 7489 appendix C) and SMTP TLS reports (RFC 8460), as reporters
 * send them: XML zipped or gzipped, JSON gzipped, attached in base64.
 */

export function dmarcReportXml(r: { org?: string; domain: string; begin: Date; end: Date; rows?: { count: number; dkim: string; spf: string }[] }): string {
  const rows = r.rows ?? [{ count: 3, dkim: 'pass', spf: 'pass' }];
  return `<?xml version="1.0" encoding="UTF-8"?>
<feedback>
  <report_metadata><org_name>${r.org ?? 'reporter.test'}</org_name><email>noreply@reporter.test</email><report_id>r-1</report_id>
    <date_range><begin>${Math.floor(r.begin.getTime() / 1000)}</begin><end>${Math.floor(r.end.getTime() / 1000)}</end></date_range></report_metadata>
  <policy_published><domain>${r.domain}</domain><adkim>r</adkim><aspf>r</aspf><p>reject</p><sp>reject</sp><pct>100</pct></policy_published>
${rows
  .map(
    (row, i) =>
      `  <record><row><source_ip>192.0.2.${i + 1}</source_ip><count>${row.count}</count><policy_evaluated><disposition>none</disposition><dkim>${row.dkim}</dkim><spf>${row.spf}</spf></policy_evaluated></row>
    <identifiers><header_from>${r.domain}</header_from></identifiers></record>`,
  )
  .join('\n')}
</feedback>
`;
}

export function tlsReportJson(r: { org?: string; domains: string[]; begin: Date; end: Date }): string {
  return JSON.stringify({
    'organization-name': r.org ?? 'reporter.test',
    'date-range': { 'start-datetime': r.begin.toISOString(), 'end-datetime': r.end.toISOString() },
    'contact-info': 'tlsrpt@reporter.test',
    'report-id': 't-1',
    policies: r.domains.map((d) => ({
      policy: { 'policy-type': 'sts', 'policy-domain': d },
      summary: { 'total-successful-session-count': 10, 'total-failure-session-count': 1 },
    })),
  });
}

export const zipped = (name: string, text: string): Buffer => Buffer.from(zipSync({ [name]: Buffer.from(text) }));
export const gzipped = (text: string): Buffer => gzipSync(text);

/** A multipart/mixed body with a short text part and the file attached; use with its Content-Type. */
export function attachment(file: { type: string; name: string; bytes: Buffer }): { contentType: string; body: string } {
  const base64 = file.bytes.toString('base64').replace(/.{76}/g, '$&\r\n');
  return {
    contentType: 'multipart/mixed; boundary="report-boundary"',
    body: [
      '--report-boundary',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'This is an aggregate report.',
      '--report-boundary',
      `Content-Type: ${file.type}; name="${file.name}"`,
      `Content-Disposition: attachment; filename="${file.name}"`,
      'Content-Transfer-Encoding: base64',
      '',
      base64,
      '--report-boundary--',
      '',
    ].join('\r\n'),
  };
}
