// `meshobs init` writes a starter config that builds as is, carries the profile the flags describe,
// points editors at the JSON Schema, and never overwrites anything.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { configJsonSchemaText, JSON_SCHEMA_FILE } from '@meshobs/config';
import { REPO_ROOT, tempDir } from '@meshobs/testkit';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_MODULE } from '../src/init.ts';
import { meshobs } from './helpers.ts';

describe('meshobs init', () => {
  it('writes a YAML config with the schema line and the schema, then prints the next two commands', async () => {
    const dir = tempDir('init');
    const r = await meshobs(dir, 'init');
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual([JSON_SCHEMA_FILE, 'meshobs.config.yaml']);
    const text = readFileSync(join(dir, 'meshobs.config.yaml'), 'utf8');
    expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=./${JSON_SCHEMA_FILE}`);
    expect(readFileSync(join(dir, JSON_SCHEMA_FILE), 'utf8')).toBe(configJsonSchemaText());
    expect(r.stdout).toMatch(/next:\n {2}npx meshobs build .*\n {2}npx meshobs validate /);
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

  it('writes a TypeScript config that imports defineConfig and builds', async () => {
    const dir = tempDir('init');
    expect((await meshobs(dir, 'init', '--format', 'ts')).code).toBe(0);
    expect(readdirSync(dir)).toEqual(['meshobs.config.ts']);
    const text = readFileSync(join(dir, 'meshobs.config.ts'), 'utf8');
    expect(text).toContain(`import { defineConfig } from '${CONFIG_MODULE}';`);
    // Outside the repository the module resolves from the user's node_modules; here, point it at the source.
    const spec = pathToFileURL(join(REPO_ROOT, 'packages', 'cli', 'src', 'config.ts')).href;
    writeFileSync(join(dir, 'meshobs.config.ts'), text.replace(`'${CONFIG_MODULE}'`, `'${spec}'`));
    const build = await meshobs(dir, 'build');
    expect(build.code, build.stderr).toBe(0);
  });

  it.each(['meshobs.config.ts', 'meshobs.config.yaml', 'meshobs.config.json', JSON_SCHEMA_FILE])(
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
