import { analysisSettingsSchema, type AnalysisSettings } from '../analysis/settings.ts';
import type { Db } from '../store/database.ts';
import { readSetting, writeSetting } from '../store/settings.ts';
import { parseWith } from './validate.ts';

export type { AnalysisSettings };

const KEY = 'analysis.settings';

/**
 * The analysis settings of a data folder: one object per engine, read by every account's
 * analysis at each message, so a change takes effect at the next arrival without restarting
 * anything (docs/design.md, one context per engine).
 */
export class AnalysisSettingsStore {
  readonly #db: Db;
  #stored: AnalysisSettings | { invalid: Error; raw: object };

  /**
   * `toRepair`: opened where the settings are shown and changed (`warden settings`, the app's
   * Settings): stored settings that are no longer valid (written before a rule was added) do not
   * stop it, so `configure` can put them right. Reading them, or analysing, says what is wrong.
   */
  constructor(db: Db, file: string, toRepair = false) {
    this.#db = db;
    try {
      this.#stored = storedSettings(db, file);
    } catch (err) {
      if (!toRepair) throw err;
      this.#stored = { invalid: err as Error, raw: readSetting(db, KEY) as object };
    }
  }

  /** The stored settings; throws when they are not valid (see `toRepair`). */
  get(): AnalysisSettings {
    if ('invalid' in this.#stored) throw this.#stored.invalid;
    return this.#stored;
  }

  get valid(): boolean {
    return !('invalid' in this.#stored);
  }

  /** Merges `changes` into the stored settings; refuses invalid ones, naming the field. */
  configure(changes: Record<string, unknown>): AnalysisSettings {
    const stored = 'invalid' in this.#stored ? this.#stored.raw : this.#stored;
    const next = parseSettings({ ...stored, ...changes });
    writeSetting(this.#db, KEY, next);
    this.#stored = next;
    return next;
  }
}

function storedSettings(db: Db, file: string): AnalysisSettings {
  const stored = readSetting(db, KEY);
  try {
    return parseSettings(stored ?? {});
  } catch (err) {
    throw new Error(`the analysis settings stored in ${file} are invalid: ${(err as Error).message}: correct them with warden settings --set, or in the app's Settings`, { cause: err });
  }
}

/** Validates analysis settings, naming the offending field in the error. */
export function parseSettings(value: unknown): AnalysisSettings {
  return parseWith(analysisSettingsSchema, value, 'analysis settings');
}
