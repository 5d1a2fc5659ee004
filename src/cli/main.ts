#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=2 --heap-growing-percent=20
// MALLOC_ARENA_MAX: glibc gives each thread that allocates its own arena, which keeps what was
// freed; V8's helper threads held two of 8 MB each in a running engine. Two arenas: 8 to 12 MB
// less resident memory (docs/measured.md). Other C libraries ignore it.
// --max-semi-space-size: V8 otherwise grows the young generation to tens of MB while parsing
// mail, which cost about 100 MB of resident memory in bulk training; 2 MB semi-spaces (of 8
// before) hold 12 MB less in a running engine; with MALLOC_ARENA_MAX and SQLite's smaller
// cache, bulk training takes about 10% longer (docs/measured.md).
// --heap-growing-percent: parsing mail makes garbage fast while little stays alive (the word
// counts are typed arrays outside the heap); V8 by default lets the old generation grow to
// about four times what survived before collecting, 60 MB more resident memory in bulk
// training (docs/measured.md).
import { Command, Option } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { describeParams, describeThreshold, JunkService, PRESETS, type JunkParams } from '../engine/junk.ts';
import { prepareDataDir, resolveDataDir } from '../engine/data-dir.ts';
import type { DeliveryService } from '../engine/delivery.ts';
import { accountCommands } from './account.ts';
import { analyzeInboxCommand } from './analyze-inbox.ts';
import { backupCommands } from './backup.ts';
import { bootstrapCommand } from './bootstrap.ts';
import { rulesCommands } from './rules.ts';
import { runCommand } from './run.ts';
import { serveCommand } from './serve.ts';
import { analyzePaths } from './analyze.ts';
import { changeFolder } from './folder.ts';
import { rejectsCommands } from './rejects.ts';
import { serviceCommands } from './service.ts';
import { applyConventions, errorLine } from './conventions.ts';
import { serveStdio } from './filter-stdio.ts';
import { classifyPaths, localTrainer, ownerTrainer, printTrainSummary, trainPaths, type Direction, type Output, type Trainer } from './junk.ts';
import { addDnsOptions, dataDirOf, dnsOptionsOf, number, randomOf, seedOption } from './options.ts';

const console_: Output = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

/** A report's counts in words. */
function reportCounts(summary: unknown): string {
  const s = summary as { kind: string; messages?: number; failing?: number; successful?: number; failed?: number };
  return s.kind === 'dmarc' ? `${s.messages} messages, ${s.failing} failing DKIM and SPF` : `${s.successful} TLS sessions succeeded, ${s.failed} failed`;
}

/** Opens the junk filter of the data directory the command line names. */
function openJunk(command: Command): JunkService {
  const { dataDir } = command.optsWithGlobals<{ dataDir?: string }>();
  return JunkService.open(resolveDataDir(dataDir));
}

/**
 * Opens the analysis of the data directory, with the DNS options of the command line. Loaded on
 * demand: the junk commands do without authentication's dependencies (tens of MB resident).
 */
async function openDelivery(command: Command, toRepairSettings = false): Promise<DeliveryService> {
  const { DeliveryService } = await import('../engine/delivery.ts');
  const { dataDir, seed } = command.optsWithGlobals<{ dataDir?: string; seed?: number }>();
  return DeliveryService.open(resolveDataDir(dataDir), {
    ...dnsOptionsOf(command),
    random: randomOf(seed),
    toRepairSettings,
  });
}


const program = new Command('warden')
  .description('Junk filtering of a modern mail server, for any IMAP mailbox.')
  .version(pkg.version)
  .option('--data-dir <dir>', 'where Warden keeps its state (default: $WARDEN_DATA_DIR, else the platform data folder)')
  // Every command works in the data folder: a bad one is named before the command starts.
  .hook('preAction', (_program, action) => prepareDataDir(resolveDataDir(action.optsWithGlobals<{ dataDir?: string }>().dataDir)));

const junk = program.command('junk').description('the Bayesian content filter');

/** `warden junk train` and `warden junk untrain`: in this process, or by the running Warden. */
function trainCommand(direction: Direction, description: string): Command {
  return new Command(direction)
    .description(description)
    .option('--ham <path...>', direction === 'train' ? 'wanted mail' : 'mail trained as wanted', [])
    .option('--spam <path...>', direction === 'train' ? 'junk mail' : 'mail trained as junk', [])
    .action(async (options: { ham: string[]; spam: string[] }, command: Command) => {
      if (options.ham.length + options.spam.length === 0) command.error(`nothing to ${direction}: give --ham PATH... and/or --spam PATH...`);
      const interrupt = new AbortController();
      const onSignal = () => interrupt.abort();
      process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
      const train = async (trainer: Trainer) => {
        const summary = await trainPaths(trainer, options, interrupt.signal, direction);
        printTrainSummary(summary, trainer.known(), console_);
        if (summary.interrupted) process.exitCode = 130;
      };
      try {
        // With Warden running, its filter learns them, and knows them at its next message.
        await changeFolder(dataDirOf(command), `warden junk ${direction}`, {
          here: async () => {
            const service = openJunk(command);
            try {
              await train(localTrainer(service, direction));
            } finally {
              service.close();
            }
          },
          owner: async (client) => {
            // The set-up is tied to this process's event listener: killed, or its terminal closed, the command ends it too.
            const events = direction === 'train' ? await client.subscribe(() => {}, () => {}) : undefined;
            try {
              await train(ownerTrainer((name, params) => client.call(name, params), direction, events?.listener));
            } finally {
              events?.close();
            }
          },
        });
      } finally {
        process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      }
    });
}

