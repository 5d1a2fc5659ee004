import { describe, expect, it } from 'vitest';
import type { HeaderField } from '../../src/mail/parse.ts';
import { MAX_RECEIVED_HOPS, parseReceivedHop, receivedChain } from '../../src/mail/received.ts';

/** Header values as parse.ts gives them: unfolded (CRLF before whitespace removed) and trimmed. */
function unfold(text: string): string {
  return text.replace(/\r?\n(?=[ \t])/g, '').trim();
}

describe('parseReceivedHop: real-world formats', () => {
  it('Gmail, sender inside Google', () => {
    const hop = parseReceivedHop(
      'from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41]) by mx.google.com with SMTPS id ' +
        'a640c23a62f3a-a9a0f2b1c3dsor1234567866b.41.2026.11.24.02.00.00 for <bob@gmail.com> (Google Transport Security); ' +
        'Tue, 24 Nov 2026 02:00:00 -0800 (PST)',
    );
    expect(hop).toEqual({
      from: 'mail-sor-f41.google.com',
      fromIp: '209.85.220.41',
      reverse: 'mail-sor-f41.google.com',
      by: 'mx.google.com',
      with: 'SMTPS',
      tls: true,
      date: new Date('2026-11-24T10:00:00Z'),
    });
  });

  it('Gmail, receiving from the outside over IPv6', () => {
    const hop = parseReceivedHop(
      unfold(`from mail.sender.test (mail.sender.test. [2001:db8:4860:4864:20::41])
        by mx.google.com with ESMTPS id d9443c01a7336-20e8b2f1c5asi1234567ad.123.2026.11.24.02.00.00
        for <bob@gmail.com>
        (version=TLS1_3 cipher=TLS_AES_128_GCM_SHA256 bits=128/128);
        Tue, 24 Nov 2026 02:00:00 -0800 (PST)`),
    );
    expect(hop).toMatchObject({ from: 'mail.sender.test', fromIp: '2001:db8:4860:4864:20::41', by: 'mx.google.com', with: 'ESMTPS', tls: true });
  });

  it('Postfix with ESMTPS', () => {
    const hop = parseReceivedHop(
      'from mx.sender.test (mx.sender.test [198.51.100.7]) by mail.example.test (Postfix) with ESMTPS id 4abc123 for ' +
        '<bob@example.test>; Tue, 24 Nov 2026 10:00:00 +0000',
    );
    expect(hop).toEqual({
      from: 'mx.sender.test',
      fromIp: '198.51.100.7',
      reverse: 'mx.sender.test',
      by: 'mail.example.test',
      with: 'ESMTPS',
      tls: true,
      date: new Date('2026-11-24T10:00:00Z'),
    });
  });

  it('Postfix with its TLS comment, folded as Postfix folds it', () => {
    const hop = parseReceivedHop(
      unfold(`from mail.sender.test (mail.sender.test [198.51.100.7])
	(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)
	 key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)
	(No client certificate requested)
	by mx.example.test (Postfix) with ESMTP id 4XyzAB1cdEz9sT
	for <bob@example.test>; Tue, 24 Nov 2026 10:00:00 +0000 (UTC)`),
    );
    expect(hop).toMatchObject({ from: 'mail.sender.test', fromIp: '198.51.100.7', by: 'mx.example.test', with: 'ESMTP', tls: true });
  });

  it('Postfix without a reverse name: unknown', () => {
    const hop = parseReceivedHop(
      'from helo.sender.test (unknown [198.51.100.8]) by mail.example.test (Postfix) with ESMTP id 4abc124 for <bob@example.test>; ' +
        'Tue, 24 Nov 2026 10:00:00 +0000',
    );
    expect(hop).toMatchObject({ from: 'helo.sender.test', fromIp: '198.51.100.8', reverse: '', with: 'ESMTP', tls: false });
  });

  it('Postfix, authenticated submission over an IPv6 literal', () => {
    const hop = parseReceivedHop(
      'from [IPv6:2001:db8::1] (unknown [IPv6:2001:db8::1]) by mail.example.test (Postfix) with ESMTPSA id 4Xyz ' +
        'for <bob@example.test>; Tue, 24 Nov 2026 10:00:00 +0000',
    );
    expect(hop).toMatchObject({ from: '[IPv6:2001:db8::1]', fromIp: '2001:db8::1', reverse: '', with: 'ESMTPSA', tls: true });
  });

  it('normalises IPv6 literals and IPv4-mapped addresses', () => {
    expect(parseReceivedHop('from a.test (a.test [IPv6:2001:DB8:0:0:0:0:0:25]) by mx.example.test with ESMTP; x').fromIp).toBe('2001:db8::25');
    expect(parseReceivedHop('from a.test (a.test [IPv6:::ffff:198.51.100.7]) by mx.example.test with ESMTP; x').fromIp).toBe('198.51.100.7');
    expect(parseReceivedHop('from a.test (a.test [2001:db8::26]) by mx.example.test with ESMTP; x').fromIp).toBe('2001:db8::26');
  });

  it('Exim with a reverse name and a different HELO', () => {
    const hop = parseReceivedHop(
      unfold(`from mail.sender.test ([198.51.100.9] helo=smtp.sender.test)
	by mx.example.test with esmtps  (TLS1.3) tls TLS_AES_256_GCM_SHA384
	(Exim 4.97)
	(envelope-from <alice@sender.test>)
	id 1tAbCd-000123-4x
	for bob@example.test; Tue, 24 Nov 2026 10:00:00 +0000`),
    );
    expect(hop).toEqual({
      from: 'smtp.sender.test',
      fromIp: '198.51.100.9',
      reverse: 'mail.sender.test',
      by: 'mx.example.test',
      with: 'ESMTPS',
      tls: true,
      date: new Date('2026-11-24T10:00:00Z'),
    });
  });

  it('Exim without a reverse name, and with a port', () => {
    const hop = parseReceivedHop(
      'from [198.51.100.10]:41234 (helo=smtp.sender.test) by mx.example.test with esmtp (Exim 4.97) ' +
        '(envelope-from <alice@sender.test>) id 1tAbCe-000124-5y for bob@example.test; Tue, 24 Nov 2026 10:00:00 +0000',
    );
    expect(hop).toMatchObject({ from: 'smtp.sender.test', fromIp: '198.51.100.10', reverse: '', with: 'ESMTP', tls: false });
  });

  it('Exim: a HELO that is an address literal is the client claim, not its address', () => {
    const hop = parseReceivedHop('from [198.51.100.10] (helo=[203.0.113.5]) by mx.example.test with esmtp (Exim 4.97) id 1; x');
    expect(hop).toMatchObject({ from: '[203.0.113.5]', fromIp: '198.51.100.10' });
  });

  it('Microsoft: a sender handing over to Exchange Online protection', () => {
    const hop = parseReceivedHop(
      'from EUR05-AM6-obe.outbound.protection.outlook.com (mail-am6eur05on2100.outbound.protection.outlook.com [40.107.22.100]) ' +
        'by mx.example.test (Postfix) with ESMTPS id 4Xyz for <bob@example.test>; Tue, 24 Nov 2026 10:00:00 +0000 (UTC)',
    );
    expect(hop).toMatchObject({
      from: 'EUR05-AM6-obe.outbound.protection.outlook.com',
      fromIp: '40.107.22.100',
      reverse: 'mail-am6eur05on2100.outbound.protection.outlook.com',
      by: 'mx.example.test',
      with: 'ESMTPS',
      tls: true,
    });
  });

  it('Microsoft internal hops: bare addresses in the comment, TLS from the cipher comment', () => {
    const hop = parseReceivedHop(
      'from AM6PR05MB1234.eurprd05.prod.outlook.com (2603:10a6:20b:1::1) by AM6PR05MB5678.eurprd05.prod.outlook.com ' +
        '(2603:10a6:20b:2::2) with Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) ' +
        'id 15.20.7741.12; Tue, 24 Nov 2026 10:00:00 +0000',
    );
    expect(hop).toMatchObject({
      from: 'AM6PR05MB1234.eurprd05.prod.outlook.com',
      fromIp: '2603:10a6:20b:1::1',
      by: 'AM6PR05MB5678.eurprd05.prod.outlook.com',
      with: 'MICROSOFT',
      tls: true,
    });
    expect(hop.reverse).toBeUndefined();
    const plain = parseReceivedHop('from A.outlook.com (10.1.2.3) by B.outlook.com (10.1.2.4) with Microsoft SMTP Server id 15.20.1; x');
    expect(plain).toMatchObject({ fromIp: '10.1.2.3', tls: undefined });
  });

  it('Microsoft SMTPSVC is not TLS', () => {
    const hop = parseReceivedHop('from qvp0091 ([169.254.6.22]) by email.qves.com with Microsoft SMTPSVC(5.0.2195.2966); Thu, 22 Aug 2002');
    expect(hop).toMatchObject({ from: 'qvp0091', fromIp: '169.254.6.22', with: 'MICROSOFT', tls: undefined });
  });

  it('Dovecot LMTP delivery', () => {
    const hop = parseReceivedHop(
      unfold(`from mail.example.test
	by mail.example.test with LMTP
	id 8Ku0Mq8HQ2dPHQAAeqGrVw
	(envelope-from <alice@sender.test>)
	for <bob@example.test>; Tue, 24 Nov 2026 10:00:01 +0000`),
    );
    expect(hop).toEqual({
      from: 'mail.example.test',
      fromIp: undefined,
      by: 'mail.example.test',
      with: 'LMTP',
      tls: false,
      date: new Date('2026-11-24T10:00:01Z'),
    });
  });

  it('qmail: HELO in the comment, bare address after it', () => {
    const hop = parseReceivedHop('from unknown (HELO mail.test) (192.0.2.5) by mail.example.test with SMTP; 24 Nov 2026 10:00:00 -0000');
    expect(hop).toEqual({
      from: 'mail.test',
      fromIp: '192.0.2.5',
      reverse: '',
      by: 'mail.example.test',
      with: 'SMTP',
      tls: false,
      date: new Date('2026-11-24T10:00:00Z'),
    });
  });

  it('qmail with a reverse name and an ident user', () => {
    const hop = parseReceivedHop('from mx.sender.test (HELO mail.test) (root@192.0.2.6) by mail.example.test with SMTP; 24 Nov 2026 10:00:00 -0000');
    expect(hop).toMatchObject({ from: 'mail.test', fromIp: '192.0.2.6', reverse: 'mx.sender.test' });
  });

  it('qmail-like: the address in the name position, HELO in the comment', () => {
    const hop = parseReceivedHop('from 61.78.78.173 (HELO localhost)  by smtp.c001.snv.cp.net (209.228.32.110) with SMTP; 16 Jul 2002 11:34:10 -0700');
    expect(hop).toMatchObject({ from: 'localhost', fromIp: '61.78.78.173', by: 'smtp.c001.snv.cp.net', with: 'SMTP' });
  });

  it('a HELO alone is not taken for the address', () => {
    expect(parseReceivedHop('from unknown (HELO 203.0.113.9) by mail.example.test with SMTP; x').fromIp).toBeUndefined();
    expect(parseReceivedHop('from [203.0.113.9] by mail.example.test with SMTP; x').fromIp).toBeUndefined();
  });

  it('qmail bookkeeping lines have no from clause', () => {
    const hop = parseReceivedHop('(qmail 12345 invoked from network); 24 Nov 2026 10:00:00 -0000');
    expect(hop).toEqual({ from: '', fromIp: undefined, by: '', with: '', tls: undefined, date: new Date('2026-11-24T10:00:00Z') });
  });

  it('sendmail with an ident user, and a reverse name it marks as forged', () => {
    const ident = parseReceivedHop(
      'from lugh.tuatha.org (root@lugh.tuatha.org [194.125.145.45]) by dogma.slashnull.org (8.11.6/8.11.6) with ESMTP id g7M; Thu, 22 Aug 2002 12:34:53 +0100',
    );
    expect(ident).toMatchObject({ from: 'lugh.tuatha.org', fromIp: '194.125.145.45', reverse: 'lugh.tuatha.org', by: 'dogma.slashnull.org' });
    const forged = parseReceivedHop('from email.qves.com (email1.qves.net [209.63.151.251] (may be forged)) by webnote.net (8.9.3/8.9.3) with ESMTP id A; x');
    expect(forged).toMatchObject({ from: 'email.qves.com', fromIp: '209.63.151.251', reverse: '' });
  });

  it('fetchmail: the address after the name, without a comment', () => {
    const hop = parseReceivedHop(
      'from mail.webnote.net [193.120.211.219] by localhost with POP3 (fetchmail-5.9.0) for zzzz@localhost (single-drop); Thu, 22 Aug 2002 13:17:21 +0100 (IST)',
    );
    expect(hop).toMatchObject({ from: 'mail.webnote.net', fromIp: '193.120.211.219', by: 'localhost', with: 'POP3', tls: undefined });
    expect(hop.date).toEqual(new Date('2002-08-22T12:17:21Z'));
  });

  it('a locally submitted message has no from clause', () => {
    const hop = parseReceivedHop('by mail.example.test (Postfix, from userid 1000) id 4abc; Tue, 24 Nov 2026 10:00:00 +0000 (UTC)');
    expect(hop).toMatchObject({ from: '', fromIp: undefined, by: 'mail.example.test', with: '' });
  });

  it('TLS from the protocol name (RFC 3848, RFC 6531)', () => {
    const tls = (protocol: string) => parseReceivedHop(`from a.test (a.test [192.0.2.1]) by b.test with ${protocol} id 1; x`).tls;
    for (const protocol of ['ESMTPS', 'ESMTPSA', 'UTF8SMTPS', 'UTF8SMTPSA', 'LMTPS', 'esmtps', 'SMTPS']) expect(tls(protocol), protocol).toBe(true);
    for (const protocol of ['ESMTP', 'SMTP', 'ESMTPA', 'UTF8SMTP', 'LMTP', 'esmtp']) expect(tls(protocol), protocol).toBe(false);
    for (const protocol of ['HTTP', 'QMQP', 'local', 'IMAP']) expect(tls(protocol), protocol).toBeUndefined();
    expect(parseReceivedHop('from a.test (a.test [192.0.2.1]) by b.test; x').tls).toBeUndefined();
  });

  it('leaves an unreadable date undefined', () => {
    expect(parseReceivedHop('from a.test (a.test [192.0.2.1]) by b.test with ESMTP; not a date').date).toBeUndefined();
    expect(parseReceivedHop('from a.test (a.test [192.0.2.1]) by b.test with ESMTP').date).toBeUndefined();
  });

  it.each([
    '',
    ';',
    '(((',
    ')))',
    '"unterminated',
    'from',
    'from (',
    'by by by by',
    '\u0000\u00ff\ufffd from \u0001 by \u0002',
    'from x (y [999.1.1.1]) by z',
    'from x (y [IPv6:fe80::1%eth0]) by z',
    'from __proto__ (constructor [192.0.2.1]) by toString with valueOf; x',
    'from x (y [192.0.2.1]) by z with ESMTP; ;;;; (',
  ])('never throws on %j', (value) => {
    expect(() => parseReceivedHop(value)).not.toThrow();
  });

  it('reads no address from garbage literals', () => {
    expect(parseReceivedHop('from x (y [999.1.1.1]) by z').fromIp).toBeUndefined();
    expect(parseReceivedHop('from x (y [IPv6:fe80::1%eth0]) by z').fromIp).toBeUndefined();
  });

  it('stays fast on a huge header', () => {
    const started = performance.now();
    const hop = parseReceivedHop(`from a.test (a.test [192.0.2.1]) by b.test with ESMTP ${'(x '.repeat(200_000)}; x`);
    expect(hop.fromIp).toBe('192.0.2.1');
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('receivedChain', () => {
  const field = (name: string, value: string): HeaderField => ({ name, value });

  it('reads Received fields from the top, skipping others', () => {
    const chain = receivedChain([
      field('return-path', '<a@sender.test>'),
      field('received', 'from mail.example.test by mail.example.test with LMTP id 1; Tue, 24 Nov 2026 10:00:01 +0000'),
      field('subject', 'hello'),
      field('received', 'from mx.sender.test (mx.sender.test [198.51.100.7]) by mail.example.test with ESMTPS id 2; Tue, 24 Nov 2026 10:00:00 +0000'),
    ]);
    expect(chain.map((hop) => hop.with)).toEqual(['LMTP', 'ESMTPS']);
    expect(chain[1]?.fromIp).toBe('198.51.100.7');
  });

  it(`reads at most ${MAX_RECEIVED_HOPS} hops, quickly`, () => {
    const headers = Array.from({ length: 500 }, (_, i) =>
      field('received', `from h${i}.test (h${i}.test [192.0.2.${i % 256}]) by h${i + 1}.test with ESMTP id ${i}; Tue, 24 Nov 2026 10:00:00 +0000`),
    );
    const started = performance.now();
    const chain = receivedChain(headers);
    expect(chain).toHaveLength(MAX_RECEIVED_HOPS);
    expect(chain[0]?.from).toBe('h0.test');
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('is empty without Received fields', () => {
    expect(receivedChain([])).toEqual([]);
  });
});
