import { fingerprint } from '../mail/fingerprint.ts';
import { parseMessage } from '../mail/parse.ts';
import type { Grams } from './tokenize.ts';
import type { WordList } from './word-list.ts';
import { messageWords, type WordOptions } from './words.ts';

/** A message reduced to what the filter needs: its identity and its words. */
export interface MessageWords {
  fingerprint: string;
  words: WordList;
}

/** Parses a raw message into its fingerprint and words. */
export async function analyzeMessage(raw: Uint8Array, grams: Grams, options: WordOptions = {}): Promise<MessageWords> {
  return { fingerprint: fingerprint(raw), words: await wordsOfMessage(raw, grams, options) };
}

/** Parses a raw message into its words. */
export async function wordsOfMessage(raw: Uint8Array, grams: Grams, options: WordOptions = {}): Promise<WordList> {
  return messageWords(await parseMessage(raw), grams, options);
}
