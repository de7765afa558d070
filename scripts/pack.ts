// Packs the meshobs command for installation outside this repository: one tarball, @meshobs/cli, that
// carries the other meshobs packages it runs (compiled JavaScript plus .d.ts, bundled in its own
// node_modules) and names their third-party dependencies, so `npm i -D <tarball>` in any project gives
// the `meshobs` command and `defineConfig`.
//
//   node scripts/pack.ts <out-dir>      # prints the tarball path
//
// Why one package: the internal packages are one release with one version and no public API of their
// own; bundling them leaves a single name to publish and no version skew between them. Inside this
// repository nothing changes: the sources still run directly (Node type stripping).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIELD_DOCS } from '../packages/config/src/field-docs.generated.ts';
import { addFieldDocs } from './declaration-docs.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = '@meshobs/cli';
/**
 * Packages of which the CLI uses one entry point only: the demo service's Kubernetes manifests, not the
 * service itself (whose OpenTelemetry SDK dependencies a bundle build never loads).
 */
const ONLY: Record<string, { entry: string; folder: string }> = {
  '@meshobs/demo-service': { entry: './manifests', folder: 'manifests' },
};

interface Manifest {
  name: string;
  version: string;
  description?: string;
  type?: string;
  bin?: Record<string, string>;
  exports: Record<string, string>;
  dependencies?: Record<string, string>;
}

type LockEntry = {
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [k: string]: unknown;
};

/**
 * npm-shrinkwrap.json for the tarball: the third-party dependency tree exactly as this repository's
 * package-lock.json resolved it (same versions, tarball URLs and integrity hashes), so an install of the
 * tarball needs no version resolution and gets the dependencies the tests ran with.
 */
function shrinkwrap(root: Manifest & Record<string, unknown>, bundled: Manifest[]): Record<string, unknown> {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')).packages as Record<string, LockEntry>;
  const picked = new Map<string, LockEntry>();
  /** Node's lookup: the dependency next to the requiring package first, then further up. */
  const locate = (from: string, dep: string): string => {
    for (let at = from; ; at = at.slice(0, Math.max(0, at.lastIndexOf('/node_modules/')))) {
      const path = `${at ? `${at}/` : ''}node_modules/${dep}`;
      if (lock[path]) return path;
      if (!at) throw new Error(`${dep} (needed by ${from || 'the CLI'}) is not in package-lock.json: run npm install`);
    }
  };
  const visit = (from: string, deps: Record<string, string> = {}) => {
    for (const dep of Object.keys(deps)) {
      if (dep.startsWith('@meshobs/')) continue;
      const path = locate(from, dep);
      if (picked.has(path)) continue;
      const { dev, devOptional, peer, link, ...entry } = lock[path]!;
      picked.set(path, entry as LockEntry);
      visit(path, { ...lock[path]!.dependencies, ...lock[path]!.optionalDependencies });
    }
  };
  visit('', root.dependencies);
  const packages: Record<string, unknown> = {
    '': {
      name: root.name,
      version: root.version,
      bundleDependencies: root.bundleDependencies,
      dependencies: root.dependencies,
      bin: root.bin,
      engines: root.engines,
    },
  };
  for (const b of bundled) packages[`node_modules/${b.name}`] = { version: b.version, inBundle: true, dependencies: b.dependencies };
  for (const [path, entry] of [...picked].sort(([a], [b]) => a.localeCompare(b))) packages[path] = entry;
  return { name: root.name, version: root.version, lockfileVersion: 3, requires: true, packages };
}

/** name -> folder of every workspace package. */
function workspaces(): Map<string, string> {
  const out = execFileSync('npm', ['query', '.workspace'], { cwd: ROOT, encoding: 'utf8' });
  return new Map((JSON.parse(out) as { name: string; path: string }[]).map((w) => [w.name, w.path]));
}

const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));

/** The internal packages the CLI needs at run time, the CLI first. */
function runtimeClosure(all: Map<string, string>): string[] {
  const seen: string[] = [];
  const visit = (name: string) => {
    if (seen.includes(name)) return;
    seen.push(name);
    for (const dep of Object.keys(manifest(all.get(name)!).dependencies ?? {})) if (all.has(dep)) visit(dep);
  };
  visit(CLI);
  return seen;
}

