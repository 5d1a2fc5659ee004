import { decodeHeaderValue, type MessageContent } from '../mail/parse.ts';
import { tokenizeText, wordPrefix, type Grams } from './tokenize.ts';
import { WordListBuilder, type WordList } from './word-list.ts';

/**
 * The header fields whose words count, by lower-case name, with the spelling used as the word's
 * prefix (mox's canonical MIME header keys, docs/junk.md section 1.5).
 */
const HEADER_PREFIX = new Map(
  ['From', 'To', 'Cc', 'Bcc', 'Reply-To', 'Subject', 'Sender', 'Return-Path'].map((name) => [name.toLowerCase(), wordPrefix(`${name}:`)]),
);

export interface WordOptions {
  /** false: the hashes alone, as training needs (WordListBuilder); default true. */
  strings?: boolean;
}

/**
 * The set of words of a message (docs/junk.md section 1): a word counts once however often it occurs.
 * Header words carry their field's prefix (`Subject:free`) and must be longer than 3 bytes.
 * Header values are RFC 2047-decoded first, unlike mox (docs/junk.md section 9, fix 5).
 */
export function messageWords(content: MessageContent, grams: Grams, options: WordOptions = {}): WordList {
  const words = new WordListBuilder(options.strings ?? true);
  for (const { name, value } of content.headers) {
    const prefix = HEADER_PREFIX.get(name);
    if (prefix) tokenizeText(decodeHeaderValue(value), grams, words, prefix);
  }
  for (const body of content.bodies) tokenizeText(body, grams, words);
  return words.build();
}
