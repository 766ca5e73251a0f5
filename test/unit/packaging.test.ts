// electron-builder.yml checked with electron-builder's own code, since electron-builder itself cannot run here
// (it needs to download Electron): its config loader, its schema validator (`validateConfiguration`: ajv 8 over
// app-builder-lib/scheme.json, the check `electron-builder` runs before packaging), and its file matchers for
// `files`, `asarUnpack` and `extraResources`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Configuration } from 'app-builder-lib';
import type { FilterStats } from 'builder-util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const { getConfig, validateConfiguration } =
  require('app-builder-lib/out/util/config/config.js') as typeof import('app-builder-lib/out/util/config/config.js');
const { getFileMatchers } = require('app-builder-lib/out/fileMatcher.js') as typeof import('app-builder-lib/out/fileMatcher.js');
const { convertIcon, getPngSize } =
  require('app-builder-lib/out/util/iconConverter.js') as typeof import('app-builder-lib/out/util/iconConverter.js');
const { DebugLogger } = require('builder-util') as typeof import('builder-util');
const { Minimatch } = createRequire(require.resolve('app-builder-lib'))('minimatch') as typeof import('minimatch');
// The YAML parser electron-builder itself uses (js-yaml 4, a dependency of app-builder-lib); it ships no types.
const yaml = require('js-yaml') as { load(text: string): unknown };

const root = fileURLToPath(new URL('../../', import.meta.url));
const configFile = 'electron-builder.yml';
const iconScript = 'scripts/make-icons.js';
const generatedIcons = ['resources/icons/icon.png', 'resources/icons/256x256.png'];

interface PackageJson {
  main: string;
  scripts: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  homepage?: string;
  author?: string | { email?: string };
}
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as PackageJson;

/** Loads the configuration exactly as `electron-builder --config electron-builder.yml` does (defaults merged). */
const loadConfig = (projectDir = root, file = configFile): Promise<Configuration> => getConfig(projectDir, file, null);
/** electron-builder's own pre-packaging validation; it coerces types in place, hence the copy. */
const validate = (config: Configuration): Promise<void> =>
  validateConfiguration(structuredClone(config), new DebugLogger(false));

function targetNames(target: NonNullable<Configuration['linux']>['target']): string[] {
  const list = target == null ? [] : Array.isArray(target) ? target : [target];
  return list.map((t) => (typeof t === 'string' ? t : t.target).toLowerCase());
}

/** A stat as electron-builder's copier passes it to filters (node_modules files carry their module-relative path). */
function statFor(relative: string): FilterStats {
  const absolute = path.join(root, relative);
  const stat = existsSync(absolute) ? statSync(absolute) : { isDirectory: () => false, isFile: () => true };
  const extra = relative.startsWith('node_modules/') ? { moduleFullFilePath: relative } : {};
  return Object.assign(stat, extra) as FilterStats;
}

function matcherFilter(config: Configuration, name: 'files' | 'asarUnpack' | 'extraResources', platform: Parameters<typeof getFileMatchers>[3]['customBuildOptions'] | null = {}) {
  const matchers = getFileMatchers(config, name, path.join(root, 'release', 'app'), {
    macroExpander: (pattern) => pattern,
    customBuildOptions: platform ?? {},
    globalOutDir: path.join(root, 'release'),
    defaultSrc: root,
  });
  expect(matchers, `${name} is configured`).not.toBeNull();
  return matchers ?? [];
}

function filesUnder(dir: string, accept: (name: string) => boolean): string[] {
  const absolute = path.join(root, dir);
  if (!existsSync(absolute)) return [];
  return readdirSync(absolute, { recursive: true, encoding: 'utf8' })
    .filter((f) => accept(path.basename(f)) && statSync(path.join(absolute, f)).isFile())
    .map((f) => path.posix.join(dir, f.split(path.sep).join('/')));
}

let config: Configuration;
let raw: Record<string, unknown>;

beforeAll(async () => {
  if (generatedIcons.some((f) => !existsSync(path.join(root, f)))) {
    execFileSync(process.execPath, [iconScript], { cwd: root, stdio: 'pipe' });
  }
  raw = yaml.load(readFileSync(path.join(root, configFile), 'utf8')) as Record<string, unknown>;
  config = await loadConfig();
});

describe('electron-builder.yml against electron-builder’s schema', () => {
  it('passes the validation electron-builder runs before packaging', async () => {
    expect(raw).toBeTypeOf('object');
    await expect(validate(config)).resolves.toBeUndefined();
  });

  it('rejects an unknown top-level key', async () => {
    await expect(validate({ ...config, autoPublish: true } as Configuration)).rejects.toThrow(
      /unknown property 'autoPublish'/,
    );
  });

  it('rejects a wrongly typed option', async () => {
    const bad = { ...config, nsis: { ...config.nsis, oneClick: 'maybe' } } as unknown as Configuration;
    await expect(validate(bad)).rejects.toThrow(/configuration\.nsis\.oneClick/);
  });

  describe('through the file loader', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'gradedesk-builder-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('rejects a bad YAML file read the way `--config` reads it', async () => {
      writeFileSync(path.join(dir, configFile), 'appId: org.gradedesk.app\nnsis:\n  oneClick: maybe\n');
      await expect(validate(await loadConfig(dir))).rejects.toThrow(/oneClick/);
    });
  });
});

