/**
 * Small synthetic RFC 5322 messages for tests of the command line and the filter protocol: ham
 * and spam drawn from two vocabularies that share no word, so a filter trained on some of them
 * classifies the others with certainty. Deterministic: the same arguments give the same bytes.
 */

import { seededRandom } from '../../src/engine/random.ts';

export type Kind = 'ham' | 'spam';

export const HAM_WORDS = [
  'meeting', 'agenda', 'quarterly', 'budget', 'project', 'review', 'schedule', 'lunch', 'report', 'draft',
  'minutes', 'colleagues', 'deadline', 'proposal', 'spreadsheet', 'conference', 'presentation', 'feedback', 'roadmap', 'calendar',
];

export const SPAM_WORDS = [
  'viagra', 'casino', 'lottery', 'winner', 'prize', 'bitcoin', 'pills', 'discount', 'cheap', 'rolex',
  'jackpot', 'bonus', 'millions', 'guaranteed', 'refinance', 'pharmacy', 'crypto', 'unclaimed', 'congratulations', 'replica',
];

/** Words that no generated ham or spam message has. */
export const NOVEL_WORDS = ['zorblax', 'quintessa', 'flumwidget', 'glorptastic', 'snarfle', 'wobbleton', 'plinkerdoo', 'frazzlewick'];

const SENDER: Record<Kind, string> = { ham: 'Alice Office <alice@office.example>', spam: 'Prize Desk <winner@deals.example>' };


export interface MessageOptions {
  /** The vocabulary; by default that of `kind`. */
  words?: readonly string[];
  from?: string;
  /** Extra body lines, after the generated ones. */
  extraBody?: string[];
}

/** The n-th message of a kind: headers, a blank line, a body of words from the kind's vocabulary. LF line ends. */
export function syntheticMessage(kind: Kind, n: number, options: MessageOptions = {}): string {
  const words = options.words ?? (kind === 'ham' ? HAM_WORDS : SPAM_WORDS);
  const next = seededRandom(n * 7919 + (kind === 'ham' ? 1 : 2) + words.length * 104729);
  const pick = (count: number) => Array.from({ length: count }, () => words[Math.floor(next() * words.length)]!).join(' ');
  const day = (n % 28) + 1;
  const lines = [
    `From: ${options.from ?? SENDER[kind]}`,
    'To: Bob Reader <bob@home.example>',
    `Subject: ${pick(3)}`,
    `Date: Mon, ${day} Jan 2024 ${String(n % 24).padStart(2, '0')}:15:00 +0000`,
    `Message-ID: <${kind}-${n}-${words[0]}@test.example>`,
    '',
    `${pick(12)}.`,
    `${pick(10)}.`,
    ...(options.extraBody ?? []),
  ];
  return lines.join('\n') + '\n';
}

/**
 * An mbox file of the messages: each after a "From " line with an asctime date, followed by an
 * empty line. With `quote` (mboxrd, the default) body lines starting with ">*From " get one more
 * ">"; without, they are written as they are, as careless writers do.
 */
export function mbox(messages: readonly string[], { quote = true } = {}): string {
  return messages
    .map((m, i) => {
      const body = quote ? m.replace(/^(>*From )/gm, '>$1') : m;
      return `From sender${i}@mbox.example Mon Jan  ${(i % 9) + 1} 10:0${i % 10}:00 2024\n${body}\n`;
    })
    .join('');
}
