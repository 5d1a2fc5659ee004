import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { APP_HOST, APP_SCHEME, CONTENT_SECURITY_POLICY } from './security.ts';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/**
 * The file of `root` (renderer/dist) an app:// URL names, or undefined when the URL is not the
 * app's or its path leaves `root` (`..`, encoded or not) or names a type we do not serve.
 */
export function appFile(root: string, url: string): { file: string; type: string } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return undefined;
  let relative: string;
  try {
    relative = decodeURIComponent(parsed.pathname);
  } catch {
    return undefined;
  }
  if (relative.includes('\0')) return undefined;
  if (relative === '/' || relative === '') relative = '/index.html';
  const file = path.resolve(root, '.' + path.posix.normalize(relative));
  const inside = path.relative(root, file);
  if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside)) return undefined;
  const type = contentTypes[path.extname(file).toLowerCase()];
  return type === undefined ? undefined : { file, type };
}

/**
 * The response to a request on the app scheme: the file with its type, the Content Security
 * Policy and nosniff; 404 for anything else.
 */
export async function serveAppFile(root: string, url: string): Promise<Response> {
  const found = appFile(root, url);
  if (found === undefined) return notFound();
  let body: Buffer;
  try {
    body = await readFile(found.file);
  } catch {
    return notFound();
  }
  return new Response(new Uint8Array(body), {
    status: 200,
    headers: {
      'Content-Type': found.type,
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
    },
  });
}

function notFound(): Response {
  return new Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
}
