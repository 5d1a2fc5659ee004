import { ImapSession } from '../imap/session.ts';
import type { Db } from '../store/database.ts';
import { DecisionLog, type DailyCount, type DecisionQuery, type DecisionRow } from '../store/decisions.ts';
import { endpointOf, type Account, type AppSecrets } from './accounts.ts';
import { MailActions, type Preview } from './mail-actions.ts';

export type { DailyCount, DecisionQuery, DecisionRow, Preview };

/**
 * What the UI shows and does beyond watching: the decision log of every account, counts for
 * the charts, and the user's own actions on one message (restore, junk, preview) over a
 * session of their own.
 */
export class Activity {
  readonly #db: Db;
  readonly #log: DecisionLog;
  readonly #appSecrets: AppSecrets | undefined;

  private constructor(db: Db, appSecrets: AppSecrets | undefined) {
    this.#db = db;
    this.#log = new DecisionLog(db);
    this.#appSecrets = appSecrets;
  }

  /** On the engine's connection (EngineContext), which the engine closes. */
  static onDatabase(db: Db, appSecrets?: AppSecrets): Activity {
    return new Activity(db, appSecrets);
  }

  decisions(query: DecisionQuery): DecisionRow[] {
    return this.#log.list(query);
  }

  decision(id: number): (DecisionRow & { evidence: unknown }) | undefined {
    return this.#log.get(id);
  }

  daily(since: number): DailyCount[] {
    return this.#log.daily(since);
  }

  corrections(since: number): { day: string; restored: number; junked: number }[] {
    return this.#log.corrections(since);
  }

  restore(account: Account, ids: number[]): Promise<{ restored: number; missing: number[] }> {
    return this.#withSession(account, (actions, session) => actions.restore(session, ids));
  }

  junk(account: Account, id: number): Promise<void> {
    return this.#withSession(account, async (actions, session) => {
      const junk = (await session.roles(account.config.folders)).junk;
      if (!junk) throw new Error(`${account.name} has no Junk folder that Warden can find: name one with warden account add … --folder junk=NAME`);
      await actions.junk(session, id, junk);
    });
  }

  preview(account: Account, id: number): Promise<Preview> {
    return this.#withSession(account, (actions, session) => actions.preview(session, id));
  }

  async #withSession<T>(account: Account, work: (actions: MailActions, session: ImapSession) => Promise<T>): Promise<T> {
    const session = await ImapSession.open(endpointOf(account, process.env, this.#appSecrets));
    try {
      return await work(new MailActions(this.#db, account), session);
    } finally {
      await session.close();
    }
  }
}
