import { isIP } from 'node:net';
import { connect } from 'node:tls';
import { ImapError, type Attempt } from './errors.ts';

/** Closed connections of a plain or STARTTLS attempt that a TLS-only port would also cause (and any timeout). */
const CLOSED = new Set(['ECONNRESET', 'EPIPE', 'NoConnection', 'EConnectionClosed', 'ClosedAfterConnectText']);

/**
 * A failed plain or STARTTLS connection with "choose implicit TLS" added, only when the port
 * answers a TLS handshake: a server on an implicit-TLS port (993) waits for the client's TLS
 * hello and says nothing to a plain client, which looks like a silent or closed connection. Any
 * other silence or cut gets no such hint, because it would send the user the wrong way.
 */
export async function withTlsHint(err: ImapError, at: Attempt): Promise<ImapError> {
  if (at.tls === 'implicit' || (err.kind !== 'timeout' && !CLOSED.has(err.code ?? ''))) return err;
  if (!(await speaksTls(at.host, at.port, at.timeoutMs))) return err;
  return new ImapError(err.kind, `${err.message}: ${at.host}:${at.port} answers in TLS from the first byte, so choose implicit TLS`, err.code);
}

/** Whether a TLS handshake with host:port completes (the certificate is not judged here). */
function speaksTls(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, rejectUnauthorized: false, ...(isIP(host) === 0 && { servername: host }), timeout: timeoutMs });
    const done = (tls: boolean) => {
      socket.destroy();
      resolve(tls);
    };
    socket.once('secureConnect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
    socket.once('close', () => done(false));
  });
}
