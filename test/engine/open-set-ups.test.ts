import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FITTED_MIN_HAM, JunkService, TRAINING } from '../../src/engine/junk.ts';
import { OpenSetUps, UnknownSetUpError } from '../../src/engine/open-set-ups.ts';
import { syntheticMessage } from '../helpers/synthetic-mail.ts';

/** The set-ups an owner keeps for its clients (`warden junk train` through a running Warden), over a real SQLite filter. */

let dir: string;
let junk: JunkService;

afterEach(() => {
  junk?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function train(setUps: OpenSetUps, id: string, kind: 'ham' | 'spam', from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) junk.trainWords(await junk.words(Buffer.from(syntheticMessage(kind, i)), TRAINING), kind, setUps.get(id));
  junk.commit();
}

describe('OpenSetUps', () => {
  it('scores a set-up at its end, forgets it then, and ends one left idle an hour when another begins', async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-set-ups-'));
    junk = JunkService.open(join(dir, 'data'));
    const setUps = new OpenSetUps(junk);
    const first = setUps.begin();
    // More wanted mail than a fit needs.
    const filed = FITTED_MIN_HAM + 10;
    await train(setUps, first, 'ham', 0, filed);
    await train(setUps, first, 'spam', 0, 20);
    expect(junk.threshold().ham).toBe(0);
    setUps.end(first);
    expect(junk.threshold().ham).toBe(filed);
    expect(() => setUps.get(first)).toThrow(UnknownSetUpError);
    expect(() => setUps.end(first)).toThrow(/no set-up .* is open here: .* run the command again/);

    // A client gone without ending its set-up: ended when another begins an hour later.
    const gone = setUps.begin(0);
    for (let i = 1000; i < 1010; i++) junk.trainWords(await junk.words(Buffer.from(syntheticMessage('ham', i)), TRAINING), 'ham', setUps.get(gone, 0));
    junk.commit();
    setUps.begin(30 * 60_000);
    expect(setUps.get(gone, 30 * 60_000).ended).toBe(false);
    setUps.begin(90 * 60_000 + 1);
    expect(() => setUps.get(gone)).toThrow(UnknownSetUpError);
    expect(junk.threshold().ham).toBe(filed + 10);
    setUps.endAll();
  });
});