junk.addCommand(trainCommand('train', 'train the filter with messages: files, Maildir folders, mbox files, or folders of message files'));
junk.addCommand(trainCommand('untrain', 'take back the training of messages (a folder trained with the wrong label, say): each is untrained only if it is trained with the label given'));

junk
  .command('classify')
  .description('classify messages: probability of junk, verdict at the threshold, and the words that decided')
  .argument('<path...>', 'message files, Maildir folders, mbox files, or folders of message files')
  .option('--json', 'one JSON object per message and line')
  .action(async (paths: string[], options: { json?: boolean }, command: Command) => {
    const service = openJunk(command);
    try {
      if ((await classifyPaths(service, paths, options.json ?? false, console_)) > 0) process.exitCode = 1;
    } finally {
      service.close();
    }
  });

junk
  .command('stats')
  .description('what the filter has learned')
  .option('--json', 'as JSON')
  .action((options: { json?: boolean }, command: Command) => {
    const service = openJunk(command);
    try {
      const s = service.stats();
      const fit = service.threshold();
      if (options.json) {
        console_.out(JSON.stringify({ ...s, params: service.params, threshold: fit }));
        return;
      }
      console_.out(`Trained messages: ${s.hamMessages} ham, ${s.spamMessages} spam`);
      console_.out(`Words: ${s.words}`);
      console_.out(`Database: ${(s.databaseBytes / 1e6).toFixed(1)} MB`);
      console_.out(`Settings: ${describeParams(service.params)}`);
      console_.out(`Judging by: ${describeThreshold(fit)}`);
    } finally {
      service.close();
    }
  });

junk
  .command('config')
  .description('show or change the filter settings')
  .addOption(new Option('--preset <name>', 'start from a named set of settings: default, or mox (mox\'s quickstart filter)').choices(['default', 'mox']))
  .option('--threshold <p>', 'junk when the probability is above this', number)
  .option('--fit-threshold', 'judge by a lower threshold fitted on your wanted mail when it is below --threshold (the default; docs/content-filter.md)')
  .option('--no-fit-threshold')
  .addOption(new Option('--classifier <name>', 'fisher (Robinson-Fisher, as bogofilter) or mox (Graham, as mox)').choices(['fisher', 'mox']))
  .option('--onegrams', 'use single words')
  .option('--no-onegrams')
  .option('--twograms', 'use pairs of words')
  .option('--no-twograms')
  .option('--threegrams', 'use triples of words')
  .option('--no-threegrams')
  .option('--max-power <p>', 'mox: clamp word scores into [p, 1-p]', number)
  .option('--top-words <n>', 'mox: how many ham and spam words decide', number)
  .option('--ignore-words <d>', 'ignore words scoring within d of 0.5', number)
  .option('--rare-words <n>', 'mox: damp words seen in at most n messages', number)
  .option('--robinson-strength <s>', 'fisher: how strongly rare words are pulled toward the prior', number)
  .option('--robinson-prior <x>', 'fisher: the score of a word never seen', number)
  .addOption(new Option('--combine <how>', "fisher: one score from Fisher's two tails: share (of the evidence) or indicator (Robinson's)").choices(['share', 'indicator']))
  .option('--logistic', 'fisher: a second learner, logistic regression on the same words, averaged with it (the default; docs/content-filter.md)')
  .option('--no-logistic')
  .option('--reset', 'also forget all training (needed to change the n-grams once trained)')
  .action(async (options: Partial<JunkParams> & { preset?: 'default' | 'mox'; reset?: boolean }, command: Command) => {
    const { reset, preset, ...changes } = options;
    const configure = () => {
      const service = openJunk(command);
      try {
        const params = service.configure({ ...(preset && PRESETS[preset]), ...changes }, { reset });
        if (reset) console_.out('Training cleared.');
        console_.out(`Settings: ${describeParams(params)}`);
      } finally {
        service.close();
      }
    };
    const keys = Object.keys(changes);
    const live = !reset && !preset && keys.length > 0 && keys.every((key) => key === 'threshold' || key === 'fitThreshold' || key === 'logistic');
    await changeFolder(dataDirOf(command), 'warden junk config', {
      here: configure,
      // The running engine's filter takes a new threshold, fits one or not, and judges with the
      // second learner or not, from its next message; the other settings change which words are
      // counted, and need it stopped.
      ...(live && {
        owner: async (client) => {
          const { threshold, fitThreshold, logistic } = await client.call('filter.set', {
            ...(changes.threshold !== undefined && { threshold: changes.threshold }),
            ...(changes.fitThreshold !== undefined && { fitThreshold: changes.fitThreshold }),
            ...(changes.logistic !== undefined && { logistic: changes.logistic }),
          });
          console_.out(`Threshold: ${threshold}${fitThreshold ? ', or fitted below it' : ''}; second learner (logistic regression): ${logistic ? 'on' : 'off'}`);
        },
      }),
    });
  });

