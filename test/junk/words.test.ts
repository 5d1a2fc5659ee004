import { describe, expect, it } from 'vitest';
import type { Grams } from '../../src/junk/tokenize.ts';
import { hashWord } from '../../src/junk/word-hash.ts';
import { messageWords } from '../../src/junk/words.ts';
import { classifyWords } from '../../src/junk/classify.ts';
import { CountTable } from '../../src/junk/counts.ts';
import { DEFAULT_JUNK_PARAMS, MOX_PARAMS } from '../../src/junk/params.ts';
import { parseMessage, type HeaderField, type MessageContent } from '../../src/mail/parse.ts';

const ONE: Grams = { onegrams: true, twograms: false, threegrams: false };
const ONE_TWO: Grams = { onegrams: true, twograms: true, threegrams: false };

function content(headers: [name: string, value: string][], bodies: string[] = []): MessageContent {
  return { headers: headers.map(([name, value]): HeaderField => ({ name, value })), bodies, truncated: false };
}

function wordsOf(c: MessageContent, grams: Grams = ONE): string[] {
  return messageWords(c, grams).words.sort();
}

describe('messageWords header words (docs/junk.md section 1.5)', () => {
  it('prefixes header n-grams and keeps only those longer than 3 bytes', () => {
    expect(wordsOf(content([['subject', 'Free Money now']]), ONE_TWO)).toEqual(
      ['Subject:free', 'Subject:money', 'Subject:free money', 'Subject:money now'].sort(),
    );
  });

  it('measures the 3-byte rule in UTF-8 bytes, before the prefix', () => {
    // "éa" is 3 bytes, "éé" 4, "abc" 3, "abcd" 4.
    expect(wordsOf(content([['subject', 'éa éé abc abcd']]))).toEqual(['Subject:abcd', 'Subject:éé']);
  });

  it('uses each of the eight fields with its canonical prefix', () => {
    const fields = ['from', 'to', 'cc', 'bcc', 'reply-to', 'subject', 'sender', 'return-path'];
    const words = wordsOf(content(fields.map((name) => [name, 'word'])));
    expect(words).toEqual(['Bcc:word', 'Cc:word', 'From:word', 'Reply-To:word', 'Return-Path:word', 'Sender:word', 'Subject:word', 'To:word'].sort());
  });

  it('tokenizes addresses like any text', () => {
    expect(wordsOf(content([['to', 'Bob <bob@example.com>'], ['return-path', '<bounce@mail.example.org>']]))).toEqual(
      ['Return-Path:bounce', 'Return-Path:example', 'Return-Path:mail', 'To:example'].sort(),
    );
  });

  it('ignores every other header field', () => {
    const c = content([
      ['received', 'from mailhost.example by relay.example'],
      ['x-mailer', 'Microsoft Outlook Express'],
      ['message-id', '<unique.identifier@example.com>'],
      ['content-type', 'text/plain; charset=utf-8'],
      ['x-subject', 'Hidden words'],
      ['subject', 'Visible'],
    ]);
    expect(wordsOf(c)).toEqual(['Subject:visible']);
  });

  it('matches field names case-insensitively in a parsed message', async () => {
    const raw = Buffer.from(['SUBJECT: Upper', 'rEpLy-To: mixed@sample.test', 'x-mailer: Ignored', '', 'body'].join('\r\n'));
    expect(wordsOf(await parseMessage(raw))).toEqual(['Reply-To:mixed', 'Reply-To:sample', 'Reply-To:test', 'Subject:upper', 'body'].sort());
  });

  it('decodes RFC 2047 encoded words first (docs/junk.md section 9, fix 5)', () => {
    // "Café crème"; "Ünïcode" in a Q-encoded From display name.
    const c = content([
      ['subject', '=?UTF-8?B?Q2Fmw6kgY3LDqG1l?='],
      ['from', '=?utf-8?Q?=C3=9Cn=C3=AFcode?= <x@example.com>'],
    ]);
    expect(wordsOf(c, ONE_TWO)).toEqual(['From:ünïcode', 'From:example', 'From:ünïcode example', 'From:example com', 'Subject:café', 'Subject:crème', 'Subject:café crème'].sort());
  });

  it('decodes encoded words in a parsed message', async () => {
    const raw = Buffer.from(['Subject: =?UTF-8?B?RnJlZSBNb25leQ==?=', '', ''].join('\r\n'));
    expect(wordsOf(await parseMessage(raw))).toEqual(['Subject:free', 'Subject:money']);
  });

  it('starts the n-gram window afresh for each header field', () => {
    expect(wordsOf(content([['subject', 'alpha'], ['subject', 'beta']]), ONE_TWO)).toEqual(['Subject:alpha', 'Subject:beta']);
  });
});

