import cliProgress from 'cli-progress';

/** Progress of long work, shown as a bar on a terminal and not at all when output is piped. */
export interface Progress {
  /** Advances by `bytes` of input and sets the count of messages done. */
  tick(bytes: number, messages: number): void;
  stop(): void;
}

export function progressBar(label: string, totalBytes: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { tick() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} [{bar}] {percentage}% | {messages} messages | {doneMB}/{totalMB} MB | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 200,
    },
    cliProgress.Presets.shades_classic,
  );
  const mb = (n: number) => (n / 1e6).toFixed(1);
  let done = 0;
  bar.start(totalBytes, 0, { messages: 0, doneMB: mb(0), totalMB: mb(totalBytes) });
  return {
    tick(bytes, messages) {
      done += bytes;
      bar.update(done, { messages, doneMB: mb(done), totalMB: mb(totalBytes) });
    },
    stop() {
      bar.stop();
    },
  };
}

/** Progress through counted steps (messages of a folder), as a bar on a terminal; nothing when piped. */
export interface CountProgress {
  /** Shows `done` of `total` for `label`; a new label starts a new bar. */
  update(label: string, done: number, total: number): void;
  stop(): void;
}

export function countBar(stream: NodeJS.WriteStream = process.stderr): CountProgress {
  if (!stream.isTTY) return { update() {}, stop() {} };
  let bar: cliProgress.SingleBar | undefined;
  let current = '';
  return {
    update(label, done, total) {
      if (label !== current) {
        bar?.stop();
        current = label;
        bar = new cliProgress.SingleBar({ stream, format: `${label} [{bar}] {value}/{total} messages | ETA {eta_formatted}`, hideCursor: true }, cliProgress.Presets.shades_classic);
        bar.start(total, done);
      } else bar?.update(done);
    },
    stop() {
      bar?.stop();
    },
  };
}
