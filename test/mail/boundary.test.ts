import { describe, expect, it } from 'vitest';
import { belongsTo, trustedHop } from '../../src/mail/boundary.ts';
import { parseReceivedHop } from '../../src/mail/received.ts';

/** A chain from Received values, topmost first. */
function chain(...values: string[]) {
  return values.map(parseReceivedHop);
}

const DATE = 'Tue, 24 Nov 2026 10:00:00 +0000';

// A provider running Dovecot behind Postfix with a content filter on localhost and an internal
// relay; below the boundary, a header the sender wrote to look like a trusted relay.
const DOVECOT = `from mail.example.test by mail.example.test with LMTP id 8Ku0Mq8HQ2dPHQAAeqGrVw (envelope-from <alice@sender.test>) for <bob@example.test>; ${DATE}`;
const AMAVIS = `from localhost (localhost [127.0.0.1]) by mail.example.test (Postfix) with ESMTP id 4abc125 for <bob@example.test>; ${DATE}`;
const RELAY = `from mx1.example.test (mx1.example.test [10.0.0.5]) by mail.example.test (Postfix) with ESMTPS id 4abc124; ${DATE}`;
const RELAY6 = `from mx1.example.test (mx1.example.test [IPv6:fd00::5]) by mail.example.test (Postfix) with ESMTPS id 4abc126; ${DATE}`;
const BOUNDARY = `from mx.sender.test (mx.sender.test [198.51.100.7]) by mx1.example.test (Postfix) with ESMTPS id 4abc123 for <bob@example.test>; ${DATE}`;
const FORGED = `from trusted.sender.test (trusted.sender.test [192.0.2.200]) by mx.example.test (Postfix) with ESMTPS id forged; ${DATE}`;

describe('trustedHop without provider hosts', () => {
  it('skips LMTP delivery and internal relays on loopback and private addresses', () => {
    expect(trustedHop(chain(DOVECOT, AMAVIS, RELAY, RELAY6, BOUNDARY, FORGED))).toEqual({
      index: 4,
      ip: '198.51.100.7',
      ehlo: 'mx.sender.test',
      tls: true,
    });
  });

  it('takes the Gmail hop at the top', () => {
    const gmail = chain(
      'from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41]) by mx.google.com with SMTPS id a1sor123.41 for <bob@gmail.com> (Google Transport Security); ' +
        DATE,
      `by 2002:a05:6a10:1234:b0:5e2:1234:5678 with SMTP id abc; ${DATE}`,
    );
    expect(trustedHop(gmail)).toEqual({ index: 0, ip: '209.85.220.41', ehlo: 'mail-sor-f41.google.com', tls: true });
  });

  it('gives an empty EHLO for an address literal, and reads IPv6', () => {
    const hops = chain(DOVECOT, `from [IPv6:2001:db8::1] (unknown [IPv6:2001:db8::1]) by mail.example.test (Postfix) with ESMTPSA id 4Xyz; ${DATE}`);
    expect(trustedHop(hops)).toEqual({ index: 1, ip: '2001:db8::1', ehlo: '', tls: true });
    const bare = chain(`from 192.0.2.44 (unknown [192.0.2.44]) by mail.example.test with ESMTP; ${DATE}`);
    expect(trustedHop(bare)).toEqual({ index: 0, ip: '192.0.2.44', ehlo: '', tls: false });
  });

  it('takes the HELO from the comment for qmail and Exim', () => {
    const qmail = chain(`from unknown (HELO mail.test) (192.0.2.5) by mail.example.test with SMTP; ${DATE}`);
    expect(trustedHop(qmail)).toEqual({ index: 0, ip: '192.0.2.5', ehlo: 'mail.test', tls: false });
    const exim = chain(`from mail.sender.test ([198.51.100.9] helo=SMTP.Sender.TEST.) by mx.example.test with esmtps (TLS1.3) tls TLS_AES_256_GCM_SHA384 (Exim 4.97) id 1; ${DATE}`);
    expect(trustedHop(exim)).toEqual({ index: 0, ip: '198.51.100.9', ehlo: 'smtp.sender.test', tls: true });
  });

  it('gives the EHLO as lower-case Unicode', () => {
    const hops = chain(`from Mail.XN--Bcher-Kva.Example (mail.xn--bcher-kva.example [198.51.100.20]) by mx.example.test with ESMTP; ${DATE}`);
    expect(trustedHop(hops)?.ehlo).toBe('mail.bücher.example');
  });

  it('counts an unknown TLS state as TLS', () => {
    const hops = chain(`from a.sender.test (a.sender.test [198.51.100.21]) by mx.example.test with Microsoft SMTP Server id 15.20.1; ${DATE}`);
    expect(trustedHop(hops)?.tls).toBe(true);
    const plain = chain(`from a.sender.test (a.sender.test [198.51.100.21]) by mx.example.test with SMTP; ${DATE}`);
    expect(trustedHop(plain)?.tls).toBe(false);
  });

  it('skips a fetchmail hop that collected the message from the provider', () => {
    const hops = chain(
      AMAVIS,
      'from mail.webnote.net [193.120.211.219] by localhost with POP3 (fetchmail-5.9.0) for zzzz@localhost (single-drop); Thu, 22 Aug 2002 13:17:21 +0100 (IST)',
      'from dd_it7 ([210.97.77.167]) by webnote.net (8.9.3/8.9.3) with ESMTP id NAA04623 for <zzzz@spamassassin.taint.org>; Thu, 22 Aug 2002 13:09:41 +0100',
    );
    expect(trustedHop(hops)).toEqual({ index: 2, ip: '210.97.77.167', ehlo: 'dd_it7', tls: false });
  });

  it('finds nothing when every hop is internal or unreadable', () => {
    expect(trustedHop(chain(DOVECOT, AMAVIS, RELAY, '(qmail 1 invoked from network); x', 'garbage'))).toBeUndefined();
    expect(trustedHop([])).toBeUndefined();
  });
});

