import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OAuthError } from './errors.ts';

/** The path the provider redirects the browser to, on the loopback listener. */
const CALLBACK_PATH = '/callback';

/**
 * The redirect receiver of a native app (RFC 8252 section 7.3): an HTTP listener on the loopback
 * IP literal (not `localhost`, which may resolve to another interface or be firewalled, section
 * 8.3) and a port the system picks. It takes exactly one redirect to the callback path and stops
 * listening; the browser's request is answered by `reply`, once the sign-in's outcome is known.
 * It stops too when `timeoutMs` passes or the sign-in is abandoned.
 */
export class LoopbackRedirect {
  readonly redirectUri: string;
  /** The URL the browser was redirected to, with the code and state in its query. */
  readonly received: Promise<URL>;
  readonly #stop: () => void;
  readonly #reply: (title: string, text: string) => void;

  private constructor(server: Server, received: Promise<URL>, stop: () => void, reply: (title: string, text: string) => void) {
    this.redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}${CALLBACK_PATH}`;
    this.received = received;
    this.#stop = stop;
    this.#reply = reply;
  }

  static async listen(timeoutMs: number, signal?: AbortSignal): Promise<LoopbackRedirect> {
    let settle!: { resolve: (url: URL) => void; reject: (err: Error) => void };
    const received = new Promise<URL>((resolve, reject) => (settle = { resolve, reject }));
    // The caller may stop listening before anyone waits on it.
    received.catch(() => {});
    let finished = false;
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      // Browsers also ask for /favicon.ico and the like: only the callback ends the wait.
      if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH) {
        res.writeHead(404).end();
        return;
      }
      if (finished) {
        res.writeHead(410).end();
        return;
      }
      waiting = res;
      finish(undefined, url);
    });
    let waiting: ServerResponse | undefined;
    const reply = (title: string, text: string) => {
      waiting?.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" });
      waiting?.end(page(title, text));
      waiting = undefined;
      server.closeAllConnections();
    };
    const timer = setTimeout(() => finish(new OAuthError('timeout', `no sign-in came back within ${Math.round(timeoutMs / 60_000)} minutes: start the sign-in again`)), timeoutMs);
    const onAbort = () => finish(new OAuthError('cancelled', 'the sign-in was cancelled'));
    signal?.addEventListener('abort', onAbort, { once: true });
    function finish(err: Error | undefined, url?: URL) {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      // No second redirect is taken: the code in it would be for another attempt.
      server.close();
      if (err) {
        server.closeAllConnections();
        settle.reject(err);
      } else {
        settle.resolve(url!);
      }
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    if (signal?.aborted) onAbort();
    return new LoopbackRedirect(server, received, () => finish(new OAuthError('cancelled', 'the sign-in was cancelled')), reply);
  }

  /** Answers the browser that brought the redirect (if one did) with the outcome, and lets go of it. */
  reply(title: string, text: string): void {
    this.#reply(title, text);
  }

  /** Stops listening: the sign-in finished another way (a pasted address) or was abandoned. */
  close(): void {
    this.#stop();
  }
}

function page(title: string, text: string): string {
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>${escape(title)} — Warden</title><body style="font:16px system-ui;margin:3em"><h1>${escape(title)}</h1><p>${escape(text)}</p></body></html>`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
