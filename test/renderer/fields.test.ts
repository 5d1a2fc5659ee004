import { describe, expect, it } from 'vitest';
import { errorAt, fieldName, otherError } from '../../renderer/src/lib/fields.ts';

describe('field errors', () => {
  it("finds the setting a refused field belongs to, past the command's parameter and list positions", () => {
    expect(fieldName('host')).toBe('host');
    expect(fieldName('changes.dnsblZones.1')).toBe('dnsblZones');
    expect(fieldName('changes.rejectsRetentionDays')).toBe('rejectsRetentionDays');
    expect(fieldName(undefined)).toBeUndefined();
  });

  it("shows the error beside its control without the field's name in front", () => {
    const refused = { text: 'invalid analysis settings: maxMessageBytes: Too small: expected number to be >=1024', field: 'changes.maxMessageBytes' };
    expect(errorAt(refused, 'maxMessageBytes')).toBe('Too small: expected number to be >=1024');
    expect(errorAt(refused, 'dnsblZones')).toBeUndefined();
    expect(errorAt({ text: 'port: Too big: expected number to be <=65535', field: 'port' }, 'port')).toBe('Too big: expected number to be <=65535');
    expect(errorAt({ text: 'invalid settings for account x: tls: plain IMAP sends your password unencrypted', field: 'tls' }, 'tls')).toBe('plain IMAP sends your password unencrypted');
    // A message that only happens to contain the name keeps its words.
    expect(errorAt({ text: 'the server refused host: try again', field: 'host' }, 'host')).toBe('the server refused host: try again');
  });

  it('leaves to the form an error that names no control of it', () => {
    expect(otherError({ text: 'no account named x' }, ['host'])).toBe('no account named x');
    expect(otherError({ text: 'jitter: not a number', field: 'changes.jitter' }, ['host'])).toBe('jitter: not a number');
    expect(otherError({ text: 'host: empty', field: 'host' }, ['host'])).toBeUndefined();
    expect(otherError(undefined, ['host'])).toBeUndefined();
  });
});
