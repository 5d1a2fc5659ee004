/**
 * mailauth ships no types for its header parser (lib/parse-dkim-headers.js, CommonJS), which
 * also reads Authentication-Results (RFC 8601 section 2.2); src/auth/provider-results.ts uses it.
 */
declare module 'mailauth/lib/parse-dkim-headers.js' {
  /**
   * One result of an Authentication-Results field, e.g. `dkim=pass header.d=example.com`: the
   * result as `value`, the comment after it, and each property type (`header`, `smtp`,
   * `policy`, ...) as a map of property to value.
   */
  export interface ResultEntry {
    value: string;
    comment?: string;
    [ptype: string]: Record<string, string> | string | undefined;
  }

  /**
   * An Authentication-Results field, keyed by lower-case method name: one entry, or an array
   * when the method appears more than once. `value` is the authserv-id (with its version).
   */
  export interface ParsedResults {
    header: string;
    value: string;
    [method: string]: ResultEntry | ResultEntry[] | string;
  }

  /** Parses a whole header line, `Authentication-Results: ...`. */
  export default function parseDkimHeaders(line: string): { parsed: ParsedResults; original: string };
}
