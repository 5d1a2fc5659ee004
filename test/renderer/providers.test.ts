import { describe, expect, it } from 'vitest';
import type { ProviderView } from '../../src/api/contract.ts';
import { providerForAddress } from '../../renderer/src/lib/providers.ts';

const preset = (id: string, domains: string[]): ProviderView => ({ id, name: id, domains, host: `imap.${id}.test`, port: 993, tls: 'implicit', signIn: 'password', help: '' });
const PRESETS = [preset('gmail', ['gmail.com', 'googlemail.com']), preset('fastmail', ['fastmail.com'])];

describe('the provider suggested by an address', () => {
  it("is the preset whose domains hold the address's domain, whatever its case and spaces", () => {
    expect(providerForAddress(PRESETS, 'me@gmail.com')?.id).toBe('gmail');
    expect(providerForAddress(PRESETS, 'Me.Too@GoogleMail.COM ')?.id).toBe('gmail');
    expect(providerForAddress(PRESETS, '"odd@name"@fastmail.com')?.id).toBe('fastmail');
  });

  it('is none for another domain, a subdomain, or an address not typed to its end', () => {
    expect(providerForAddress(PRESETS, 'me@example.org')).toBeUndefined();
    expect(providerForAddress(PRESETS, 'me@mail.gmail.com')).toBeUndefined();
    expect(providerForAddress(PRESETS, 'me@gmail')).toBeUndefined();
    expect(providerForAddress(PRESETS, 'alice')).toBeUndefined();
  });
});
