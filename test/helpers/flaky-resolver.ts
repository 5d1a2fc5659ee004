import { DnsResolver, type DnsAnswers, type DnsResolverOptions, type RecordType } from '../../src/auth/resolver.ts';

/**
 * A DnsResolver on which chosen questions fail with a chosen code (for example ESERVFAIL), the
 * way a broken or unreachable authoritative server would make them fail; everything else is
 * asked as usual.
 */
export class FlakyResolver extends DnsResolver {
  readonly #failures: Map<string, string>;

  /** `failures`: `"TYPE name"` (e.g. `"TXT sender.test"`) → error code. */
  constructor(options: DnsResolverOptions, failures: Record<string, string>) {
    super(options);
    this.#failures = new Map(Object.entries(failures).map(([k, v]) => [k.toLowerCase(), v]));
  }

  override resolve<T extends RecordType>(name: string, type: T): Promise<DnsAnswers[T]> {
    const code = this.#failures.get(`${type} ${name.replace(/\.$/, '')}`.toLowerCase());
    if (code !== undefined && !this.offline) {
      const error = Object.assign(new Error(`query failed: ${type} ${name} (${code})`), { code });
      return Promise.reject(error);
    }
    return super.resolve(name, type);
  }
}
