import * as v from 'valibot';
import type { Db } from '../store/database.ts';
import { readSetting, writeSetting } from '../store/settings.ts';
import { parseWith } from './validate.ts';

/** How the app behaves, beside what it decides: shared by the desktop app and the headless UI. */
export const preferencesSchema = v.strictObject({
  /** Desktop notifications of rejects (the desktop app shows them). */
  notifications: v.optional(v.boolean(), true),
});

export type Preferences = v.InferOutput<typeof preferencesSchema>;

const KEY = 'app.preferences';

/** The app's preferences in the data folder. */
export class PreferencesService {
  readonly #db: Db;

  private constructor(db: Db) {
    this.#db = db;
  }

  /** On the engine's connection (EngineContext), which the engine closes. */
  static onDatabase(db: Db): PreferencesService {
    return new PreferencesService(db);
  }

  get(): Preferences {
    return parseWith(preferencesSchema, readSetting(this.#db, KEY) ?? {}, 'stored preferences');
  }

  /** Merges `changes`; refuses invalid ones, naming the field. */
  set(changes: Partial<Preferences>): Preferences {
    const next = parseWith(preferencesSchema, { ...this.get(), ...changes }, 'preferences');
    writeSetting(this.#db, KEY, next);
    return next;
  }

}
