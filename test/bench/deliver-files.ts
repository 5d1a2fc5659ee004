/**
 * The analysis alone, for the IMAP benchmark's peer: `node [warden's flags] deliver-files.ts
 * DATA_DIR LIST` delivers, offline, each message file of LIST (JSON lines of `path` and
 * `received`, in order) as a new INBOX arrival, as the engine does with what it fetches; then
 * prints how many were delivered. It runs the built code (dist), the code `warden` runs, which
 * the benchmark builds first.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Delivery from '../../src/engine/delivery.ts';
import { ROOT } from '../helpers/warden.ts';

const [dataDir, list] = process.argv.slice(2);
if (!dataDir || !list) throw new Error('usage: deliver-files.ts DATA_DIR LIST');
const { DeliveryService } = (await import(pathToFileURL(join(ROOT, 'dist/engine/delivery.js')).href)) as typeof Delivery;
const service = DeliveryService.open(dataDir, { offline: true });
let delivered = 0;
try {
  for (const line of readFileSync(list, 'utf8').split('\n')) {
    if (line === '') continue;
    const { path, received } = JSON.parse(line) as { path: string; received: number };
    await service.deliver(readFileSync(path), received);
    delivered++;
  }
} finally {
  service.close();
}
console.log(JSON.stringify({ delivered }));
