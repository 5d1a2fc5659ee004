import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import type { DeliveryService } from '../engine/delivery.ts';
import type { SetUp } from '../engine/junk.ts';
import { decisionJson } from './analyze.ts';
import { verdictJson } from './junk.ts';

const id = z.union([z.string(), z.number(), z.null()]);
const path = z.string().min(1, 'path must name a message file');
const label = z.enum(['ham', 'spam']);
const msg = z.string().regex(/^\d+$/, 'msg must be the id a deliver response gave');
/** When the message arrived: ISO 8601 text or ms since the epoch; now when left out. */
const received = z.union([z.iso.datetime({ offset: true }), z.number().int().nonnegative()]).optional();

/** One request per line; `id` is echoed in the response. */
const requestSchema = z.discriminatedUnion('op', [
  z.object({ id, op: z.literal('classify'), path }),
  z.object({ id, op: z.literal('train'), path, label }),
  z.object({ id, op: z.literal('untrain'), path, label }),
  z.object({ id, op: z.literal('deliver'), path, received }),
  z.object({ id, op: z.literal('feedback'), msg, label }),
  z.object({ id, op: z.literal('sent'), path }),
  z.object({ id, op: z.literal('setup'), phase: z.enum(['begin', 'end']) }),
]);

type Request = z.infer<typeof requestSchema>;
type Response = { id: unknown; ok: true; [field: string]: unknown } | { id: unknown; ok: false; error: string };

/**
 * `warden filter --stdio`: JSON lines in, JSON lines out, one response per request, in order.
 * A failing request gets `ok: false` with the reason, and the next one is served. Training and
 * deliveries are committed before their response is written, so an acknowledged request
 * survives a crash.
 */
export async function serveStdio(service: DeliveryService, input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<void> {
  const session = new Session(service);
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const response = await respond(session, line);
    if (!output.write(JSON.stringify(response) + '\n')) await new Promise((resolve) => output.once('drain', resolve));
  }
  // A set-up left open when the input ends still scores what it trained, as an interrupted bootstrap's does.
  session.endSetUp();
}

async function respond(session: Session, line: string): Promise<Response> {
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
    return { id: requestId, ok: true, ...(await session.perform(parsed.data)) };
  } catch (err) {
    return { id: requestId, ok: false, error: (err as Error).message };
  }
}

/**
 * One client's requests. Feedback names a message by the id its delivery returned; the files
 * delivered in this session are remembered so feedback can retrain from their text.
 */
class Session {
  readonly #service: DeliveryService;
  readonly #delivered = new Map<string, string>();
  /** The set-up `setup begin` opened: this session's `train` requests train through it until `setup end`. */
  #setUp: SetUp | undefined;

  constructor(service: DeliveryService) {
    this.#service = service;
  }

  async perform(request: Request): Promise<Record<string, unknown>> {
    const junk = this.#service.junk;
    switch (request.op) {
      case 'classify':
        return verdictJson(await junk.classify(await readMessageFile(request.path)));
      case 'train':
        return { outcome: await junk.train(await readMessageFile(request.path), request.label, this.#setUp) };
      case 'untrain':
        await junk.untrain(await readMessageFile(request.path), request.label);
        return {};
      case 'deliver': {
        const when = request.received === undefined ? Date.now() : new Date(request.received).getTime();
        const delivered = await this.#service.deliver(await readMessageFile(request.path), when);
        this.#delivered.set(String(delivered.msg), request.path);
        return { msg: String(delivered.msg), known: delivered.known, ...decisionJson(delivered.decision) };
      }
      case 'feedback': {
        const path = this.#delivered.get(request.msg);
        if (path === undefined) throw new Error(`message ${request.msg} was not delivered in this session`);
        await this.#service.feedback(Number(request.msg), request.label, await readMessageFile(path));
        return {};
      }
      case 'sent':
        return { recipients: await this.#service.sent(await readMessageFile(request.path)) };
      case 'setup':
        if (request.phase === 'begin') {
          if (this.#setUp) throw new Error('a set-up is already open: end it with {"op":"setup","phase":"end"} first');
          this.#setUp = junk.beginSetUp();
        } else {
          if (!this.#setUp) throw new Error('no set-up is open: begin one with {"op":"setup","phase":"begin"}');
          this.endSetUp();
        }
        return { threshold: this.#service.threshold().threshold };
    }
  }

  /** Ends the open set-up, if any: its wanted messages are scored and committed. */
  endSetUp(): void {
    if (!this.#setUp) return;
    this.#service.junk.endSetUp(this.#setUp);
    this.#setUp = undefined;
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