/** `./src/x.ts` -> `./dist/x.js`, with the declarations beside it. */
const compiled = (target: string) => {
  const js = target.replace(/^\.\/src\//, './dist/').replace(/\.ts$/, '.js');
  return { types: js.replace(/\.js$/, '.d.ts'), default: js };
};

function compile(packages: string[], all: Map<string, string>, outDir: string) {
  // One program over every package: their imports of each other stay bare specifiers in the output.
  const tsconfig = join(outDir, 'tsconfig.pack.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.base.json'),
      compilerOptions: {
        noEmit: false,
        declaration: true,
        rewriteRelativeImportExtensions: true,
        rootDir: ROOT,
        outDir: join(outDir, 'tsc'),
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules', '@types')],
      },
      include: packages.map((p) => join(all.get(p)!, 'src', ONLY[p]?.folder ?? '')),
    }),
  );
  execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', tsconfig], { cwd: ROOT, stdio: 'inherit' });
}

export function pack(out: string): string {
  const all = workspaces();
  const packages = runtimeClosure(all);
  const work = mkdtempSync(join(tmpdir(), 'meshobs-pack-'));
  try {
    compile(packages, all, work);
    // tsc prints the zod schema's inferred type without its field comments: put them back for editors.
    addFieldDocs(join(work, 'tsc', 'packages', 'config', 'src', 'schema.d.ts'), FIELD_DOCS);
    const stage = join(work, 'cli');
    const thirdParty: Record<string, string> = {};
    const bundled: Manifest[] = [];
    for (const name of packages) {
      const src = all.get(name)!;
      const m = manifest(src);
      const dest = name === CLI ? stage : join(stage, 'node_modules', ...name.split('/'));
      mkdirSync(dest, { recursive: true });
      cpSync(join(work, 'tsc', relative(ROOT, src), 'src'), join(dest, 'dist'), { recursive: true });
      // Files the code reads beside its sources at run time.
      for (const extra of ['schema', 'checkov.yaml', 'meshobs.config.schema.json', 'README.md']) {
        if (existsSync(join(src, extra))) cpSync(join(src, extra), join(dest, extra), { recursive: true });
      }
      const only = ONLY[name];
      if (only) m.exports = { [only.entry]: m.exports[only.entry]! };
      // An entry point that imports no third-party module does not need the package's other dependencies.
      const deps = Object.entries(m.dependencies ?? {}).filter(([dep]) => !only || all.has(dep));
      for (const [dep, range] of deps) if (!all.has(dep)) thirdParty[dep] = range;
      const staged: Record<string, unknown> = {
        name,
        version: m.version,
        description: m.description,
        type: 'module',
        exports: Object.fromEntries(Object.entries(m.exports).map(([k, v]) => [k, compiled(v)])),
        dependencies: Object.fromEntries(deps.map(([dep, range]) => [dep, all.has(dep) ? manifest(all.get(dep)!).version : range])),
      };
      if (name === CLI) {
        staged.bin = { meshobs: './bin/meshobs.js' };
        staged.engines = { node: '>=22.18' };
        staged.bundleDependencies = packages.filter((p) => p !== CLI).sort();
        // The runbooks the alerts link to (alerts.runbookBaseUrl), to host next to your own docs.
        cpSync(join(ROOT, 'docs', 'runbooks'), join(dest, 'runbooks'), { recursive: true });
        mkdirSync(join(dest, 'bin'));
        writeFileSync(join(dest, 'bin', 'meshobs.js'), "#!/usr/bin/env node\nimport { run } from '../dist/main.js';\n\nawait run();\n", {
          mode: 0o755,
        });
      }
      writeFileSync(join(dest, 'package.json'), `${JSON.stringify(staged, null, 2)}\n`);
      if (name !== CLI) bundled.push(staged as unknown as Manifest);
    }
    // The bundled packages' own third-party dependencies are installed next to the CLI.
    const cli = JSON.parse(readFileSync(join(stage, 'package.json'), 'utf8'));
    cli.dependencies = Object.fromEntries(Object.entries({ ...cli.dependencies, ...thirdParty }).sort(([a], [b]) => a.localeCompare(b)));
    writeFileSync(join(stage, 'package.json'), `${JSON.stringify(cli, null, 2)}\n`);
    writeFileSync(join(stage, 'npm-shrinkwrap.json'), `${JSON.stringify(shrinkwrap(cli, bundled), null, 2)}\n`);
    mkdirSync(out, { recursive: true });
    const name = execFileSync('npm', ['pack', stage, '--pack-destination', out, '--silent'], { cwd: work, encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop()!;
    return join(out, name);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: node scripts/pack.ts <out-dir>');
    process.exit(2);
  }
  console.log(pack(resolve(out)));
}
