/**
 * npm run chaos: Warden's engine under faults (see scenario.ts). Prints the figures and exits 1
 * when mail was lost, duplicated, rejected again after the user put it back, left where its
 * decision does not put it, or fewer faults came than asked for.
 *
 *   npm run chaos -- --messages 2000 --faults 100 --seed 1 [--restores N] [--computers 2] [--trace FILE] [--keep]
 *
 * --computers 2: two computers watch the mailbox, each with its own data folder and engine
 * (docs/design.md, "Two computers, one mailbox"); kills take turns between them, and every
 * message must be acted on by one of them.
 * Without --seed, one is drawn from the clock; the table shows it, to run the same plan again.
 * --trace appends every fault, restore and line of the engine's output to FILE, with times;
 * --keep leaves Warden's data directory (its database) in place for a look afterwards.
 */
import { appendFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { printTable } from '../bench/table.ts';
import { CHECKS, type Check } from './audit.ts';
import { runChaos, type ChaosResult } from './scenario.ts';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '2000' },
    faults: { type: 'string', default: '100' },
    seed: { type: 'string', default: String(Date.now() % 100_000) },
    restores: { type: 'string' },
    computers: { type: 'string', default: '1' },
    trace: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const whole = (name: keyof typeof values, value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) throw new Error(`--${name} needs a whole number, not ${value}`);
  return n;
};

const faults = whole('faults', values.faults);
const result = await runChaos({
  messages: whole('messages', values.messages),
  faults,
  seed: whole('seed', values.seed),
  computers: whole('computers', values.computers),
  ...(values.restores !== undefined && { restores: whole('restores', values.restores) }),
  log: (line) => process.stderr.write(`chaos: ${line}\n`),
  keep: values.keep,
  ...(values.trace !== undefined && { trace: (line: string) => appendFileSync(values.trace!, line + '\n') }),
});

const failures = printFigures(result, faults);
process.exitCode = failures > 0 ? 1 : 0;

/** Prints the figures as a table; returns how many checks failed. */
function printFigures(r: ChaosResult, requested: number): number {
  const a = r.audit;
  const injected = Object.values(r.faults).reduce((a, b) => a + b, 0);
  const rows: (string | number)[][] = [['figure', 'value', 'check']];
  let failures = 0;
  const check = (figure: string, value: number, ok: boolean, rule: string) => {
    if (!ok) failures++;
    rows.push([figure, value, `${ok ? 'ok' : 'FAILED'} (${rule})`]);
  };
  const zero = (figure: string, value: number) => check(figure, value, value === 0, 'must be 0');
  const info = (figure: string, value: string | number) => rows.push([figure, value, '']);

  info('seed', r.seed);
  if (r.computers > 1) {
    info('computers on the mailbox', r.computers);
    for (const [i, c] of a.computers.entries()) info(`  computer ${i + 1}: moved / decided elsewhere`, `${c.moved} / ${c.elsewhere}`);
  }
  info('messages delivered', `${r.delivered.ham + r.delivered.spam} (${r.delivered.ham} ham, ${r.delivered.spam} spam)`);
  info('decided accept / reject', `${a.accepted} / ${a.rejected}`);
  info('restored by the user', r.restores);
  check('faults injected', injected, injected >= requested, `at least ${requested}`);
  info('  warden killed (SIGKILL)', r.faults.kill);
  info('  Dovecot restarted', r.faults.restart);
  info('  connection cut', r.faults.cut);
  info('  a second engine started, and refused', r.faults.second);
  info('engine reconnections', r.events.disconnected ?? 0);
  info('moves repaired after a crash', r.finalRun.repairedMoves + (r.events['repaired.moves'] ?? 0));
  info('left for the final catch-up', r.finalRun.arrivals);
  info('in INBOX / Rejects at the end', `${a.inInbox} / ${a.inRejects}`);
  for (const [check, what] of Object.entries(CHECKS)) zero(what, a.counts[check as Check]);
  zero('moves left unfinished', a.pendingMoves);
  zero('messages not of the backlog', a.strays);
  zero('engine exits not asked for', r.engineExits.length);
  zero('accounts the engine gave up on', r.stopped.length);
  info('time (s): setup / chaos / final + audit', `${r.seconds.setup.toFixed(1)} / ${r.seconds.chaos.toFixed(1)} / ${r.seconds.check.toFixed(1)}`);
  printTable(rows);
  for (const f of a.findings.slice(0, 20)) {
    const decided = f.recorded ? `${f.recorded.accept ? 'accepted' : 'rejected'} (${f.recorded.reason})${!f.recorded.accept && !f.recorded.isReject ? ', no longer a reject' : ''}` : 'no decision';
    console.log(`${f.check}: ${f.fingerprint} ${r.paths.get(f.fingerprint)}: ${decided}; ${f.restoredByUser ? 'put back by the user; ' : ''}${f.inInbox} in INBOX, ${f.inRejects} in Rejects`);
  }
  for (const exit of r.engineExits) console.log(`engine exit: ${exit}`);
  for (const error of r.stopped) console.log(`account stopped: ${error}`);
  return failures;
}
