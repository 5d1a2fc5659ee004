import type { ProviderView } from '../../../src/api/contract.ts';

/**
 * The preset an address belongs to, from its domain (me@gmail.com: Gmail). The presets come
 * from the engine (providers.list); this only matches a typed address against their domains.
 */
export function providerForAddress(providers: readonly ProviderView[], address: string): ProviderView | undefined {
  const at = address.lastIndexOf('@');
  if (at < 0) return undefined;
  const domain = address.slice(at + 1).trim().toLowerCase();
  return providers.find((p) => p.domains.includes(domain));
}
