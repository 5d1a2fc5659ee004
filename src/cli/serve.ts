import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { resolveDataDir } from '../engine/data-dir.ts';
import type { Output } from './junk.ts';
import { addDnsOptions, dnsOptionsOf } from './options.ts';

/** renderer/dist, from src/cli here and from dist/cli in a build alike. */
const UI_DIR = fileURLToPath(new URL('../../renderer/dist', import.meta.url));

/** `warden serve`: the engine watching every account, with the UI and the API on localhost. */
export function serveCommand(o: Output): Command {
  return addDnsOptions(new Command('serve'))
    .description('watch every account, and serve the UI and its API on this computer (for a home server, or without the desktop app)')
    .option('--port <port>', 'the port (default: a free one)', port, 0)
    .option('--host <address>', 'the address to listen on; anything but 127.0.0.1 exposes Warden to your network (the token is then the only lock)', '127.0.0.1')
    .action(async (options: { port: number; host: string }, command: Command) => {
      const dataDir = resolveDataDir(command.optsWithGlobals<{ dataDir?: string }>().dataDir);
      const { Api } = await import('../api/api.ts');
      const { serve } = await import('../api/serve.ts');
      const { describeOwner } = await import('../engine/owner.ts');
      const api = await Api.open(dataDir, { kind: 'serve', ...dnsOptionsOf(command), onWait: (owner) => o.err(`Waiting for ${describeOwner(owner)} to finish with ${dataDir}…`) });
      let served;
      try {
        served = await serve(api, { host: options.host, port: options.port, staticDir: UI_DIR });
      } catch (err) {
        await api.close();
        throw new Error(`could not listen on ${options.host}:${options.port}: ${(err as Error).message}`, { cause: err });
      }
      api.publishUi(served.url);
      api.start();
      o.out(served.url);
      o.err(`Warden is watching your accounts. Open the address above in a browser; it carries this run's key. Ctrl-C stops.`);
      if (!['127.0.0.1', '::1', 'localhost'].includes(options.host)) o.err(`Listening on ${options.host}: anyone on your network who has the address can use Warden, unencrypted.`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve).once('SIGTERM', resolve);
      });
      await served.close();
      await api.close();
    });
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError('a port is a whole number from 1 to 65535 (0: any free port)');
  return n;
}