describe('packaging behaviour', () => {
  it('identifies the app', () => {
    expect(config.appId).toBe('org.gradedesk.app');
    expect(config.productName).toBe('Gradedesk');
    expect(config.linux?.executableName).toBe('gradedesk');
    expect(config.directories).toEqual({ output: 'release', buildResources: 'resources' });
    expect(config.linux?.category?.split(';')).toEqual(expect.arrayContaining(['Science', 'MedicalSoftware']));
    expect(config.mac?.category).toBe('public.app-category.medical');
  });

  it('builds AppImage + deb, NSIS and DMG', () => {
    expect(targetNames(config.linux?.target).sort()).toEqual(['appimage', 'deb']);
    expect(targetNames(config.win?.target)).toEqual(['nsis']);
    expect(targetNames(config.mac?.target)).toEqual(['dmg']);
    expect(config.nsis).toMatchObject({ oneClick: false, allowToChangeInstallationDirectory: true, perMachine: false });
    expect(config.mac?.hardenedRuntime).toBe(true);
  });

  it('names artifacts with version and architecture', () => {
    for (const pattern of [config.artifactName, config.deb?.artifactName]) {
      expect(pattern).toContain('${version}');
      expect(pattern).toContain('${arch}');
    }
  });

  it('has the metadata the deb target (fpm) insists on', () => {
    // Mirrors FpmTarget.computeFpmMetaInfoOptions, which otherwise fails only at packaging time.
    const homepage = pkg.homepage ?? (config.extraMetadata as { homepage?: string } | undefined)?.homepage;
    expect(homepage).toMatch(/^https:\/\//);
    const author = typeof pkg.author === 'object' ? pkg.author.email : undefined;
    expect(config.deb?.maintainer ?? config.linux?.maintainer ?? author).toMatch(/<[^>]+@[^>]+>/);
  });

  it('never publishes, even with a GH_TOKEN in the environment', () => {
    // Only an explicit null stops electron-builder from inferring a provider from tokens.
    expect('publish' in config && config.publish === null).toBe(true);
    for (const key of ['linux', 'win', 'mac', 'nsis', 'deb', 'appImage', 'dmg'] as const) {
      expect((config[key] as { publish?: unknown } | null | undefined)?.publish, `${key}.publish`).toBeUndefined();
    }
  });

  it('rebuilds native modules for Electron at packaging time', () => {
    expect(config.npmRebuild).toBe(true);
    expect(config.asar).toBe(true);
  });

  it('does not rebuild native modules for Electron on npm install', () => {
    expect(pkg.scripts.dist).toBe(`npm run build && electron-builder --config ${configFile}`);
    const lifecycle = ['preinstall', 'install', 'postinstall', 'prepare'].filter((s) => pkg.scripts[s] != null);
    for (const name of lifecycle) {
      expect(pkg.scripts[name], `scripts.${name}`).not.toMatch(
        /electron-rebuild|@electron\/rebuild|install-app-deps|electron-builder|runtime=electron/,
      );
    }
    // electron-builder refuses `electron` as a production dependency.
    expect(pkg.dependencies ?? {}).not.toHaveProperty('electron');
    expect(pkg.devDependencies ?? {}).toHaveProperty('electron');
  });
});

describe('asar', () => {
  const unpacked = (relative: string): boolean =>
    matcherFilter(config, 'asarUnpack')[0].createFilter()(path.join(root, relative), statFor(relative));

  it('unpacks the installed native binaries of better-sqlite3 and sharp', () => {
    const native = (name: string) => /\.(node|dll|dylib)$|\.so(\.\d+)*$/.test(name);
    const sqlite = filesUnder('node_modules/better-sqlite3', native);
    const img = filesUnder('node_modules/@img', native);
    expect(sqlite.some((f) => f.endsWith('better_sqlite3.node'))).toBe(true);
    expect(img.some((f) => f.endsWith('.node'))).toBe(true);
    expect(img.some((f) => /libvips/.test(f))).toBe(true);
    for (const file of [...sqlite, ...img]) expect(unpacked(file), file).toBe(true);
    // sharp's JS locates its binary relative to itself: it must sit beside it.
    expect(unpacked('node_modules/sharp/package.json')).toBe(true);
  });

  it('unpacks TensorFlow bindings and WASM files once they are installed', () => {
    for (const file of [
      'node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node',
      'node_modules/@tensorflow/tfjs-node/deps/lib/libtensorflow.so.2',
      'node_modules/@tensorflow/tfjs-node-gpu/deps/lib/libtensorflow.so.2',
      'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm',
      'node_modules/some-dep/node_modules/better-sqlite3/build/Release/better_sqlite3.node',
    ]) {
      expect(unpacked(file), file).toBe(true);
    }
  });

  it('keeps the app code and pure-JS dependencies inside the archive', () => {
    for (const file of ['out/main/index.js', 'out/main/cli.js', 'package.json', 'node_modules/zod/package.json']) {
      expect(unpacked(file), file).toBe(false);
    }
  });
});

describe('files and resources', () => {
  it('packages the built app, the CLI launcher and package.json, without source maps, sources or tests', () => {
    const [matcher] = matcherFilter(config, 'files');
    expect(matcher.from).toBe(path.resolve(root));
    const included = (relative: string) => matcher.createFilter()(path.join(root, relative), statFor(relative));
    expect(pkg.main).toBe('out/main/index.js');
    for (const file of [pkg.main, 'out/main/cli.js', 'out/preload/index.mjs', 'out/renderer/index.html', 'bin/gradedesk.cjs', 'package.json']) {
      expect(included(file), file).toBe(true);
    }
    for (const file of ['out/main/index.js.map', 'out/main/foo.test.js', 'src/main/index.ts', 'test/unit/packaging.test.ts', 'resources/icons/icon.png']) {
      expect(included(file), file).toBe(false);
    }
  });

  it('keeps in each installer only its own platform\'s ONNX Runtime and Dawn binaries', () => {
    // The platform's `files` are added to the top-level ones (getFileMatchers); a node module's file is left
    // out when an exclusion matches its path, matched as electron-builder matches (its minimatch, dot: true).
    const excluded = (platform: 'linux' | 'win' | 'mac', relative: string) =>
      matcherFilter(config, 'files', config[platform])[0]!.patterns
        .filter((pattern) => pattern.startsWith('!'))
        .some((pattern) => new Minimatch(pattern.slice(1), { dot: true }).match(relative));
    const ort = (os: string) => `node_modules/onnxruntime-node/bin/napi-v6/${os}/x64/onnxruntime_binding.node`;
    const dawn = (os: string) => `node_modules/webgpu/dist/${os === 'darwin' ? 'darwin-universal' : `${os}-x64`}/dawn.node`;
    const own = { linux: 'linux', win: 'win32', mac: 'darwin' } as const;
    for (const platform of ['linux', 'win', 'mac'] as const) {
      for (const os of ['linux', 'win32', 'darwin']) {
        expect(excluded(platform, ort(os)), `${platform}: ${os} ONNX Runtime left out`).toBe(os !== own[platform]);
        expect(excluded(platform, dawn(os)), `${platform}: ${os} Dawn left out`).toBe(os !== own[platform]);
      }
    }
  });

  it('refers only to paths that exist or that `npm run build` produces', () => {
    // `out/` is electron-vite's default output directory; the config must not move it elsewhere.
    expect(readFileSync(path.join(root, 'electron.vite.config.ts'), 'utf8')).not.toMatch(/outDir/);
    expect(existsSync(path.join(root, 'src/main/index.ts'))).toBe(true);
    if (existsSync(path.join(root, 'out/main'))) expect(existsSync(path.join(root, pkg.main))).toBe(true);
    expect(existsSync(path.join(root, 'bin/gradedesk.cjs'))).toBe(true);
    expect(existsSync(path.join(root, config.directories?.buildResources ?? 'build'))).toBe(true);
  });

  it('ships resources/ except icons as extra resources, tolerating an absent backbones folder', () => {
    const matchers = matcherFilter(config, 'extraResources');
    expect(matchers).toHaveLength(1);
    const [matcher] = matchers;
    expect(existsSync(matcher.from), matcher.from).toBe(true);
    const shipped = (relative: string) =>
      matcher.createFilter()(path.join(matcher.from, relative), { isDirectory: () => false } as FilterStats);
    expect(shipped('backbones/mobilenet/model.json')).toBe(true);
    expect(shipped('icons/icon.png')).toBe(false);
    expect(shipped('icons/icon.svg')).toBe(false);
  });
});

describe('icons', () => {
  it('generates the 1024 px PNG from which electron-builder derives .icns and .ico', async () => {
    expect(config.icon).toBe('resources/icons/icon.png');
    const icon = path.join(root, config.icon ?? '');
    expect(existsSync(icon)).toBe(true);
    expect(await getPngSize(icon)).toEqual({ width: 1024, height: 1024 });
  });

  it('resolves the Linux icon set the way electron-builder does', async () => {
    const outDir = mkdtempSync(path.join(tmpdir(), 'gradedesk-icons-'));
    try {
      const result = await convertIcon({
        sources: [config.linux?.icon, config.icon].filter((s): s is string => !!s),
        fallbackSources: [],
        roots: [path.join(root, config.directories?.buildResources ?? 'build'), root],
        format: 'set',
        outDir,
      });
      expect(result.isFallback).toBe(false);
      expect(result.icons).toEqual([{ file: path.join(root, 'resources/icons/256x256.png'), size: 256 }]);
      expect(await getPngSize(result.icons[0].file)).toEqual({ width: 256, height: 256 });
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });

  it('regenerates the PNGs in the beforePack hook', async () => {
    expect(config.beforePack).toBe(`./${iconScript}`);
    const hook = (await import(pathToFileURL(path.join(root, iconScript)).href)) as { default: unknown };
    expect(hook.default).toBeTypeOf('function');
  });
});
