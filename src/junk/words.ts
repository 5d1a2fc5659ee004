import { decodeHeaderValue, type MessageContent } from '../mail/parse.ts';
import { MAX_WORD_BYTES, tokenizeText, type Grams } from './tokenize.ts';
import { toWordList, type WordList } from './word-list.ts';

/**
 * The header fields whose words count, by lower-case name, with the spelling used as the word's
 * prefix (mox's canonical MIME header keys, junk.md section 1.5).
 */
const HEADER_PREFIX = new Map([
  ['from', 'From:'],
  ['to', 'To:'],
  ['cc', 'Cc:'],
  ['bcc', 'Bcc:'],
  ['reply-to', 'Reply-To:'],
  ['subject', 'Subject:'],
  ['sender', 'Sender:'],
  ['return-path', 'Return-Path:'],
]);

/**
 * The set of words of a message (junk.md section 1): a word counts once however often it occurs.
 * Header words carry their field's prefix (`Subject:free`) and must be longer than 3 bytes.
 * Header values are RFC 2047-decoded first, unlike mox (junk.md section 9, fix 5).
 */
export function messageWords(content: MessageContent, grams: Grams): WordList {
  const words = new Set<string>();
  for (const { name, value } of content.headers) {
    const prefix = HEADER_PREFIX.get(name);
    if (!prefix) continue;
    tokenizeText(decodeHeaderValue(value), grams, (word, bytes) => {
      if (bytes > 3 && bytes + prefix.length <= MAX_WORD_BYTES) words.add(prefix + word);
    });
  }
  const addBodyWord = (word: string) => void words.add(word);
  for (const body of content.bodies) tokenizeText(body, grams, addBodyWord);
  return toWordList(words);
}
