import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeliveryService } from '../../src/engine/delivery.ts';
import { seededRandom } from '../../src/engine/random.ts';
import { chronologicalCorpus } from './corpus.ts';
import { percentile } from './measure.ts';
import { fixed, printTable, ratio } from './table.ts';

/**
 * The time `analyze` takes for one message, offline, with the history at corpus size: every
 * corpus message is first delivered and judged (deliver + feedback), then each is examined again
 * as a new arrival, warm, in one process. The content filter alone (parse and classify) on the
 * same messages is the peer: the analysis adds facts, reputation queries and the decision to it.
 */
export async function benchAnalysis(work: string): Promise<void> {
  const corpus = await chronologicalCorpus();
  const raws = corpus.map((m) => readFileSync(m.path));
  const service = DeliveryService.open(join(work, 'analysis'), { offline: true, random: seededRandom(1) });
  try {
    const started = performance.now();
    for (const [i, m] of corpus.entries()) {
      const { msg } = await service.deliver(raws[i]!, Number.isFinite(m.time) ? m.time : undefined);
      await service.feedback(msg, m.label, raws[i]!);
    }
    const buildSeconds = (performance.now() - started) / 1000;
    const analyze: number[] = [];
    const classify: number[] = [];
    for (const pass of [0, 1]) {
      for (const [i, m] of corpus.entries()) {
        const raw = raws[i]!;
        let t = performance.now();
        await service.examine(raw, Number.isFinite(m.time) ? m.time : undefined);
        const a = performance.now() - t;
        t = performance.now();
        await service.junk.classify(raw);
        const c = performance.now() - t;
        // The first pass warms the JIT and the caches; the second is measured.
        if (pass === 1) {
          analyze.push(a);
          classify.push(c);
        }
      }
    }
    console.log(
      `\nAnalysis, offline, history at corpus size (${corpus.length} messages delivered and judged in ${fixed(buildSeconds, 1)} s), ` +
        'each message examined again as a new arrival, warm:',
    );
    printTable([
      ['', 'median ms', 'p95 ms', 'max ms'],
      ['analyze (facts, reputation, content, decision)', fixed(percentile(analyze, 0.5), 2), fixed(percentile(analyze, 0.95), 2), fixed(Math.max(...analyze), 1)],
      ['content filter alone (parse, classify)', fixed(percentile(classify, 0.5), 2), fixed(percentile(classify, 0.95), 2), fixed(Math.max(...classify), 1)],
      ['analyze / content filter', ratio(percentile(analyze, 0.5), percentile(classify, 0.5)), ratio(percentile(analyze, 0.95), percentile(classify, 0.95)), ''],
    ]);
  } finally {
    service.close();
  }
}
