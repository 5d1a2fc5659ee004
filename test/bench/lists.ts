import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Api } from '../../src/api/api.ts';
import { DeliveryService } from '../../src/engine/delivery.ts';
import { History, LOCAL_ACCOUNT } from '../../src/store/history.ts';
import { openDatabase } from '../../src/store/database.ts';
import { chronologicalCorpus } from './corpus.ts';
import { fixed, printTable, ratio } from './table.ts';

const DECISIONS = 100_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * How fast the UI's lists page through 100 000 decisions (issue: "lists stay fast"): one page of
 * 100 through the API (validation, SQL, JSON) — the first, one 500
 * pages deep, rejects only, and a word search — against the bare SQL of the same first page.
 * The decisions are real ones: 300 corpus messages delivered, their records then repeated.
 */
export async function benchLists(work: string): Promise<void> {
  const dataDir = join(work, 'lists');
  const corpus = (await chronologicalCorpus()).slice(0, 300);
  const delivery = DeliveryService.open(dataDir, { offline: true });
  try {
    for (const m of corpus) await delivery.deliver(readFileSync(m.path));
  } finally {
    delivery.close();
  }
  const db = openDatabase(join(dataDir, 'warden.db'));
  try {
    const history = new History(db, LOCAL_ACCOUNT);
    const seeds = db.prepare('SELECT m.*, d.accept, d.reason, d.text, d.mailbox, d.score FROM msg m JOIN decision d ON d.msg_id = m.id').all() as Record<string, unknown>[];
    history.transaction(() => {
      for (let i = seeds.length; i < DECISIONS; i++) {
        const s = seeds[i % seeds.length]!;
        // One in four a reject, about as many as the corpus has spam.
        const reject = i % 4 === 0;
        const id = history.insertMessage({
          fingerprint: `copy-${i}`,
          messageId: '',
          received: Date.now() - i * 60_000,
          origMailbox: s.orig_mailbox as number,
          destinedMailbox: s.destined_mailbox as number | null,
          isReject: reject,
          rejectedAt: null,
          junk: false,
          notjunk: false,
          remoteIp: s.remote_ip as string,
          ipMasked: [s.ip_m1 as string, s.ip_m2 as string, s.ip_m3 as string],
          ehloDomain: s.ehlo_domain as string,
          mailFromLocal: s.mailfrom_local as string,
          mailFromDomain: s.mailfrom_domain as string,
          fromLocal: s.from_local as string,
          fromDomain: s.from_domain as string,
          fromOrgDomain: s.from_orgdomain as string,
          ehloValidated: false,
          mailFromValidated: false,
          fromValidated: false,
          isForward: false,
          isMailingList: false,
          subject: `${s.subject as string} ${i}`,
          dkimDomains: [],
          origDkimDomains: [],
        });
        history.logDecision({
          msgId: id,
          decidedAt: Date.now(),
          accept: !reject,
          reason: reject ? 'junk-content' : (s.reason as string),
          text: s.text as string,
          mailbox: s.mailbox as string,
          score: s.score as number,
          evidence: history.lastDecision(s.id as number)!.evidence,
        });
      }
    });
  } finally {
    db.close();
  }

  const api = await Api.open(dataDir, { offline: true });
  const raw = new Database(join(dataDir, 'warden.db'), { readonly: true });
  try {
    const timed = async (params: Record<string, unknown>): Promise<number> => {
      const times: number[] = [];
      for (let i = 0; i < 7; i++) {
        const t = performance.now();
        const r = await api.call('decisions.list', params);
        times.push(performance.now() - t);
        if (!r.ok) throw new Error(r.error);
      }
      return median(times);
    };
    const first = await timed({ limit: 100 });
    const top = (await api.call('decisions.list', { limit: 1 })) as { ok: true; result: { items: { id: number }[] } };
    const deep = await timed({ limit: 100, before: top.result.items[0]!.id - 50_000 });
    const rejects = await timed({ limit: 100, accept: false, before: top.result.items[0]!.id - 20_000 });
    const search = await timed({ limit: 100, search: 'money' });
    const nowhere = await timed({ limit: 100, search: 'zyxwvut' });
    const bare: number[] = [];
    const sql = raw.prepare('SELECT d.*, m.subject FROM decision d JOIN msg m ON m.id = d.msg_id ORDER BY d.id DESC LIMIT 100');
    for (let i = 0; i < 7; i++) {
      const t = performance.now();
      sql.all();
      bare.push(performance.now() - t);
    }
    console.log(`\nThe UI's lists over ${DECISIONS} decisions: one page of 100 through the API, median of 7 (a frame is 16 ms):`);
    printTable([
      ['page', 'ms', 'against the bare SQL of a page'],
      ['newest', fixed(first, 1), ratio(first, median(bare))],
      ['50 000 deep (cursor)', fixed(deep, 1), ratio(deep, median(bare))],
      ['rejects only, 20 000 deep', fixed(rejects, 1), ratio(rejects, median(bare))],
      ['word search (subject, sender)', fixed(search, 1), ratio(search, median(bare))],
      ['word search matching nothing', fixed(nowhere, 1), ratio(nowhere, median(bare))],
      ['bare SQL, newest page', fixed(median(bare), 1), ''],
    ]);
  } finally {
    raw.close();
    await api.close();
  }
}
