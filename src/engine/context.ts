import { DnsblChecker } from '../auth/dnsbl.ts';
import { DnsResolver } from '../auth/resolver.ts';
import { openDatabase, type Db } from '../store/database.ts';
import { AnalysisSettingsStore } from './analysis-settings.ts';
import { databaseFile } from './data-dir.ts';
import { JunkService } from './junk.ts';

export interface ContextOptions {
  /** Send no DNS query: every DNS-based check reports "not checked". */
  offline?: boolean;
  /** DNS servers (`host` or `host:port`); the system's when not given. */
  dnsServers?: string[];
  /** DNS query timeout in ms. */
  dnsTimeoutMs?: number;
  /** The threshold jitter's randomness; seed it for reproducible runs. */
  random?: () => number;
  /** Stored analysis settings that are no longer valid do not stop it (AnalysisSettingsStore). */
  toRepairSettings?: boolean;
}

/** How the analysis asks DNS: what the command line passes on. */
export type DnsOptions = Pick<ContextOptions, 'offline' | 'dnsServers' | 'dnsTimeoutMs'>;

/**
 * What every account of a data folder shares, one per process (docs/design.md): the one
 * connection that writes the database, the content filter with its word table (loaded once, kept
 * current by its own writes), the DNS resolver with its cache and the block-list checker, and
 * the analysis settings. Only what is truly an account's (its history, sync point, IMAP
 * session, mode) is made per account on top of it.
 */
export class EngineContext {
  readonly dataDir: string;
  readonly file: string;
  readonly db: Db;
  readonly junk: JunkService;
  readonly resolver: DnsResolver;
  readonly dnsbl: DnsblChecker;
  readonly settings: AnalysisSettingsStore;
  readonly random: () => number;

  private constructor(dataDir: string, db: Db, options: ContextOptions) {
    this.dataDir = dataDir;
    this.file = databaseFile(dataDir);
    this.db = db;
    this.settings = new AnalysisSettingsStore(db, this.file, options.toRepairSettings);
    this.junk = JunkService.onDatabase(db, this.file);
    this.resolver = new DnsResolver({ offline: options.offline ?? false, servers: options.dnsServers, timeoutMs: options.dnsTimeoutMs });
    this.dnsbl = new DnsblChecker(this.resolver);
    this.random = options.random ?? Math.random;
  }

  static open(dataDir: string, options: ContextOptions = {}): EngineContext {
    const db = openDatabase(databaseFile(dataDir));
    try {
      return new EngineContext(dataDir, db, options);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Commits the filter's pending training, then closes the database. */
  close(): void {
    try {
      this.junk.close();
    } finally {
      this.db.close();
    }
  }
}
