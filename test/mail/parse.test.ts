import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_TEXT_BYTES, decodeHeaderValue, parseMessage } from '../../src/mail/parse.ts';

const CRLF = '\r\n';

/** A raw message from its lines, joined with CRLF and encoded as UTF-8. */
function mail(...lines: string[]): Buffer {
  return Buffer.from(lines.join(CRLF), 'utf8');
}

/** A single-part message with the given header lines and raw body bytes. */
function withBody(headerLines: string[], body: Buffer | number[]): Buffer {
  return Buffer.concat([Buffer.from([...headerLines, '', ''].join(CRLF), 'latin1'), Buffer.from(body)]);
}

/** The whitespace-separated pieces of a text. */
function pieces(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

async function bodiesOf(raw: Uint8Array): Promise<string[]> {
  return (await parseMessage(raw)).bodies;
}

describe('parseMessage headers', () => {
  it('returns the top-level fields in order, names lower-case, values unfolded and trimmed but not decoded', async () => {
    const { headers } = await parseMessage(
      mail(
        'Received: from a by b',
        'Received: from c by d',
        'SUBJECT:   hello',
        '  world =?UTF-8?B?w6k=?=',
        'To: a@example.com,',
        '\tb@example.com',
        'X-Mailer: Test',
        '',
        'body',
      ),
    );
    expect(headers).toEqual([
      { name: 'received', value: 'from a by b' },
      { name: 'received', value: 'from c by d' },
      // Unfolding removes only the line break (RFC 5322 section 2.2.3): the folding white space stays.
      { name: 'subject', value: 'hello  world =?UTF-8?B?w6k=?=' },
      { name: 'to', value: 'a@example.com,\tb@example.com' },
      { name: 'x-mailer', value: 'Test' },
    ]);
  });

  it('reads 8-bit header bytes as UTF-8 (RFC 6532)', async () => {
    const { headers } = await parseMessage(mail('Subject: Ünïcode 日本', '', 'body'));
    expect(headers).toEqual([{ name: 'subject', value: 'Ünïcode 日本' }]);
  });

  it('does not take an mbox "From " line for a header or for body text', async () => {
    const content = await parseMessage(mail('From sender@example.com Tue Nov 24 10:00:00 2026', 'From: a@example.com', 'Subject: hi', '', 'body text', ''));
    expect(content.headers).toEqual([
      { name: 'from', value: 'a@example.com' },
      { name: 'subject', value: 'hi' },
    ]);
    expect(content.bodies.map(pieces)).toEqual([['body', 'text']]);
  });

  it('parses a message with LF line ends like its CRLF copy', async () => {
    const lines = ['From: a@example.com', 'Subject: folded', ' line', 'Content-Type: text/plain; charset=utf-8', '', 'caf\u00e9 body', ''];
    const crlf = await parseMessage(Buffer.from(lines.join('\r\n')));
    const lf = await parseMessage(Buffer.from(lines.join('\n')));
    expect(lf.headers).toEqual(crlf.headers);
    expect(lf.headers[1]).toEqual({ name: 'subject', value: 'folded line' });
    expect(lf.bodies.map(pieces)).toEqual(crlf.bodies.map(pieces));
    expect(lf.bodies.map(pieces)).toEqual([['café', 'body']]);
  });
});

describe('parseMessage transfer encodings', () => {
  it('decodes a base64 text part, line breaks included', async () => {
    const text = 'Cheap pills and caf\u00e9 offers. '.repeat(10);
    const encoded = Buffer.from(text).toString('base64').replace(/.{76}/g, `$&${CRLF}`);
    const bodies = await bodiesOf(withBody(['Subject: b64', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64'], Buffer.from(encoded)));
    expect(bodies).toEqual([text]);
  });

  it('decodes a quoted-printable text part: escapes and soft line breaks', async () => {
    const bodies = await bodiesOf(
      withBody(
        ['Subject: qp', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: Quoted-Printable'],
        Buffer.from(['caf=C3=A9 a=3Db soft=', 'break end'].join(CRLF)),
      ),
    );
    expect(bodies).toEqual(['café a=b softbreak end']);
  });

  it('decodes base64 before converting the charset', async () => {
    const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9]).toString('base64'); // "café" in ISO-8859-1
    const bodies = await bodiesOf(withBody(['Content-Type: text/plain; charset=iso-8859-1', 'Content-Transfer-Encoding: base64'], Buffer.from(latin1)));
    expect(bodies).toEqual(['café']);
  });

  it('passes an unknown transfer encoding through', async () => {
    const bodies = await bodiesOf(withBody(['Content-Type: text/plain', 'Content-Transfer-Encoding: x-unknown'], Buffer.from('plain =41 text')));
    expect(bodies).toEqual(['plain =41 text']);
  });
});

describe('parseMessage charsets', () => {
  const text = (charset: string, bytes: number[]) => withBody(['Subject: cs', `Content-Type: text/plain; charset=${charset}`], bytes);

  it('converts iso-8859-1', async () => {
    // "café naïve"
    expect(await bodiesOf(text('iso-8859-1', [0x63, 0x61, 0x66, 0xe9, 0x20, 0x6e, 0x61, 0xef, 0x76, 0x65]))).toEqual(['café naïve']);
  });

  it('reads iso-8859-1 as ISO-8859-1, not as windows-1252 (docs/junk.md section 1.2, as mox)', async () => {
    // 0x8a is the C1 control U+008A in ISO-8859-1 (a separator); windows-1252 reads it as the letter Š.
    expect(await bodiesOf(text('iso-8859-1', [0x61, 0x62, 0x8a, 0x63, 0x64]))).toEqual(['ab\u008acd']);
  });

  it('reads us-ascii-labelled 8-bit bytes as UTF-8 (docs/junk.md section 1.2, as mox)', async () => {
    expect(await bodiesOf(text('us-ascii', [0x63, 0x61, 0x66, 0xc3, 0xa9]))).toEqual(['café']);
  });

  it('converts windows-1252, including its 0x80-0x9f characters', async () => {
    // "€ “quoted” Šip café"
    const bytes = [0x80, 0x20, 0x93, 0x71, 0x75, 0x6f, 0x74, 0x65, 0x64, 0x94, 0x20, 0x8a, 0x69, 0x70, 0x20, 0x63, 0x61, 0x66, 0xe9];
    expect(await bodiesOf(text('windows-1252', bytes))).toEqual(['€ “quoted” Šip café']);
  });

  it('converts koi8-r, the charset name compared case-insensitively and quoted', async () => {
    const privet = [0xd0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4]; // "привет"
    expect(await bodiesOf(text('koi8-r', privet))).toEqual(['привет']);
    expect(await bodiesOf(text('"KOI8-R"', privet))).toEqual(['привет']);
  });

  it('reads utf-8, and text without a charset, as UTF-8', async () => {
    const bytes = [...Buffer.from('café 日本 \u{1F600}')];
    expect(await bodiesOf(text('utf-8', bytes))).toEqual(['café 日本 \u{1F600}']);
    expect(await bodiesOf(withBody(['Content-Type: text/plain'], bytes))).toEqual(['café 日本 \u{1F600}']);
  });

  it('reads an unknown charset as UTF-8 without failing', async () => {
    expect(await bodiesOf(text('x-no-such-charset', [...Buffer.from('café crème')]))).toEqual(['café crème']);
  });

  it('turns invalid UTF-8 into replacement characters, not an error', async () => {
    const [body] = await bodiesOf(text('utf-8', [0x61, 0x62, 0x63, 0xff, 0x64, 0x65, 0x66]));
    expect(body).toMatch(/^abc\uFFFD+def$/);
  });
});

describe('parseMessage MIME structure', () => {
  it('uses both alternatives of multipart/alternative, the HTML one as text', async () => {
    const bodies = await bodiesOf(
      mail(
        'Subject: alt',
        'Content-Type: multipart/alternative; boundary="alt"',
        '',
        '--alt',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'plainword here',
        '--alt',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<p>html<b>word</b> caf&eacute;</p><script>scripted()</script>',
        '--alt--',
        '',
      ),
    );
    expect(bodies.map(pieces)).toEqual([
      ['plainword', 'here'],
      ['html', 'word', 'café'],
    ]);
  });

  it('counts a text attachment, not an image attachment, in document order', async () => {
    const png = Buffer.from('imagebytes not text').toString('base64');
    const bodies = await bodiesOf(
      mail(
        'Subject: attachments',
        'Content-Type: multipart/mixed; boundary=mix',
        '',
        '--mix',
        'Content-Type: text/plain',
        '',
        'first part',
        '--mix',
        'Content-Type: image/png; name=pic.png',
        'Content-Disposition: attachment; filename=pic.png',
        'Content-Transfer-Encoding: base64',
        '',
        png,
        '--mix',
        'Content-Type: text/csv; name=data.csv',
        'Content-Disposition: attachment; filename=data.csv',
        '',
        'col1,col2',
        'val1,val2',
        '--mix--',
        '',
      ),
    );
    expect(bodies).toEqual(['first part', `col1,col2${CRLF}val1,val2`]);
  });

  it('reads a part without Content-Type as text/plain (RFC 2045 section 5.2)', async () => {
    const bodies = await bodiesOf(
      mail('Subject: untyped', 'Content-Type: multipart/mixed; boundary=b', '', '--b', '', 'untyped part words', '--b', 'Content-Type: application/pdf', '', '%PDF-1.4 binary', '--b--', ''),
    );
    expect(bodies).toEqual(['untyped part words']);
  });

  it('reads a message without Content-Type as text/plain', async () => {
    expect(await bodiesOf(mail('Subject: no type', '', 'bare body words'))).toEqual(['bare body words']);
  });

  it('reads an attachment without Content-Type as text/plain (RFC 2045 section 5.2)', async () => {
    const bodies = await bodiesOf(mail('Subject: x', 'Content-Type: multipart/mixed; boundary=b', '', '--b', 'Content-Disposition: attachment', '', 'untyped attachment text', '--b--', ''));
    expect(bodies).toEqual(['untyped attachment text']);
  });

  const embedded = (type: string, disposition: string[]) =>
    mail(
      'From: outer@example.com',
      'Subject: outer subject',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'outer text',
      '--b1',
      `Content-Type: ${type}`,
      ...disposition,
      '',
      'From: inner@example.com',
      'Subject: inner secret',
      'Content-Type: multipart/alternative; boundary=b2',
      '',
      '--b2',
      'Content-Type: text/plain',
      '',
      'inner plain',
      '--b2',
      'Content-Type: text/html',
      '',
      '<p>inner html</p>',
      '--b2--',
      '--b1--',
      '',
    );

  it.each([
    ['message/rfc822, no disposition', 'message/rfc822', []],
    ['message/rfc822, inline', 'message/rfc822', ['Content-Disposition: inline']],
    ['message/rfc822, attachment', 'message/rfc822', ['Content-Disposition: attachment; filename=forwarded.eml']],
    ['message/global', 'message/global', []],
  ])('%s: the embedded body parts count, its headers do not', async (_name, type, disposition) => {
    const content = await parseMessage(embedded(type, disposition));
    expect(content.headers).toEqual([
      { name: 'from', value: 'outer@example.com' },
      { name: 'subject', value: 'outer subject' },
      { name: 'content-type', value: 'multipart/mixed; boundary="b1"' },
    ]);
    expect(content.bodies.map(pieces)).toEqual([['outer', 'text'], ['inner', 'plain'], ['inner', 'html']]);
    expect(content.bodies.join(' ')).not.toContain('secret');
  });

  it('reads the body of a top-level message/rfc822', async () => {
    const content = await parseMessage(mail('Subject: wrapper', 'Content-Type: message/rfc822', '', 'Subject: inner', '', 'inner body words', ''));
    expect(content.headers.map((h) => h.value)).toEqual(['wrapper', 'message/rfc822']);
    expect(content.bodies.map(pieces)).toEqual([['inner', 'body', 'words']]);
  });
});

describe('parseMessage maxTextBytes', () => {
  const longText = Array.from({ length: 2000 }, (_, i) => `word${i}`).join(' '); // about 17 000 bytes

  it('leaves out text beyond the limit and says so', async () => {
    const content = await parseMessage(withBody(['Content-Type: text/plain'], Buffer.from(longText)), { maxTextBytes: 1000 });
    expect(content.truncated).toBe(true);
    expect(content.bodies).toHaveLength(1);
    const body = content.bodies[0]!;
    expect(body.length).toBeLessThanOrEqual(1000);
    expect(body.length).toBeGreaterThan(900);
    expect(longText.startsWith(body)).toBe(true);
  });

  it('applies the limit to all text parts together', async () => {
    const part = 'x'.repeat(700);
    const content = await parseMessage(
      mail('Content-Type: multipart/mixed; boundary=b', '', '--b', 'Content-Type: text/plain', '', part, '--b', 'Content-Type: text/plain', '', part, '--b', 'Content-Type: text/plain', '', part, '--b--', ''),
      { maxTextBytes: 1000 },
    );
    expect(content.truncated).toBe(true);
    expect(content.bodies[0]).toBe(part);
    expect(content.bodies.join('').length).toBeLessThanOrEqual(1000);
  });

  it('does not charge non-text parts to the limit', async () => {
    const image = Buffer.alloc(20_000, 7).toString('base64').replace(/.{76}/g, `$&${CRLF}`);
    const content = await parseMessage(
      mail(
        'Content-Type: multipart/mixed; boundary=b',
        '',
        '--b',
        'Content-Type: image/gif',
        'Content-Transfer-Encoding: base64',
        '',
        image,
        '--b',
        'Content-Type: text/plain',
        '',
        'the text after',
        '--b--',
        '',
      ),
      { maxTextBytes: 1000 },
    );
    expect(content).toMatchObject({ bodies: ['the text after'], truncated: false });
  });

  it('is not truncated when the text fits, and defaults to DEFAULT_MAX_TEXT_BYTES', async () => {
    const small = await parseMessage(withBody(['Content-Type: text/plain'], Buffer.from(longText)));
    expect(small).toMatchObject({ bodies: [longText], truncated: false });
    const huge = await parseMessage(withBody(['Content-Type: text/plain'], Buffer.alloc(DEFAULT_MAX_TEXT_BYTES + 100_000, 'a')));
    expect(huge.truncated).toBe(true);
    expect(huge.bodies[0]!.length).toBeLessThanOrEqual(DEFAULT_MAX_TEXT_BYTES);
    expect(huge.bodies[0]!.length).toBeGreaterThan(DEFAULT_MAX_TEXT_BYTES - 1000);
  });
});

describe('decodeHeaderValue (RFC 2047)', () => {
  it('decodes B and Q encoded words in UTF-8', () => {
    expect(decodeHeaderValue('=?UTF-8?B?Q2Fmw6kgY3LDqG1l?=')).toBe('Café crème');
    expect(decodeHeaderValue('=?utf-8?q?Caf=C3=A9_cr=C3=A8me?=')).toBe('Café crème');
  });

  it('decodes encoded words among plain text, joining adjacent ones (RFC 2047 section 6.2)', () => {
    expect(decodeHeaderValue('Re: =?UTF-8?Q?caf=C3=A9?= today')).toBe('Re: café today');
    expect(decodeHeaderValue('=?UTF-8?Q?free?= =?UTF-8?Q?_money?=')).toBe('free money');
  });

  it('decodes other charsets', () => {
    expect(decodeHeaderValue('=?ISO-8859-1?Q?caf=E9?=')).toBe('café');
    expect(decodeHeaderValue('=?KOI8-R?B?0NLJ18XU?=')).toBe('привет');
  });

  it('leaves a value without encoded words unchanged', () => {
    expect(decodeHeaderValue('  plain = value ?  ')).toBe('  plain = value ?  ');
  });

  it('does not fail on an unknown charset, and keeps its text', () => {
    expect(decodeHeaderValue('=?x-no-such-charset?Q?hello_world?=')).toContain('hello');
    expect(decodeHeaderValue('=?x-no-such-charset?B?aGVsbG8=?=')).toBeOneOf(['hello', '=?x-no-such-charset?B?aGVsbG8=?=']);
  });

  it.each(['=?UTF-8?B?not base64!!?=', '=?UTF-8?Q?unterminated', '=?', '=?UTF-8?X?abc?=', '=??B??=', '=?UTF-8?B?=?=', 'x =?UTF-8?Q?=ZZ=C3?= y'])('does not fail on the malformed %j', (value) => {
    expect(typeof decodeHeaderValue(value)).toBe('string');
  });

  it('leaves text that is not an encoded word as written', () => {
    expect(decodeHeaderValue('=?UTF-8?Q?unterminated')).toBe('=?UTF-8?Q?unterminated');
    expect(decodeHeaderValue('a =?UTF-8?X?abc?= b')).toBe('a =?UTF-8?X?abc?= b');
  });
});
