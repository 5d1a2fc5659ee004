/**
 * mailauth ships no types for its Received parser (lib/parse-received.js, CommonJS); src/mail/received.ts
 * uses these two functions of it.
 */
declare module 'mailauth/lib/parse-received.js' {
  /** One clause of a Received header: its value, and the comment after it when there was one. */
  export interface ReceivedClause {
    value: string;
    comment?: string;
  }

  /**
   * A parsed Received header, keyed by lower-case clause name (`from`, `by`, `with`, `id`, `for`,
   * `envelope-from`, and `tls` when a TLS comment or an `...SMTPS` protocol was seen). Text after
   * the first `;` is the `timestamp`; `full` is the whole line, whitespace collapsed.
   */
  export interface ParsedReceived {
    [clause: string]: ReceivedClause | string | undefined;
    timestamp?: string;
    full: string;
  }

  /** Parses a whole header line, `Received: ...`; false when it has no colon. */
  export function parseReceived(line: string | Buffer): ParsedReceived | false;

  /** The client's IP (without an `IPv6:` prefix) from the TCP-info comment of a `from` clause, or false. */
  export function getClientAddress(from: ReceivedClause | undefined): string | false;
}
