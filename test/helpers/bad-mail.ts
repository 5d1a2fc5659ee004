/**
 * Hostile and broken messages, generated: what a mail filter meets in the wild and must
 * survive with a result or a clear error, never a crash or a hang.
 */

export interface BadMessage {
  name: string;
  raw: Buffer;
}

const CRLF = '\r\n';

/** A deterministic byte stream, so that a failure reproduces. */
function pseudoRandomBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function headers(extra: string[] = []): string {
  return ['From: Mallory <mallory@example.test>', 'To: victim@example.test', 'Subject: test', 'Date: Tue, 24 Nov 2026 10:00:00 +0000', 'MIME-Version: 1.0', ...extra].join(CRLF);
}

/** `megabytes` of the given line repeated, with line ends. */
function lines(line: string, megabytes: number): string {
  return (line + CRLF).repeat(Math.ceil((megabytes * 1024 * 1024) / (line.length + 2)));
}

export function badMessages(options: { hugeMegabytes?: number } = {}): BadMessage[] {
  const huge = options.hugeMegabytes ?? 50;
  const cases: [string, () => string | Buffer][] = [
    ['empty file', () => ''],
    ['binary, not mail', () => pseudoRandomBytes(1024 * 1024, 7)],
    ['headers only, no body', () => headers() + CRLF],
    ['no header/body separator', () => 'From: a@example.test' + CRLF + 'just text, never a blank line' + CRLF],
    ['NUL bytes and invalid UTF-8', () => Buffer.concat([Buffer.from(headers() + CRLF + CRLF), Buffer.from([0, 0xff, 0xfe, 0xc3, 0x28, 0, 0x80, 0x41, 0x42, 0x43, 0x20, 0x77, 0x6f, 0x72, 0x64])])],
    [`${huge} MB text body`, () => headers(['Content-Type: text/plain; charset=utf-8']) + CRLF + CRLF + lines('cheap pills casino winner money free offer now', huge)],
    [
      `${huge} MB base64 attachment`,
      () =>
        headers(['Content-Type: multipart/mixed; boundary="b"']) +
        CRLF + CRLF +
        ['--b', 'Content-Type: text/plain', '', 'see attachment', '--b', 'Content-Type: application/octet-stream', 'Content-Transfer-Encoding: base64', '', ''].join(CRLF) +
        lines('QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0', huge) +
        '--b--' + CRLF,
    ],
    ['one 10 MB line', () => headers(['Content-Type: text/plain']) + CRLF + CRLF + 'word '.repeat(2 * 1024 * 1024) + CRLF],
    [
      '10 000 MIME parts',
      () => {
        const parts: string[] = [];
        for (let i = 0; i < 10_000; i++) parts.push(`--b${CRLF}Content-Type: text/plain${CRLF}${CRLF}part number ${i} words${CRLF}`);
        return headers(['Content-Type: multipart/mixed; boundary="b"']) + CRLF + CRLF + parts.join('') + '--b--' + CRLF;
      },
    ],
    [
      'multipart nested 2 000 deep',
      () => {
        const depth = 2_000;
        let open = '';
        let close = '';
        for (let i = 0; i < depth; i++) {
          open += `--b${i}${CRLF}Content-Type: multipart/mixed; boundary="b${i + 1}"${CRLF}${CRLF}`;
          close = `--b${i}--${CRLF}` + close;
        }
        return headers(['Content-Type: multipart/mixed; boundary="b0"']) + CRLF + CRLF + open + `--b${depth}${CRLF}Content-Type: text/plain${CRLF}${CRLF}deep text${CRLF}--b${depth}--${CRLF}` + close;
      },
    ],
    [
      'message/rfc822 nested 200 deep',
      () => {
        let message = `Subject: innermost${CRLF}Content-Type: text/plain${CRLF}${CRLF}innermost words${CRLF}`;
        for (let i = 0; i < 200; i++) message = `Subject: level ${i}${CRLF}Content-Type: message/rfc822${CRLF}${CRLF}${message}`;
        return headers() + CRLF + message;
      },
    ],
    ['broken base64', () => headers(['Content-Type: text/plain', 'Content-Transfer-Encoding: base64']) + CRLF + CRLF + 'SGVsbG8gd29y!!!bGQ=====\u0000***%%%' + CRLF + 'not base64 at all <html>' + CRLF],
    ['broken quoted-printable', () => headers(['Content-Type: text/plain', 'Content-Transfer-Encoding: quoted-printable']) + CRLF + CRLF + 'caf=E9 =ZZ =\r\n=' + CRLF],
    [
      'unknown charsets',
      () =>
        headers(['Content-Type: text/plain; charset="x-no-such-charset"', 'X-Extra: =?x-bogus?B?AAAA?= =?utf-8?Q?broken=ZZ?=']).replace('Subject: test', 'Subject: =?x-unknown?Q?caf=E9?= =?utf-8?B?!!!?=') +
        CRLF + CRLF + 'some text caf\xe9' + CRLF,
    ],
    ['bad Content-Type', () => headers(['Content-Type: ;;;/;boundary=""""']) + CRLF + CRLF + 'body' + CRLF],
    ['multipart without a boundary', () => headers(['Content-Type: multipart/mixed']) + CRLF + CRLF + '--x' + CRLF + 'text' + CRLF],
    ['100 000 header lines', () => Array.from({ length: 100_000 }, (_, i) => `X-Header-${i}: value ${i}`).join(CRLF) + CRLF + 'Subject: many' + CRLF + CRLF + 'body' + CRLF],
    ['HTML bomb: 200 000 unclosed tags', () => headers(['Content-Type: text/html']) + CRLF + CRLF + '<div><b><i>'.repeat(200_000) + 'text' + CRLF],
    // What the delivery analysis reads: the From address, Return-Path and Received headers.
    ['no From header', () => headers().replace(/^From: .*\r\n/, '') + CRLF + CRLF + 'who sent this?' + CRLF],
    ['three From headers with many addresses', () => headers(['From: a@x.test, b@y.test', 'From: <>', 'Return-Path: <<<@@>>>']) + CRLF + CRLF + 'body' + CRLF],
    [
      'garbage Received headers',
      () =>
        headers([
          'Received: from',
          'Received: ;;;;((((([[[[',
          'Received: from [999.1.2.3] (x [::ffff:999.0.0.1]) by ; Tue, 99 Foo 20266 99:99:99 +9999',
          'Received: from a (b [IPv6:zz::1%eth0]) by c with ESMTPS',
          'Received: ' + 'x'.repeat(100_000),
        ]) + CRLF + CRLF + 'body' + CRLF,
    ],
    ['IPv6 literals', () => headers(['Received: from mx6.sender.test (mx6.sender.test [IPv6:2001:db8::25]) by mail.example.test with ESMTPS id 1; Tue, 24 Nov 2026 10:00:00 +0000', 'Return-Path: <bounce@[IPv6:2001:db8::1]>']) + CRLF + CRLF + 'body' + CRLF],
    ['500 Received headers', () => headers(Array.from({ length: 500 }, (_, i) => `Received: from h${i}.test (h${i}.test [198.51.100.${i % 250}]) by r${i}.test with SMTP id ${i}; Tue, 24 Nov 2026 10:00:00 +0000`)) + CRLF + CRLF + 'body' + CRLF],
  ];
  return cases.map(([name, make]) => {
    const value = make();
    return { name, raw: typeof value === 'string' ? Buffer.from(value, 'latin1') : value };
  });
}
