import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ownedElsewhere } from '../../electron/engine.ts';
import { Ownership } from '../../src/engine/owner.ts';

describe('the app when another Warden owns the data folder', () => {
  it("opens warden serve's UI, says who has it otherwise, and leaves other errors alone", () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-app-'));
    try {
      const serve = Ownership.take(dir, { kind: 'serve' });
      serve.publish({ ui: 'http://127.0.0.1:4242/#token=abc' });
      const refused = (() => {
        try {
          Ownership.take(dir, { kind: 'app' });
        } catch (err) {
          return err;
        }
      })();
      expect(ownedElsewhere(refused)).toEqual({ open: 'http://127.0.0.1:4242/#token=abc' });
      serve.release();

      const run = Ownership.take(dir, { kind: 'run' });
      try {
        Ownership.take(dir, { kind: 'app' });
      } catch (err) {
        expect(ownedElsewhere(err)).toEqual({ message: expect.stringMatching(/in use by warden run \(pid \d+, .*\)\. Stop it, then start the app again\./) });
      }
      run.release();
      expect(ownedElsewhere(new Error('disk full'))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
