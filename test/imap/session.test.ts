import { describe, expect, it } from 'vitest';
import { canMoveOnly } from '../../src/imap/session.ts';

describe('canMoveOnly', () => {
  it('moves with MOVE, or with UIDPLUS (UID COPY, UID EXPUNGE of that UID), never by plain EXPUNGE', () => {
    expect(canMoveOnly(['IMAP4REV1', 'MOVE'])).toBe(true);
    expect(canMoveOnly(['IMAP4REV1', 'UIDPLUS'])).toBe(true);
    expect(canMoveOnly(['IMAP4REV1', 'IDLE'])).toBe(false);
  });
});
