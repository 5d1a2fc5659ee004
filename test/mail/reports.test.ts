import { describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import { readReport } from '../../src/mail/reports.ts';
import { attachment, dmarcReportXml, gzipped, tlsReportJson, zipped } from '../helpers/report-mail.ts';

const begin = new Date('2026-11-23T00:00:00Z');
const end = new Date('2026-11-24T00:00:00Z');

function message(file: { type: string; name: string; bytes: Buffer }): Buffer {
  const { contentType, body } = attachment(file);
  return Buffer.from(`From: noreply@reporter.test\r\nTo: dmarc@example.test\r\nSubject: Report\r\nContent-Type: ${contentType}\r\n\r\n${body}`);
}

describe('readReport', () => {
  it('reads a zipped DMARC aggregate report', async () => {
    const xml = dmarcReportXml({ domain: 'example.test', begin, end, rows: [{ count: 5, dkim: 'pass', spf: 'fail' }, { count: 2, dkim: 'fail', spf: 'fail' }] });
    const read = await readReport(message({ type: 'application/zip', name: 'r.zip', bytes: zipped('reporter.test!example.test!1!2.xml', xml) }), 'dmarc');
    expect(read).toEqual({
      report: { kind: 'dmarc', org: 'reporter.test', reportId: 'r-1', domain: 'example.test', policy: 'reject', begin, end, messages: 7, failing: 2 },
    });
  });

  it('reads a gzipped DMARC report, and one sent as the whole message body', async () => {
    const xml = dmarcReportXml({ domain: 'example.test', begin, end });
    expect(await readReport(message({ type: 'application/gzip', name: 'r.xml.gz', bytes: gzipped(xml) }), 'dmarc')).toMatchObject({ report: { domain: 'example.test', messages: 3 } });
    const whole = Buffer.from(`From: a@reporter.test\r\nContent-Type: application/gzip\r\nContent-Transfer-Encoding: base64\r\n\r\n${gzipped(xml).toString('base64')}\r\n`);
    expect(await readReport(whole, 'dmarc')).toMatchObject({ report: { domain: 'example.test' } });
  });

  it('reads a gzipped TLS report', async () => {
    const json = tlsReportJson({ domains: ['example.test', 'mail.example.test'], begin, end });
    const read = await readReport(message({ type: 'application/tlsrpt+gzip', name: 't.json.gz', bytes: gzipped(json) }), 'tls');
    expect(read).toEqual({ report: { kind: 'tls', org: 'reporter.test', reportId: 't-1', domains: ['example.test', 'mail.example.test'], begin, end, successful: 20, failed: 2 } });
  });

  it('says why when there is no report', async () => {
    expect(await readReport(Buffer.from('From: a@b.test\r\n\r\njust text\r\n'), 'dmarc')).toEqual({ problem: 'no DMARC report attached' });
    const broken = await readReport(message({ type: 'application/zip', name: 'r.zip', bytes: Buffer.from('PK\x03\x04 not really a zip') }), 'dmarc');
    expect('problem' in broken && broken.problem).toMatch(/r\.zip: /);
    const notDmarc = await readReport(message({ type: 'application/xml', name: 'r.xml', bytes: Buffer.from('<html><body>hi</body></html>') }), 'dmarc');
    expect(notDmarc).toEqual({ problem: 'r.xml: not a valid DMARC aggregate report: feedback: Invalid key: Expected "feedback" but received undefined' });
    const noDates = await readReport(message({ type: 'application/json', name: 't.json', bytes: Buffer.from('{"policies":[{"policy":{}}]}') }), 'tls');
    expect('problem' in noDates && noDates.problem).toMatch(/^t\.json: not a valid TLS report: date-range: /);
  });

  it('does not unpack more than it should', async () => {
    // A zip whose report unpacks to 60 MB: left out, not read into memory.
    const bomb = Buffer.from(zipSync({ 'big.xml': new Uint8Array(60 * 1024 * 1024) }, { level: 9 }));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    expect(await readReport(message({ type: 'application/zip', name: 'big.zip', bytes: bomb }), 'dmarc')).toEqual({ problem: 'big.zip: the zip file holds no report' });
    const gzBomb = gzipped('<feedback>' + ' '.repeat(60 * 1024 * 1024));
    const read = await readReport(message({ type: 'application/gzip', name: 'big.xml.gz', bytes: gzBomb }), 'dmarc');
    expect('problem' in read && read.problem).toMatch(/big\.xml\.gz: /);
  });
});
