import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { analysisSettingsSchema } from '../../src/analysis/settings.ts';
import { InvalidSettingsError, parseWith } from '../../src/engine/validate.ts';

/** The settings with these DNSBL zones, or the error that refuses them. */
function zones(dnsblZones: unknown[]): string[] | InvalidSettingsError {
  try {
    return parseWith(analysisSettingsSchema, { dnsblZones }, 'analysis settings').dnsblZones;
  } catch (err) {
    if (err instanceof InvalidSettingsError) return err;
    throw err;
  }
}

function refusal(zone: string): { field: string | undefined; message: string } {
  const result = zones(['zen.spamhaus.org', zone]);
  if (!(result instanceof InvalidSettingsError)) throw new Error(`${JSON.stringify(zone)} was accepted as ${JSON.stringify(result)}`);
  return { field: result.field, message: result.message };
}

describe('DNSBL zones', () => {
  it('takes DNS names, lower-cased and without the final dot', () => {
    expect(zones(['zen.spamhaus.org', 'B.Barracudacentral.ORG.', 'dnsbl-1.uceprotect.net', 'xn--bcher-kva.example', 'localhost'])).toEqual([
      'zen.spamhaus.org',
      'b.barracudacentral.org',
      'dnsbl-1.uceprotect.net',
      'xn--bcher-kva.example',
      'localhost',
    ]);
    const longest = [61, 63, 63, 63].map((n) => 'a'.repeat(n)).join('.');
    expect(longest).toHaveLength(253);
    expect(zones([longest])).toEqual([longest]);
  });

  it('refuses what is not one, naming the zone, its place in the list, and what is wrong', () => {
    expect(refusal('')).toEqual({ field: 'dnsblZones.1', message: 'invalid analysis settings: dnsblZones.1: "" is not a DNS name: it is empty' });
    expect(refusal('http://zen.spamhaus.org/').message).toMatch(/"http:\/\/zen\.spamhaus\.org\/" is not a DNS name: it is a URL: give the name alone \(zen\.spamhaus\.org\)$/);
    expect(refusal('zen.spamhaus.org/lookup').message).toMatch(/it is a URL: give the name alone, like zen\.spamhaus\.org$/);
    expect(refusal('127.0.0.2').message).toMatch(/"127\.0\.0\.2" is not a DNS name: it is an IP address/);
    expect(refusal('2001:db8::1').message).toMatch(/it is an IP address/);
    expect(refusal('10.0.2').message).toMatch(/it ends with a label of digits only/);
    expect(refusal('zen spamhaus.org').message).toMatch(/it holds a space: a DNS name has only letters, digits, hyphens and dots/);
    expect(refusal(' zen.spamhaus.org').message).toMatch(/it holds a space/);
    expect(refusal('zen_spamhaus.org').message).toMatch(/it holds "_"/);
    expect(refusal('bücher.example').message).toMatch(/it holds "ü": .*xn-- form/);
    expect(refusal('zen..spamhaus.org').message).toMatch(/it has an empty label/);
    expect(refusal('.spamhaus.org').message).toMatch(/it has an empty label/);
    expect(refusal(`${'a'.repeat(64)}.example`).message).toMatch(/it has a label of 64 characters: at most 63/);
    expect(refusal([62, 63, 63, 63].map((n) => 'a'.repeat(n)).join('.')).message).toMatch(/it is 254 characters long: a DNS name has at most 253/);
    expect(refusal('-bl.example.org').message).toMatch(/starts or ends with a hyphen/);
    expect(zones(['zen.spamhaus.org', 5])).toMatchObject({ field: 'dnsblZones.1' });
  });
});

describe('the unsure band', () => {
  it('is off by default, and starts at 0.5 when turned on', () => {
    expect(v.parse(analysisSettingsSchema, {})).toMatchObject({ unsure: false, unsureFrom: 0.5 });
    expect(v.parse(analysisSettingsSchema, { unsure: true })).toMatchObject({ unsure: true, unsureFrom: 0.5 });
  });

  it('refuses a start that is no probability, naming the field and what it takes', () => {
    for (const unsureFrom of [-0.1, 1.5]) {
      expect(() => parseWith(analysisSettingsSchema, { unsureFrom }, 'analysis settings')).toThrow('invalid analysis settings: unsureFrom: a junk probability from 0 to 1, like 0.5');
    }
  });
});
