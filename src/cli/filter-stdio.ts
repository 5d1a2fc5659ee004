import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import * as v from 'valibot';
import type { DeliveryService } from '../engine/delivery.ts';
import type { SetUp } from '../engine/junk.ts';
import { problemText, validate } from '../engine/validate.ts';
import { decisionJson } from './analyze.ts';
import { verdictJson } from './junk.ts';

const id = v.union([v.string(), v.number(), v.null()]);
const path = v.pipe(v.string(), v.minLength(1, 'path must name a message file'));
const label = v.picklist(['ham', 'spam']);
const msg = v.pipe(v.string(), v.regex(/^\d+$/, 'msg must be the id a deliver response gave'));
/** When the message arrived, as ms since the epoch: given as that, or as ISO 8601 text with its offset; now when left out. */
const WHEN = 'a date and time with its offset (ISO 8601, like 2026-11-24T10:00:00+01:00), or ms since the epoch';
const received = v.optional(
  v.union([v.pipe(v.string(), v.isoTimestamp(WHEN), v.toDate(WHEN), v.transform((d) => d.getTime())), v.pipe(v.number(), v.integer(WHEN), v.minValue(0, WHEN))], WHEN),
);

/** One request per line; `id` is echoed in the response. An array would pass for an object without an op. */
const requestSchema = v.pipe(
  v.custom<Record<string, unknown>>((input) => typeof input === 'object' && input !== null && !Array.isArray(input), 'a request is a JSON object, like {"id": 1, "op": "classify", "path": "…"}'),
  v.variant('op', [
    v.object({ id, op: v.literal('classify'), path }),
    v.object({ id, op: v.literal('train'), path, label }),
    v.object({ id, op: v.literal('untrain'), path, label }),
    v.object({ id, op: v.literal('deliver'), path, received }),
    v.object({ id, op: v.literal('feedback'), msg, label }),
    v.object({ id, op: v.literal('sent'), path }),
    v.object({ id, op: v.literal('setup'), phase: v.picklist(['begin', 'end']) }),
  ]),
);

type Request = v.InferOutput<typeof requestSchema>;
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
  const parsed = validate(requestSchema, message);
  const requestId = (message as { id?: unknown } | null)?.id ?? null;
  if (!parsed.ok) return { id: requestId, ok: false, error: `invalid request: ${problemText(parsed.problems)}` };
  try {
    return { id: requestId, ok: true, ...(await session.perform(parsed.output)) };
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
        const when = request.received ?? Date.now();
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
