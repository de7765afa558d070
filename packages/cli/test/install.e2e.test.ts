// meshobs as a user gets it: the packed tarball installed into a fresh project outside this repository
// (its own node_modules, nothing resolved from the workspace), then init, build, validate and diff as
// a user types them; the bundle must equal what this repository builds from the same config, and a
// meshobs.config.ts must type-check against the installed types.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { inCI, REPO_ROOT, requireTool, TOOLS_BIN, tempDir, toolPath } from '@meshobs/testkit';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { meshobs } from './helpers.ts';

const TSC = join(REPO_ROOT, 'node_modules', '.bin', 'tsc');

const tree = (dir: string) =>
  new Map(
    (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
      .filter((e) => e.isFile())
      .map((e) => {
        const path = join(e.parentPath, e.name);
        return [relative(dir, path), readFileSync(path, 'utf8')] as const;
      }),
  );

describe('meshobs installed from its tarball into a project of its own', () => {
  const work = tempDir('install');
  const project = join(work, 'my-mesh');
  let tarball = '';
  // The project sees the tools the way a user's machine would: through MESHOBS_TOOLS_BIN only.
  const env = { ...process.env, MESHOBS_TOOLS_BIN: TOOLS_BIN, npm_config_update_notifier: 'false' };
  const npx = (cwd: string, ...args: string[]) =>
    spawnSync('npx', ['--no-install', 'meshobs', ...args], { cwd, env, encoding: 'utf8', timeout: 300_000 });

  beforeAll(() => {
    tarball = execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'pack.ts'), join(work, 'pack')], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    }).trim();
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'my-mesh', private: true, type: 'module' }, null, 2)}\n`);
    // --prefer-offline: packages already in the npm cache come from there; the workspace is never used.
    // Bounded: a registry that stops answering fails the test instead of holding the tier (the
    // synchronous call would also keep vitest's own hook timeout from firing).
    execFileSync('npm', ['install', '--save-dev', '--prefer-offline', '--no-audit', '--no-fund', tarball], {
      cwd: project,
      env,
      stdio: 'pipe',
      timeout: 300_000,
    });
  }, 600_000);

  it('installs one package with the meshobs command, and nothing from the workspace', () => {
    expect(tarball).toMatch(/meshobs-cli-\d+\.\d+\.\d+\.tgz$/);
    const installed = JSON.parse(readFileSync(join(project, 'node_modules', '@meshobs', 'cli', 'package.json'), 'utf8'));
    expect(installed.bin).toEqual({ meshobs: './bin/meshobs.js' });
    // Compiled JavaScript only: Node refuses to strip types under node_modules.
    const files = [...tree(join(project, 'node_modules', '@meshobs')).keys()];
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files).toContain('cli/checkov.yaml');
    expect(files).toContain('cli/runbooks/High5xxErrorRate.md');
    expect(files).toContain('cli/node_modules/@meshobs/config/meshobs.config.schema.json');
    // The QA tooling (HTTP to Prometheus, file-system previews) is a dev-only package the CLI never needs.
    expect(files.filter((f) => f.includes('@meshobs/qa/') || /preview|evaluate|inspect/.test(f))).toEqual([]);
    expect(readFileSync(join(project, 'package.json'), 'utf8')).toContain('"@meshobs/cli": "file:');
    const v = npx(project, '--version');
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout.trim()).toBe(JSON.parse(readFileSync(join(REPO_ROOT, 'packages', 'cli', 'package.json'), 'utf8')).version);
  });

  it('init, build, validate and diff work as the README says, and the bundle equals the repository build', async () => {
    const init = npx(project, 'init', '--cluster', 'prod-eu', '--operators', 'kiali');
    expect(init.status, init.stderr).toBe(0);
    expect(init.stdout).toContain('npx --no-install meshobs build');
    const build = npx(project, 'build');
    expect(build.status, build.stderr).toBe(0);

    // The same config through this repository's sources.
    const mono = await meshobs(project, 'build', '--out', join(work, 'mono'));
    expect(mono.code, mono.stderr).toBe(0);
    const installedTree = tree(join(project, 'dist', 'bundle'));
    expect(installedTree.size).toBeGreaterThan(50);
    expect(installedTree).toEqual(tree(join(work, 'mono')));

    const validate = npx(project, 'validate');
    expect(validate.status, `${validate.stdout}\n${validate.stderr}`).toBe(0);
    expect(validate.stdout).toMatch(/^PASS\s+checkov/m);

    const same = npx(project, 'diff', '--against', 'dist/bundle', '--exit-code');
    expect(same.status, same.stderr).toBe(0);
    writeFileSync(
      join(project, 'meshobs.config.yaml'),
      readFileSync(join(project, 'meshobs.config.yaml'), 'utf8').replace('name: prod-eu', 'name: prod-us'),
    );
    const changed = npx(project, 'diff', '--against', 'dist/bundle', '--exit-code');
    expect(changed.status).toBe(1);
    expect(changed.stdout).toContain('prod-us');
  }, 600_000);

  it('type-checks meshobs.config.ts against the installed types, with errors on wrong fields', () => {
    const ts = join(project, 'ts');
    mkdirSync(ts);
    const init = npx(ts, 'init', '--format', 'ts');
    expect(init.status, init.stderr).toBe(0);
    const build = npx(ts, 'build');
    expect(build.status, build.stderr).toBe(0);

    writeFileSync(
      join(ts, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2023',
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        include: ['*.ts'],
      }),
    );
    const check = () => spawnSync(TSC, ['-p', ts], { cwd: ts, encoding: 'utf8' });
    const good = check();
    expect(good.status, good.stdout).toBe(0);
    writeFileSync(
      join(ts, 'wrong.ts'),
      "import { defineConfig } from '@meshobs/cli/config';\nexport default defineConfig({ tracing: { samplng: {} }, jaeger: { retention: { days: 'seven' } } });\n",
    );
    const bad = check();
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toMatch(/wrong\.ts\(2,\d+\): error TS(2353|2561): .*'samplng'/);
    expect(bad.stdout).toMatch(/wrong\.ts\(2,\d+\): error TS2322: Type 'string' is not assignable to type 'number/);
  });

  it('in a CommonJS project (npm init -y): init --format ts writes .mts, build and strict validate pass with otelcol-contrib', () => {
    const cjs = join(work, 'cjs-mesh');
    mkdirSync(cjs);
    execFileSync('npm', ['init', '-y'], { cwd: cjs, env, stdio: 'pipe' });
    expect(JSON.parse(readFileSync(join(cjs, 'package.json'), 'utf8')).type ?? 'commonjs').toBe('commonjs');
    // The installed meshobs of the first project, as `npm i -D` of the tarball would give it here too.
    symlinkSync(join(project, 'node_modules'), join(cjs, 'node_modules'));

    const init = npx(cjs, 'init', '--format', 'ts');
    expect(init.status, init.stderr).toBe(0);
    expect(init.stdout.split('\n')[0]).toBe(
      'meshobs: wrote meshobs.config.mts (.mts, an ES module anywhere: package.json does not say "type": "module", and Node loads a .ts file there as CommonJS)',
    );
    expect(readdirSync(cjs).filter((f) => f.startsWith('meshobs.config'))).toEqual(['meshobs.config.mts']);
    const build = npx(cjs, 'build');
    expect(build.status, build.stderr).toBe(0);
    expect(build.stdout).toContain('from meshobs.config.mts');

    // Strict validate with the collector found by the upstream distribution's name only: the tool folder a
    // user has after installing the official releases. (CI builds otelcol-meshobs, the same release train
    // with the components the bundle uses; the full contrib build is hundreds of modules. It stands in
    // under the contrib name here, so the lookup, the verdict and the strict path are the ones a user meets.)
    const bin = join(work, 'official-tools');
    mkdirSync(bin);
    symlinkSync(requireTool('otelcol-meshobs'), join(bin, 'otelcol-contrib'));
    const others = ['promtool', 'amtool', 'checkov', 'istioctl'];
    for (const tool of others) {
      const path = toolPath(tool);
      if (path) symlinkSync(path, join(bin, tool));
    }
    const absent = others.filter((t) => !toolPath(t));
    // CI installs every tool: nothing is allowed missing there.
    if (inCI) expect(absent).toEqual([]);
    const args = ['validate', ...(absent.length ? ['--allow-missing', absent.join(',')] : [])];
    const validate = spawnSync('npx', ['--no-install', 'meshobs', ...args], {
      cwd: cjs,
      env: { ...env, MESHOBS_TOOLS_BIN: bin, PATH: `${join(process.execPath, '..')}:/usr/bin:/bin` },
      encoding: 'utf8',
      timeout: 600_000,
    });
    expect(validate.status, `${validate.stdout}\n${validate.stderr}`).toBe(0);
    expect(validate.stdout).toMatch(/^PASS\s+otelcol validate: checked with otelcol-contrib$/m);
    expect(validate.stdout).not.toMatch(/^FAIL/m);
    const missing = [...validate.stdout.matchAll(/^MISSING\s+.*?: (\S+) not found/gm)].map((m) => m[1]);
    expect(missing.filter((t) => !absent.includes(t!))).toEqual([]);

    // The installed types carry each field's documentation: what an editor shows on hover in meshobs.config.mts.
    const file = join(cjs, 'meshobs.config.mts');
    const text = readFileSync(file, 'utf8');
    const options: ts.CompilerOptions = {
      strict: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2023,
      noEmit: true,
      skipLibCheck: true,
      types: [],
    };
    const service = ts.createLanguageService({
      getScriptFileNames: () => [file],
      getScriptVersion: () => '1',
      getScriptSnapshot: (f) => (ts.sys.fileExists(f) ? ts.ScriptSnapshot.fromString(ts.sys.readFile(f)!) : undefined),
      getCurrentDirectory: () => cjs,
      getCompilationSettings: () => options,
      getDefaultLibFileName: ts.getDefaultLibFilePath,
      fileExists: ts.sys.fileExists,
      readFile: ts.sys.readFile,
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
      realpath: ts.sys.realpath,
    });
    expect(service.getSemanticDiagnostics(file).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
    const hover = (word: string) => ts.displayPartsToString(service.getQuickInfoAtPosition(file, text.indexOf(word))?.documentation);
    expect(hover('cluster:')).toContain('The cluster the bundle is for');
    expect(hover('kubernetesVersion')).toContain('Kubernetes minor version of the cluster');
  }, 900_000);
});
