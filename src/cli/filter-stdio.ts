import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import type { JunkService } from '../engine/junk.ts';
import { verdictJson } from './junk.ts';

const id = z.union([z.string(), z.number(), z.null()]);
const path = z.string().min(1, 'path must name a message file');
const label = z.enum(['ham', 'spam']);

/** One request per line; `id` is echoed in the response. */
const requestSchema = z.discriminatedUnion('op', [
  z.object({ id, op: z.literal('classify'), path }),
  z.object({ id, op: z.literal('train'), path, label }),
  z.object({ id, op: z.literal('untrain'), path, label }),
]);

type Request = z.infer<typeof requestSchema>;
type Response = { id: unknown; ok: true; [field: string]: unknown } | { id: unknown; ok: false; error: string };

/**
 * `warden filter --stdio`: JSON lines in, JSON lines out, one response per request, in order.
 * A failing request gets `ok: false` with the reason, and the next one is served. Training is
 * committed before its response is written, so an acknowledged request survives a crash.
 */
export async function serveStdio(junk: JunkService, input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<void> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const response = await respond(junk, line);
    if (!output.write(JSON.stringify(response) + '\n')) await new Promise((resolve) => output.once('drain', resolve));
  }
}

async function respond(junk: JunkService, line: string): Promise<Response> {
  let message: unknown;
  try {
    message = JSON.parse(line);
  } catch (err) {
    return { id: null, ok: false, error: `the request is not JSON: ${(err as Error).message}` };
  }
  const parsed = requestSchema.safeParse(message);
  const requestId = (message as { id?: unknown } | null)?.id ?? null;
  if (!parsed.success) return { id: requestId, ok: false, error: `invalid request: ${z.prettifyError(parsed.error).replaceAll('\n', '; ')}` };
  try {
    return { id: requestId, ok: true, ...(await perform(junk, parsed.data)) };
  } catch (err) {
    return { id: requestId, ok: false, error: (err as Error).message };
  }
}

async function perform(junk: JunkService, request: Request): Promise<Record<string, unknown>> {
  const raw = await readMessageFile(request.path);
  switch (request.op) {
    case 'classify':
      return verdictJson(await junk.classify(raw));
    case 'train':
      return { outcome: await junk.train(raw, request.label) };
    case 'untrain':
      await junk.untrain(raw, request.label);
      return {};
  }
}

async function readMessageFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT') throw new Error(`no such file: ${path}`, { cause: err });
    if (code === 'EISDIR') throw new Error(`${path} is a folder, not a message file`, { cause: err });
    throw new Error(`cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}
