import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer } from 'ws';
import type { ApiService, CommandName } from './contract.ts';

export interface ServeOptions {
  /** 127.0.0.1 unless the user asks for another interface. */
  host?: string;
  /** 0: a free port. */
  port?: number;
  /** The built renderer (renderer/dist); without it, only the API (the owner's control channel). */
  staticDir?: string;
  /** The per-run token; a random one when not given. */
  token?: string;
}

export interface Served {
  /** The address to open, with the token in its fragment. */
  url: string;
  port: number;
  /** What every API request must carry (Authorization: Bearer). */
  token: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
/**
 * `junk.train` carries whole messages (`warden junk train` sends a running Warden what it
 * reads): up to the largest message analysed by default (32 MB, maxMessageBytes) in base64.
 */
export const MAX_TRAIN_BODY_BYTES = 44 * 1024 * 1024;

/**
 * The content security policy of every page: scripts, styles and connections from this server
 * only; no inline script, no frames, no plugins. A message preview is text, so nothing it
 * holds can run or load.
 */
export const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * Serves the UI and the API over HTTP and a WebSocket (the transport described in
 * contract.ts). Every API request needs the token; the Host header must name this server, so a
 * web page elsewhere cannot reach it through DNS rebinding; a browser's Origin, when sent, must
 * be this server's, so no other site can drive the API from a user's browser.
 */
export async function serve(api: ApiService, options: ServeOptions): Promise<Served> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('base64url');
  const tokenBytes = Buffer.from(token);
  const loopback = host === '127.0.0.1' || host === '::1' || host === 'localhost';
  let port = options.port ?? 0;

  const hostAllowed = (req: IncomingMessage): boolean => {
    if (!loopback) return true;
    const h = req.headers.host ?? '';
    return h === `127.0.0.1:${port}` || h === `localhost:${port}` || h === `[::1]:${port}`;
  };
  const originAllowed = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    return origin === undefined || origin === `http://${req.headers.host ?? ''}`;
  };
  const tokenMatches = (given: string | undefined): boolean => {
    const bytes = Buffer.from(given ?? '');
    return bytes.length === tokenBytes.length && timingSafeEqual(bytes, tokenBytes);
  };

  const server = createServer((req, res) => {
    try {
      route(req, res);
    } catch (err) {
      // A malformed address (bad %-escapes) or the like: answered, never a crash.
      if (!res.headersSent) refuse(res, 400, (err as Error).message);
    }
  });
  const route = (req: IncomingMessage, res: ServerResponse): void => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (!hostAllowed(req)) return refuse(res, 421, 'this server answers only to its own address');
    const url = new URL(req.url ?? '/', 'http://warden.invalid');
    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') return refuse(res, 405, 'use POST');
      if (!originAllowed(req)) return refuse(res, 403, 'requests from other sites are refused');
      const auth = req.headers.authorization ?? '';
      if (!tokenMatches(auth.startsWith('Bearer ') ? auth.slice(7) : undefined)) return refuse(res, 401, 'the token is missing or wrong: open the address warden serve printed');
      return void handleApi(api, decodeURIComponent(url.pathname.slice(5)) as CommandName, req, res);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'use GET');
    if (options.staticDir === undefined) return refuse(res, 404, 'this address serves only the API');
    serveFile(options.staticDir, url.pathname, res);
  };

  const sockets = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://warden.invalid');
    if (url.pathname !== '/events' || !hostAllowed(req) || !originAllowed(req) || !tokenMatches(url.searchParams.get('token') ?? undefined)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => {
      let unsubscribe: () => void;
      try {
        unsubscribe = api.subscribe(
          (event) => {
            // A socket on its way out takes no more: the engine's events must not fail on it.
            if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(event));
          },
          url.searchParams.get('listener') ?? undefined,
        );
      } catch (err) {
        // RFC 6455 section 7.4.1: 1008, the request breaks a rule of this endpoint.
        return ws.close(1008, (err as Error).message.slice(0, 120));
      }
      ws.on('close', unsubscribe);
      ws.on('error', unsubscribe);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/#token=${token}`,
    port,
    token,
    close: async () => {
      for (const ws of sockets.clients) ws.terminate();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function handleApi(api: ApiService, command: CommandName, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return refuse(res, 415, 'send JSON (Content-Type: application/json)');
  let params: unknown;
  try {
    const body = await readBody(req, command === 'junk.train' ? MAX_TRAIN_BODY_BYTES : MAX_BODY_BYTES);
    params = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch (err) {
    if (!(err instanceof TooLarge)) return refuse(res, 400, (err as Error).message);
    // RFC 9110 section 15.5.14; the rest of the body is not read, so the connection ends after.
    res.setHeader('Connection', 'close');
    return refuse(res, 413, err.message);
  }
  const response = await api.call(command, params);
  res.writeHead(response.ok ? 200 : 400, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(response));
}

class TooLarge extends Error {}

/**
 * The request's body, up to `limit` bytes: a larger one (by its Content-Length, or as it
 * arrives) is refused with TooLarge and its rest discarded as it comes, so that the answer (413)
 * reaches the client rather than a reset connection.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => new TooLarge(`the request is larger than ${limit} bytes, the most the API takes`);
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      req.resume();
      return reject(tooLarge());
    }
    let chunks: Buffer[] | undefined = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks?.push(chunk);
      else if (chunks) {
        chunks = undefined;
        reject(tooLarge());
      }
    });
    req.on('end', () => chunks && resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function serveFile(root: string, pathname: string, res: ServerResponse): void {
  const index = join(root, 'index.html');
  if (!existsSync(index)) return refuse(res, 503, 'the UI is not built: run npm run build:ui, then start warden serve again');
  // Resolved inside root only: "..", encoded or not, cannot leave it.
  const relative = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
  let file = join(root, relative);
  if (!file.startsWith(root + sep) && file !== root) return refuse(res, 404, 'not found');
  // Any path that is not a file is the single-page app's: its router shows the view.
  if (!existsSync(file) || !statSync(file).isFile()) file = index;
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Security-Policy': CSP,
    'Cache-Control': file === index ? 'no-cache' : 'public, max-age=31536000, immutable',
  });
  createReadStream(file).pipe(res);
}

function refuse(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Security-Policy': CSP });
  res.end(JSON.stringify({ ok: false, error: message }));
}
