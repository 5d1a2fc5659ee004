import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_PTR, REPORTER, startDecisionBed, type DecisionBed, type Delivered } from '../helpers/decision-bed.ts';
import { attachment, dmarcReportXml, gzipped, tlsReportJson, zipped } from '../helpers/report-mail.ts';
import { runWarden } from '../helpers/warden.ts';

/**
 * Mail to the user's DMARC and TLS reporting addresses (mox's analyze.go@893a6f8911 L190-255,
 * L285-287, docs/fidelity.md): each reason a report is not taken, after which the message is
 * analysed like any other, and the one deliberate difference (a parent domain's signature).
 */

let bed: DecisionBed;

beforeAll(async () => {
  bed = await startDecisionBed();
});

afterAll(async () => {
  await bed?.close();
});

const DAY = 86_400_000;
const past = { begin: new Date(Date.now() - 2 * DAY), end: new Date(Date.now() - DAY) };
const dmarcZip = (xml: string) => attachment({ type: 'application/zip', name: 'report.zip', bytes: zipped('report.xml', xml) });
const tlsGz = (json: string) => attachment({ type: 'application/tlsrpt+gzip', name: 'report.json.gz', bytes: gzipped(json) });

const toDmarc = (body: { contentType: string; body: string }, from = 'noreply@reporter.test') =>
  bed.deliver({ ...REPORTER, from, mailFrom: 'bounces@reporter.test', sign: 'reporter.test', to: 'dmarc-reports@example.test', ...body });
const toTls = (body: { contentType: string; body: string }, sign = 'reporter.test', from = 'tlsrpt@reporter.test') =>
  bed.deliver({ ...REPORTER, from, mailFrom: 'bounces@reporter.test', sign, to: 'tls-reports@example.test', ...body });

/** Not taken as a report: analysed like any other message, the problem in the evidence. */
function refused(d: Delivered, kind: string, problem: RegExp): void {
  expect(d.reason).not.toBe('reporting');
  expect(d.evidence.report).toMatchObject({ kind, accepted: false, problem: expect.stringMatching(problem) });
}

describe('DMARC reports', () => {
  it('L195-196: a report without a DMARC pass is a message like any other', async () => {
    refused(await bed.deliver({ ...NO_PTR, from: 'noreply@reporter.test', to: 'dmarc-reports@example.test', ...dmarcZip(dmarcReportXml({ domain: 'example.test', ...past })) }), 'dmarc', /DMARC/);
  });

  it('L197-198: an attachment that is no report', async () => {
    refused(await toDmarc(attachment({ type: 'application/zip', name: 'report.zip', bytes: Buffer.from('not a zip file') })), 'dmarc', /./);
  });

  it('L199-202: a report about a domain that is not the user\'s', async () => {
    refused(await toDmarc(dmarcZip(dmarcReportXml({ domain: 'other.test', ...past }))), 'dmarc', /other\.test/);
  });

  it('L203-204: a report whose period ends in the future', async () => {
    refused(await toDmarc(dmarcZip(dmarcReportXml({ domain: 'example.test', begin: new Date(Date.now() - DAY), end: new Date(Date.now() + DAY) }))), 'dmarc', /future/);
  });

  it('L205-206, L285-287: a verified report about the user\'s domain is accepted as reporting', async () => {
    const d = await toDmarc(dmarcZip(dmarcReportXml({ domain: 'example.test', ...past })));
    expect(d).toMatchObject({ accept: true, reason: 'reporting' });
    expect(d.evidence.report).toMatchObject({ kind: 'dmarc', accepted: true });
  });
});

describe('TLS reports', () => {
  const report = tlsGz(tlsReportJson({ domains: ['example.test'], ...past }));

  it('L219-235: signed by a domain other than the From domain: not a report', async () => {
    refused(await toTls(report, 'esp.test'), 'tls', /DKIM/);
  });

  it('L228 (deviation): signed by a parent of the From domain in the same organisational domain: a report', async () => {
    const d = await toTls(report, 'reporter.test', 'tlsrpt@mail.reporter.test');
    expect(d).toMatchObject({ accept: true, reason: 'reporting' });
  });

  it('L236-237: an attachment that is no report', async () => {
    refused(await toTls(tlsGz('{ not json')), 'tls', /./);
  });

  it('L239-250: a report about no domain of the user\'s', async () => {
    refused(await toTls(tlsGz(tlsReportJson({ domains: ['other.test'], ...past }))), 'tls', /other\.test/);
  });

  it('L251-252, L285-287: a verified report about the user\'s domain is accepted as reporting', async () => {
    const d = await toTls(report);
    expect(d).toMatchObject({ accept: true, reason: 'reporting' });
    expect(d.evidence.report).toMatchObject({ kind: 'tls', accepted: true });
  });
});

describe('accepted reports', () => {
  it('are kept: warden reports lists them', () => {
    const listed = runWarden(['--data-dir', bed.data, 'reports', '--json']);
    expect(listed.status, listed.stderr).toBe(0);
    const kept = listed.stdout.trim().split('\n').map((line) => JSON.parse(line) as { kind: string; org: string; about: string });
    expect(kept.map((r) => [r.kind, r.org, r.about]).sort()).toEqual([
      ['dmarc', 'reporter.test', 'example.test'],
      ['tls', 'reporter.test', 'example.test'],
      ['tls', 'reporter.test', 'example.test'],
    ]);
  });
});
