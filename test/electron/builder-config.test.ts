import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Arch, build, Platform, type Configuration } from 'electron-builder';
import pkg from '../../package.json' with { type: 'json' };
import { APP_ID } from '../../electron/identity.ts';

// electron-builder.yml read and checked by electron-builder's own code (its config loader and
// its JSON schema, app-builder-lib/scheme.json), as `electron-builder` would before packaging.
// Packaging itself downloads Electron, so it does not run here.
const builderRequire = createRequire(createRequire(import.meta.url).resolve('electron-builder'));
const { getConfig, validateConfiguration } = builderRequire('app-builder-lib/out/util/config/config.js') as {
  getConfig: (projectDir: string, configPath: string | null, configFromOptions: null) => Promise<Configuration>;
  validateConfiguration: (config: Configuration, logger: unknown) => Promise<void>;
};
const { DebugLogger } = builderRequire('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };

let config: Configuration;
beforeAll(async () => {
  config = await getConfig(process.cwd(), null, null);
});

function targets(platform: 'linux' | 'mac' | 'win'): unknown {
  return config[platform]?.target;
}

/** The commands `npm run <script>` runs, with the scripts it runs by `npm run` spelled out. */
function commands(script: string): string[] {
  const scripts: Record<string, string> = pkg.scripts;
  const line = scripts[script];
  if (line === undefined) throw new Error(`package.json has no script ${script}`);
  return line.split('&&').flatMap((part) => {
    const command = part.trim();
    const run = /^npm run (\S+)$/.exec(command);
    return run ? commands(run[1]!) : [command];
  });
}

describe('electron-builder.yml', () => {
  it("is valid for electron-builder's schema, which refuses what it does not know", async () => {
    await validateConfiguration(config, new DebugLogger(false));
    await expect(validateConfiguration({ ...config, linux: { ...config.linux, icons: 'x' } } as Configuration, new DebugLogger(false))).rejects.toThrow(
      'Invalid configuration object',
    );
  });

  it('names the app as the code does (the AppUserModelID of Windows notifications)', () => {
    expect(config.appId).toBe(APP_ID);
    expect(config.productName).toBe('Warden');
  });

  it('makes an AppImage and a deb, a dmg, and an NSIS installer', () => {
    expect(targets('linux')).toEqual(['AppImage', 'deb']);
    expect(targets('mac')).toBe('dmg');
    expect(targets('win')).toBe('nsis');
  });

  it("packs package.json's main and the built UI", () => {
    const patterns = (config.files as { filter: string[] }[]).flatMap((f) => f.filter);
    const packed = (file: string) => patterns.some((p) => !p.startsWith('!') && path.matchesGlob(file, p)) && !patterns.some((p) => p.startsWith('!') && path.matchesGlob(file, p.slice(1)));
    expect(packed(pkg.main)).toBe(true);
    expect(packed('dist-electron/preload.cjs')).toBe(true);
    expect(packed('renderer/dist/index.html')).toBe(true);
    expect(packed('dist-electron/main.js.map')).toBe(false);
    expect(packed('src/engine/watch.ts')).toBe(false);
  });

  it('packs what `npm run build` builds, which `npm run package` runs first, with Electron fetched by its own installer; `npm ci` builds only the command line', () => {
    expect(commands('package')).toEqual([...commands('build'), 'node electron/fetch-electron.ts', 'electron-builder']);
    // renderer/dist (renderer/vite.config.ts) and dist-electron (electron/build.ts), the files above.
    expect(commands('build')).toEqual(expect.arrayContaining(['vite build --config renderer/vite.config.ts', 'node electron/build.ts']));
    expect(commands('prepare')).toEqual(['tsc -p tsconfig.build.json']);
  });

  it("keeps better-sqlite3's binaries out of the asar, where dlopen could not load them", async () => {
    const prebuilds = await readdir('node_modules/better-sqlite3/prebuilds');
    expect(prebuilds.length).toBeGreaterThan(0);
    for (const file of prebuilds) {
      expect((config.asarUnpack as string[]).some((p) => path.matchesGlob(`node_modules/better-sqlite3/prebuilds/${file}`, p)), file).toBe(true);
    }
  });

  it('rebuilds native modules for Electron, which better-sqlite3 (Node-API, prebuilt for every target) does not need', async () => {
    expect(config.npmRebuild).toBe(true);
    expect(await readFile('node_modules/better-sqlite3/binding.gyp', 'utf8')).toMatch(/'NAPI_VERSION=\d+'/);
    const prebuilds = await readdir('node_modules/better-sqlite3/prebuilds');
    for (const target of ['linux-x64', 'darwin-x64', 'darwin-arm64', 'win32-x64']) expect(prebuilds).toContain(`${target}.node`);
  });

  it("flips Electron's fuses (security checklist, item 19)", () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
  });
});

/**
 * The deb as electron-builder's own Linux packaging makes it from electron-builder.yml and
 * package.json: from an already unpacked app (so nothing is downloaded), stopped just before
 * fpm would write the .deb. What it hands fpm is the control file's fields.
 */
async function debFields(): Promise<{ args: string[]; desktopEntry: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'warden-deb-'));
  try {
    const unpacked = path.join(dir, 'linux-unpacked');
    await mkdir(path.join(unpacked, 'resources'), { recursive: true });
    let fields: { args: string[]; desktopEntry: string } | undefined;
    await build({
      projectDir: process.cwd(),
      targets: Platform.LINUX.createTarget('deb', Arch.x64),
      prepackaged: unpacked,
      publish: 'never',
      config: { directories: { output: path.join(dir, 'release') } },
      effectiveOptionComputed: async ([args, desktopFile]: [string[], string]) => {
        fields = { args, desktopEntry: await readFile(desktopFile, 'utf8') };
        return true;
      },
    });
    if (!fields) throw new Error('electron-builder made no deb');
    return fields;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('the deb', () => {
  it('has the fields a deb needs: maintainer, homepage, description, section, priority', { timeout: 60_000 }, async () => {
    const { args, desktopEntry } = await debFields();
    const field = (name: string) => {
      const at = args.indexOf(`--${name}`);
      return at < 0 ? undefined : args[at + 1];
    };
    expect(field('name')).toBe('warden');
    expect(field('version')).toBe(pkg.version);
    // Debian Policy 5.6.2: the maintainer's name and email address.
    expect(field('maintainer')).toMatch(/^[^<>]+ <[^\s@<>]+@[^\s@<>]+\.[a-z]+>$/);
    expect(field('vendor')).toBe('Warden contributors');
    expect(field('url')).toMatch(/^https:\/\//);
    // Policy 5.6.13: a synopsis line, then the long description indented by a space.
    expect(field('description')).toBe(`Junk filtering for your IMAP mailbox\n ${pkg.description}`);
    expect(field('category')).toBe('mail');
    expect(field('deb-priority')).toBe('optional');
    expect(field('license')).toBe(pkg.license);
    expect(desktopEntry).toMatch(/^Categories=Network;$/m);
    expect(desktopEntry).toMatch(/^Exec=.*warden/m);
  });
});