program.addCommand(accountCommands(console_));
program.addCommand(runCommand(console_));
program.addCommand(bootstrapCommand(console_));
program.addCommand(analyzeInboxCommand(console_));
program.addCommand(rulesCommands(console_));
program.addCommand(serveCommand(console_));
program.addCommand(backupCommands(console_));
program.addCommand(rejectsCommands(console_));
program.addCommand(serviceCommands(console_));

addDnsOptions(program.command('analyze'))
  .description('decide on messages as new INBOX arrivals, with the evidence; records nothing')
  .argument('<path...>', 'message files, Maildir folders, mbox files, or folders of message files')
  .option('--json', 'one JSON object per message and line')
  .addOption(seedOption())
  .action(async (paths: string[], options: { json?: boolean }, command: Command) => {
    const service = await openDelivery(command);
    try {
      if ((await analyzePaths(service, paths, options.json ?? false, console_)) > 0) process.exitCode = 1;
    } finally {
      service.close();
    }
  });

program
  .command('settings')
  .description('show or change the analysis settings (rulesets, block lists, thresholds; see README, Settings)')
  .option('--set <json>', 'merge these settings, e.g. \'{"dnsblZones":["zen.spamhaus.org"]}\'')
  .action(async (options: { set?: string }, command: Command) => {
    const show = async () => {
      const service = await openDelivery(command, true);
      try {
        return service.settings;
      } finally {
        service.close();
      }
    };
    if (options.set === undefined) {
      console_.out(JSON.stringify(await show(), null, 2));
      return;
    }
    let changes: unknown;
    try {
      changes = JSON.parse(options.set);
    } catch (err) {
      command.error(`--set is not JSON (${(err as Error).message}): give a JSON object, e.g. --set '{"jitter":0.05}'`);
    }
    if (typeof changes !== 'object' || changes === null || Array.isArray(changes)) command.error('--set is not a JSON object: give one, e.g. --set \'{"jitter":0.05}\'');
    const settings = await changeFolder(dataDirOf(command), 'warden settings --set', {
      here: async () => {
        const service = await openDelivery(command, true);
        try {
          return service.configure(changes as Record<string, unknown>);
        } finally {
          service.close();
        }
      },
      // The running engine's accounts read the new settings from their next message.
      owner: (client) => client.call('settings.set', { changes: changes as Record<string, unknown> }),
    });
    console_.out(JSON.stringify(settings, null, 2));
  });

program
  .command('reports')
  .description('the DMARC and TLS reports about your domains that arrived at your reporting addresses')
  .option('--json', 'one JSON object per report and line')
  .action(async (options: { json?: boolean }, command: Command) => {
    const service = await openDelivery(command);
    try {
      const reports = service.reports();
      if (reports.length === 0 && !options.json) console_.out('No reports yet (settings: reports.dmarcAddresses, reports.tlsAddresses, reports.domains).');
      for (const r of reports) {
        if (options.json) console_.out(JSON.stringify(r));
        else console_.out(`${new Date(r.end).toISOString().slice(0, 10)} ${r.kind.toUpperCase()} report from ${r.org || 'an unnamed reporter'} about ${r.about}: ${reportCounts(r.summary)}`);
      }
    } finally {
      service.close();
    }
  });

program
  .command('subjectpass')
  .description('make a token that lets mail from ADDRESS past the content filter when put in its Subject')
  .argument('<address>', 'the From address the token is for')
  .action(async (address: string, _options: unknown, command: Command) => {
    const service = await openDelivery(command);
    try {
      const token = service.subjectpassToken(address);
      console_.out(token);
      const hours = service.settings.subjectpassHours;
      process.stderr.write(
        hours > 0
          ? `Valid for ${hours} hours for mail from ${address} with this token anywhere in its Subject.\n`
          : 'Subject-pass tokens are turned off (subjectpassHours is 0): warden settings --set \'{"subjectpassHours":12}\'\n',
      );
    } finally {
      service.close();
    }
  });

addDnsOptions(program.command('filter'))
  .description('serve the filter and the analysis over a JSON-lines protocol (docs/filter-stdio.md)')
  .option('--stdio', 'read requests from standard input, write responses to standard output')
  .addOption(seedOption())
  .action(async (options: { stdio?: boolean }, command: Command) => {
    if (!options.stdio) command.error('warden filter serves only standard input and output: warden filter --stdio');
    await changeFolder(dataDirOf(command), 'warden filter --stdio', {
      here: async () => {
        const service = await openDelivery(command);
        try {
          await serveStdio(service, process.stdin, process.stdout);
        } finally {
          service.close();
        }
      },
    });
  });

applyConventions(program);

// `warden junk classify ... | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(0);
});

try {
  await program.parseAsync();
} catch (err) {
  process.stderr.write(`${errorLine((err as Error).message, program)}\n`);
  if (process.env.WARDEN_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
  process.exitCode = 1;
}