describe('messageWords body words', () => {
  it('adds body words without a prefix, distinct from the same word in a header', () => {
    expect(wordsOf(content([['subject', 'offer']], ['Limited offer']))).toEqual(['Subject:offer', 'limited', 'offer']);
  });

  it('keeps 3-byte body words, unlike header words', () => {
    expect(wordsOf(content([['subject', 'fun day']], ['fun day']))).toEqual(['day', 'fun']);
  });

  it('counts each word once, across all bodies', () => {
    const list = messageWords(content([['subject', 'spam spam']], ['spam spam eggs SPAM', 'eggs and spam', 'Spam']), ONE_TWO);
    expect([...list.words].sort()).toEqual(['Subject:spam', 'Subject:spam spam', 'and', 'and spam', 'eggs', 'eggs and', 'eggs spam', 'spam', 'spam eggs', 'spam spam'].sort());
    expect(new Set(list.words).size).toBe(list.words.length);
  });

  it('starts the n-gram window afresh for each body', () => {
    expect(wordsOf(content([], ['alpha beta', 'gamma delta']), ONE_TWO)).toEqual(['alpha', 'alpha beta', 'beta', 'delta', 'gamma', 'gamma delta']);
  });

  it('gives no words for an empty message', () => {
    const list = messageWords(content([]), ONE_TWO);
    expect(list.words).toEqual([]);
    expect(list.hashes).toHaveLength(0);
  });
});

describe('messageWords hashes', () => {
  it('holds hashWord(word) for every word, in order', () => {
    const c = content(
      [
        ['subject', 'Free Money now =?UTF-8?B?Q2Fmw6k=?='],
        ['from', 'Sender <sender@example.com>'],
        ['reply-to', 'İstanbul ΣΑΣ 日本語'],
      ],
      ["don't rock'n'roll naïve \u{10400}\u{10401}x the quick brown fox", 'the quick brown fox again'],
    );
    const list = messageWords(c, { onegrams: true, twograms: true, threegrams: true });
    expect(list.words.length).toBeGreaterThan(30);
    expect(list.hashes).toHaveLength(2 * list.words.length);
    const expected = new Uint32Array(2);
    list.words.forEach((word, i) => {
      hashWord(word, expected, 0);
      expect([list.hashes[2 * i], list.hashes[2 * i + 1]], word).toEqual([expected[0], expected[1]]);
    });
    // For training, the same hashes in the same order, and no word as text.
    const hashesOnly = messageWords(c, { onegrams: true, twograms: true, threegrams: true }, { strings: false });
    expect(hashesOnly.hashes).toEqual(list.hashes);
    expect(hashesOnly.words).toEqual([]);
  });

  it("scores alike without the words as text, naming none; mox's classifier, which breaks ties by length, refuses them", () => {
    const c = content([['subject', 'cheap pills']], ['cheap pills now']);
    const named = messageWords(c, ONE_TWO);
    const bare = messageWords(c, ONE_TWO, { strings: false });
    const table = new CountTable();
    for (let at = 0; at < named.hashes.length; at += 2) table.set(named.hashes, at, at % 4 === 0 ? 0 : 3, 2);
    const totals = { ham: 5, spam: 5 };
    const full = classifyWords(named, table, totals, DEFAULT_JUNK_PARAMS);
    const scored = classifyWords(bare, table, totals, DEFAULT_JUNK_PARAMS);
    expect(full.hams.length + full.spams.length).toBeGreaterThan(0);
    expect(scored).toEqual({ ...full, hams: [], spams: [] });
    expect(() => classifyWords(bare, table, totals, MOX_PARAMS)).toThrow(/built with strings/);
  });
});
