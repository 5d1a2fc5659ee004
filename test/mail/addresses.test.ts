import { describe, expect, it } from 'vitest';
import { canonicalMessageId, parseAddressList, parseReturnPath, parseSingleAddress, splitAddress } from '../../src/mail/addresses.ts';

describe('parseAddressList', () => {
  it('reads addresses with and without display names', () => {
    expect(parseAddressList('"John Doe" <John.Doe@Example.COM>, jane@example.org (Jane), Robert Elz <kre@munnari.OZ.AU>')).toEqual([
      { local: 'John.Doe', domain: 'example.com' },
      { local: 'jane', domain: 'example.org' },
      { local: 'kre', domain: 'munnari.oz.au' },
    ]);
  });

  it('ignores encoded display names', () => {
    expect(parseAddressList('=?utf-8?q?J=C3=B6rg?= <joerg@example.de>')).toEqual([{ local: 'joerg', domain: 'example.de' }]);
  });

  it('flattens groups and reads empty ones as nothing', () => {
    expect(parseAddressList('friends: a@x.test, "B" <b@y.test>;, c@z.test')).toEqual([
      { local: 'a', domain: 'x.test' },
      { local: 'b', domain: 'y.test' },
      { local: 'c', domain: 'z.test' },
    ]);
    expect(parseAddressList('Undisclosed recipients:;')).toEqual([]);
  });

  it('gives IDNA domains as lower-case Unicode', () => {
    expect(parseAddressList('bob@XN--BCHER-KVA.example')).toEqual([{ local: 'bob', domain: 'bücher.example' }]);
    expect(parseAddressList('bob@Bücher.Example')).toEqual([{ local: 'bob', domain: 'bücher.example' }]);
  });

  it('keeps the local part as written', () => {
    expect(parseAddressList('"john doe"@example.com, MiXeD@example.com')).toEqual([
      { local: '"john doe"', domain: 'example.com' },
      { local: 'MiXeD', domain: 'example.com' },
    ]);
  });

  it('leaves out what is no usable address', () => {
    expect(parseAddressList('bob, a@, @example.com, user@[192.0.2.1], test@domain..com, ok@example.com')).toEqual([
      { local: 'ok', domain: 'example.com' },
    ]);
    expect(parseAddressList('')).toEqual([]);
    expect(parseAddressList('<>')).toEqual([]);
  });

  it('never throws on junk', () => {
    for (const value of ['\u0000\u00ff<<<>>>""', '"', '<', ':;:;:;', '(((((', 'a'.repeat(200_000), '@'.repeat(1000), '<'.repeat(5000)]) {
      expect(() => parseAddressList(value)).not.toThrow();
    }
  });
});

describe('parseSingleAddress', () => {
  it('takes exactly one address', () => {
    expect(parseSingleAddress('Alice <alice@sender.test>')).toEqual({ local: 'alice', domain: 'sender.test' });
    expect(parseSingleAddress('alice@sender.test, bob@sender.test')).toBeUndefined();
    expect(parseSingleAddress('alice@sender.test, bob')).toBeUndefined();
    expect(parseSingleAddress('bob')).toBeUndefined();
    expect(parseSingleAddress('')).toBeUndefined();
  });
});

describe('splitAddress', () => {
  it('splits at the last @', () => {
    expect(splitAddress('"a@b"@example.com')).toEqual({ local: '"a@b"', domain: 'example.com' });
    expect(splitAddress('a@b@example.com')).toBeUndefined();
    expect(splitAddress('alice@example.com.')).toEqual({ local: 'alice', domain: 'example.com' });
  });
});

describe('parseReturnPath', () => {
  it('reads the null sender as null', () => {
    expect(parseReturnPath('<>')).toBeNull();
    expect(parseReturnPath('< >')).toBeNull();
    expect(parseReturnPath('<> (bounce)')).toBeNull();
  });

  it('reads an address', () => {
    expect(parseReturnPath('<Alice@Sender.TEST>')).toEqual({ local: 'Alice', domain: 'sender.test' });
    expect(parseReturnPath('<exmh-workers-admin@spamassassin.taint.org>')).toEqual({ local: 'exmh-workers-admin', domain: 'spamassassin.taint.org' });
  });

  it('gives undefined for no usable address', () => {
    expect(parseReturnPath('')).toBeUndefined();
    expect(parseReturnPath('garbage')).toBeUndefined();
  });
});

describe('canonicalMessageId (mox message.MessageIDCanonical)', () => {
  it.each([
    ['<ABC.123@Example.COM>', 'abc.123@example.com'],
    ['  <x@y.test>  ', 'x@y.test'],
    ['<"abc"@x.test>', 'abc@x.test'],
    ['<"a.b"@x.test>', 'a.b@x.test'],
    ['<"a b"@x.test>', '"a b"@x.test'],
    ['<"a\\"b"@x.test>', '"a\\"b"@x.test'],
    ['<"a\\b"@x.test>', 'ab@x.test'],
    ['<"a..b"@x.test>', '"a..b"@x.test'],
    ['<valid@valid.example> (added by postmaster@some.example)', 'valid@valid.example'],
    ['<13258.1030015585@munnari.OZ.AU>', '13258.1030015585@munnari.oz.au'],
    // Not addresses: the raw lower-cased value, as mox keeps it.
    ['<0103c1042001882DD_IT7@dd_it7>', '0103c1042001882dd_it7@dd_it7'],
    ['<"Quoted"@[192.0.2.1]>', '"quoted"@[192.0.2.1]'],
    ['<no-at-sign>', 'no-at-sign'],
    ['<a@b@c.test>', 'a@b@c.test'],
  ])('%s → %s', (input, expected) => {
    expect(canonicalMessageId(input)).toBe(expected);
  });

  it.each([undefined, '', 'bogus@localhost', '<>', '<unterminated@x.test', '<a@b.test>x', '   '])('%j is no message-id', (input) => {
    expect(canonicalMessageId(input)).toBe('');
  });
});
