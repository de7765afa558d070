// `meshobs init` writes a starter config that builds as is, carries the profile the flags describe,
// points editors at the JSON Schema, and never overwrites anything.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { configJsonSchemaText, JSON_SCHEMA_FILE } from '@meshobs/config';
import { REPO_ROOT, tempDir } from '@meshobs/testkit';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_MODULE, NEXT_STEPS, SCHEMA_STEP } from '../src/init.ts';
import { meshobs } from './helpers.ts';

const BIN = join(REPO_ROOT, 'packages', 'cli', 'bin', 'meshobs.js');

describe('meshobs init', () => {
  it('writes a YAML config with the schema line and the schema, then prints the next steps', async () => {
    const dir = tempDir('init');
    const r = await meshobs(dir, 'init');
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual([JSON_SCHEMA_FILE, 'meshobs.config.yaml']);
    const text = readFileSync(join(dir, 'meshobs.config.yaml'), 'utf8');
    expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=./${JSON_SCHEMA_FILE}`);
    expect(readFileSync(join(dir, JSON_SCHEMA_FILE), 'utf8')).toBe(configJsonSchemaText());
    expect(r.stdout.split('\n').slice(1)).toEqual(['next:', ...[...NEXT_STEPS, SCHEMA_STEP].map((l) => `  ${l}`)]);
    const build = await meshobs(dir, 'build');
    expect(build.code, build.stderr).toBe(0);
    expect(existsSync(join(dir, 'dist', 'bundle', 'kustomization.yaml'))).toBe(true);
  });

  it('answers the cluster profile from flags, and the bundle follows it', async () => {
    const dir = tempDir('init');
    const flags = ['--cluster', 'prod-eu', '--prometheus', 'plain', '--operators', 'grafana,kiali', '--kubernetes-version', '1.34'];
    expect((await meshobs(dir, 'init', ...flags)).code).toBe(0);
    const config = parse(readFileSync(join(dir, 'meshobs.config.yaml'), 'utf8'));
    expect(config.cluster.name).toBe('prod-eu');
    expect(config.profile).toEqual({
      prometheus: 'plain',
      operators: { grafana: true, kiali: true, opentelemetry: false },
      kubernetesVersion: '1.34',
    });
    expect((await meshobs(dir, 'build')).code).toBe(0);
    // Operators the cluster has get their CRs in the base; what it lacks (prometheus-operator) an overlay.
    expect(readdirSync(join(dir, 'dist', 'bundle', 'overlays'))).toEqual(['prometheus-operator']);
    const kiali = parse(readFileSync(join(dir, 'dist', 'bundle', 'kiali', 'kustomization.yaml'), 'utf8')).resources as string[];
    expect(kiali).toContain('kiali-istio-system-kiali.yaml');
  });

  it('names the flag when its value is not a valid config value', async () => {
    const dir = tempDir('init');
    const r = await meshobs(dir, 'init', '--kubernetes-version', 'v1.30');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^meshobs: --kubernetes-version: /);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('prints the next steps exactly as the README gives them', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const use = readme.slice(readme.indexOf('## Use meshobs'));
    const block = /```sh\n([\s\S]*?)```/.exec(use)![1]!.split('\n');
    for (const step of [...NEXT_STEPS, SCHEMA_STEP]) expect(block, step).toContain(step);
  });

  /** The TypeScript config `init --format ts` writes in `dir`, pointed at this repository's defineConfig. */
  async function initTs(dir: string) {
    const r = await meshobs(dir, 'init', '--format', 'ts');
    expect(r.code, r.stderr).toBe(0);
    const [file] = readdirSync(dir).filter((f) => f.startsWith('meshobs.config.'));
    const text = readFileSync(join(dir, file!), 'utf8');
    expect(text).toContain(`import { defineConfig } from '${CONFIG_MODULE}';`);
    // Outside the repository the module resolves from the user's node_modules; here, point it at the source.
    const spec = pathToFileURL(join(REPO_ROOT, 'packages', 'cli', 'src', 'config.ts')).href;
    writeFileSync(join(dir, file!), text.replace(`'${CONFIG_MODULE}'`, `'${spec}'`));
    return { ...r, file };
  }

  it('writes meshobs.config.ts in an ES module project, and it builds', async () => {
    const dir = tempDir('init');
    writeFileSync(join(dir, 'package.json'), '{ "name": "mesh", "type": "module" }\n');
    const r = await initTs(dir);
    expect(r.file).toBe('meshobs.config.ts');
    expect(r.stdout.split('\n')[0]).toBe('meshobs: wrote meshobs.config.ts');
    const build = await meshobs(dir, 'build');
    expect(build.code, build.stderr).toBe(0);
  });

  it.each([
    ['an npm init project ("type": "commonjs")', '{ "name": "mesh", "type": "commonjs" }\n', 'package.json does not say "type": "module"'],
    ['a package.json without "type"', '{ "name": "mesh" }\n', 'package.json does not say "type": "module"'],
  ])('writes meshobs.config.mts in %s, says why, and it builds', async (_name, pkg, why) => {
    const dir = tempDir('init');
    writeFileSync(join(dir, 'package.json'), pkg);
    const r = await initTs(dir);
    expect(r.file).toBe('meshobs.config.mts');
    expect(r.stdout.split('\n')[0]).toBe(
      `meshobs: wrote meshobs.config.mts (.mts, an ES module anywhere: ${why}, and Node loads a .ts file there as CommonJS)`,
    );
    // Through the real executable: Node's own loader decides the module type, as for a user.
    const build = spawnSync(process.execPath, [BIN, 'build'], { cwd: dir, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    expect(build.stdout).toContain('from meshobs.config.mts');
  });

  it("a .ts config in a CommonJS project fails with the way out, not only Node's error", () => {
    const dir = tempDir('init');
    writeFileSync(join(dir, 'package.json'), '{ "name": "mesh", "type": "commonjs" }\n');
    const spec = pathToFileURL(join(REPO_ROOT, 'packages', 'cli', 'src', 'config.ts')).href;
    writeFileSync(join(dir, 'meshobs.config.ts'), `import { defineConfig } from '${spec}';\nexport default defineConfig({});\n`);
    const build = spawnSync(process.execPath, [BIN, 'build'], { cwd: dir, encoding: 'utf8' });
    expect(build.status).toBe(1);
    expect(build.stderr).toContain(
      'Cannot use import statement outside a module (Node loaded it as CommonJS because ' +
        `${join(dir, 'package.json')} does not say "type": "module": rename it to meshobs.config.mts, which is an ES module anywhere, or add "type": "module" to package.json)`,
    );
  });

  it.each(['meshobs.config.ts', 'meshobs.config.mts', 'meshobs.config.yaml', 'meshobs.config.json', JSON_SCHEMA_FILE])(
    'never overwrites: %s already there',
    async (existing) => {
      const dir = tempDir('init');
      writeFileSync(join(dir, existing), 'mine\n');
      const r = await meshobs(dir, 'init');
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${existing} already exists here; init never overwrites: nothing was written`);
      expect(readdirSync(dir)).toEqual([existing]);
      expect(readFileSync(join(dir, existing), 'utf8')).toBe('mine\n');
    },
  );
});