describe('trustedHop with provider hosts', () => {
  const provider = { providerHosts: ['example.test'] };

  it('finds the hop where the provider took the message', () => {
    expect(trustedHop(chain(DOVECOT, AMAVIS, RELAY, BOUNDARY, FORGED), provider)).toEqual({
      index: 3,
      ip: '198.51.100.7',
      ehlo: 'mx.sender.test',
      tls: true,
    });
  });

  it('matches host names case-insensitively, on label boundaries', () => {
    expect(trustedHop(chain(BOUNDARY), { providerHosts: ['EXAMPLE.Test.'] })?.index).toBe(0);
    expect(trustedHop(chain(BOUNDARY), { providerHosts: ['mx1.example.test'] })?.index).toBe(0);
    // "xample.test" is not a label suffix of mx1.example.test: the provider did not receive it.
    expect(trustedHop(chain(BOUNDARY), { providerHosts: ['xample.test'] })).toBeUndefined();
  });

  it('skips the provider hops that have public addresses (Microsoft 365)', () => {
    const hops = chain(
      `from AM6PR05MB5678.eurprd05.prod.outlook.com (2603:10a6:20b:2::2) by DB9PR05MB1111.eurprd05.prod.outlook.com with HTTPS; ${DATE}`,
      'from AM6EUR05FT012.eop-eur05.prod.protection.outlook.com (2603:10a6:20b:1::1) by AM6PR05MB5678.eurprd05.prod.outlook.com ' +
        `(2603:10a6:20b:2::2) with Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.7741.12; ${DATE}`,
      'from mx.sender.test (198.51.100.7) by AM6EUR05FT012.mail.protection.outlook.com (10.233.240.12) with Microsoft SMTP Server ' +
        `(version=TLS1_3, cipher=TLS_AES_256_GCM_SHA384) id 15.20.7741.12 via Frontend Transport; ${DATE}`,
      FORGED,
    );
    expect(trustedHop(hops, { providerHosts: ['outlook.com'] })).toEqual({ index: 2, ip: '198.51.100.7', ehlo: 'mx.sender.test', tls: true });
    // Without the provider's names the first public address wins, which here is Microsoft's own.
    expect(trustedHop(hops)?.ip).toBe('2603:10a6:20b:2::2');
  });

  it('recognises provider hops by their reverse name', () => {
    const hops = chain(
      `from smtp-in (mx2.example.test [203.0.113.2]) by mail.example.test (Postfix) with ESMTPS id 1; ${DATE}`,
      `from mail-am6eur05on2100.outbound.protection.outlook.com ([40.107.22.100]) by mx2.example.test with ESMTPS id 2; ${DATE}`,
    );
    expect(trustedHop(hops, provider)).toEqual({ index: 1, ip: '40.107.22.100', ehlo: 'mail-am6eur05on2100.outbound.protection.outlook.com', tls: true });
  });

  it('does not let a sender skip the boundary by saying HELO with a provider name', () => {
    const hops = chain(
      DOVECOT,
      `from mx1.example.test (unknown [203.0.113.66]) by mail.example.test (Postfix) with ESMTP id 1; ${DATE}`,
      FORGED,
    );
    expect(trustedHop(hops, provider)).toEqual({ index: 1, ip: '203.0.113.66', ehlo: 'mx1.example.test', tls: false });
    const exim = chain(`from [203.0.113.67] (helo=mx1.example.test) by mail.example.test with esmtp id 1; ${DATE}`, FORGED);
    expect(trustedHop(exim, provider)?.ip).toBe('203.0.113.67');
  });

  it('stops at the first outside hop the provider did not receive, rather than reading further down', () => {
    const hops = chain(
      DOVECOT,
      `from mx.sender.test (mx.sender.test [198.51.100.7]) by unknown-host.other.test with ESMTPS id 1; ${DATE}`,
      FORGED,
    );
    expect(trustedHop(hops, provider)).toBeUndefined();
  });

  it('gives no boundary when the provider hop has no client address', () => {
    const hops = chain(DOVECOT, `from mx.sender.test by mail.example.test with ESMTP id 1; ${DATE}`, FORGED);
    expect(trustedHop(hops, provider)).toBeUndefined();
  });

  it('gives no boundary when every hop is the provider own', () => {
    const hops = chain(DOVECOT, AMAVIS, `by mail.example.test (Postfix, from userid 1000) id 4abc; ${DATE}`);
    expect(trustedHop(hops, provider)).toBeUndefined();
  });

  it('falls back to the heuristic when the list is empty', () => {
    expect(trustedHop(chain(DOVECOT, BOUNDARY), { providerHosts: [] })?.index).toBe(1);
    expect(trustedHop(chain(DOVECOT, BOUNDARY), { providerHosts: ['', '  '] })?.index).toBe(1);
  });
});

describe('belongsTo', () => {
  it.each([
    ['mx.example.test', true],
    ['example.test', true],
    ['MX.Example.Test.', true],
    ['a.b.example.test', true],
    ['badexample.test', false],
    ['example.test.evil', false],
    ['', false],
  ])('%j belongs to example.test: %s', (host, expected) => {
    expect(belongsTo(host, ['example.test'])).toBe(expected);
  });
});
