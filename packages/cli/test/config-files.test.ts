// How each kind of config file is read: every unreadable one is exit 1 with the file and the reason.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, tempDir } from '@meshobs/testkit';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { meshobs } from './helpers.ts';

const SPEC = join(REPO_ROOT, 'packages/config/src/index.ts');
const CONFIG = {
  services: [{ name: 'shop', namespace: 'shop', owner: 'store' }],
  alertmanager: { teams: { store: { type: 'webhook', secret: { name: 'am-store' } } } },
};

const BIN = join(REPO_ROOT, 'packages/cli/bin/meshobs.js');

/** In-process for data files; TypeScript configs through the real executable, so Node's own loader reads them. */
async function build(files: Record<string, string>, config = Object.keys(files)[0]!) {
  const dir = tempDir('config-files');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  // CPU time of this process (data files are read in process), not the wall clock: a loaded machine
  // stretches the second, not the first. Meaningless for the spawned TypeScript case, which no bound reads.
  const started = process.cpuUsage();
  const argv = ['build', '--config', config, '--out', 'bundle'];
  const r = config.endsWith('.ts')
    ? (({ status, stdout, stderr }) => ({ code: status, stdout, stderr }))(
        spawnSync(process.execPath, [BIN, ...argv], { cwd: dir, encoding: 'utf8' }),
      )
    : await meshobs(dir, ...argv);
  const cpu = process.cpuUsage(started);
  return { ...r, cpuMs: (cpu.user + cpu.system) / 1000, wrote: existsSync(join(dir, 'bundle')), dir };
}

async function expectRejected(files: Record<string, string>, message: RegExp) {
  const r = await build(files);
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`invalid meshobs config \\(.*${Object.keys(files)[0]!.replace('.', '\\.')}\\)`));
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  expect(r.wrote).toBe(false);
  return r;
}

describe('YAML and JSON configs', () => {
  it('an empty file is an error, not a default bundle', async () => {
    for (const [name, text] of [
      ['empty.yaml', ''],
      ['comments.yaml', '# nothing here yet\n'],
      ['empty.json', ''],
      ['null.json', 'null'],
    ]) {
      await expectRejected({ [name!]: text! }, /the file is empty|cannot be read/);
    }
  });

  it('JSON with a byte-order mark reads like YAML', async () => {
    const r = await build({ 'bom.json': `\uFEFF${JSON.stringify(CONFIG)}` });
    expect(r.code, r.stderr).toBe(0);
  });

  it('a key given twice is an error in YAML and in JSON', async () => {
    await expectRejected(
      { 'dup.yaml': 'services:\n  - name: a\nservices:\n  - name: b\n' },
      /\n {2}dup\.yaml:3:1: invalid YAML: Map keys must be unique\n {4} {2}- name: a\n {4}services:\n {4}\^$/,
    );
    await expectRejected(
      { 'dup.json': '{"services": [{"name": "a", "name": "b"}]}' },
      /\n {2}dup\.json:1:29: invalid JSON: Map keys must be unique\n/,
    );
  });

  it('JSON syntax is checked as JSON', async () => {
    await expectRejected(
      { 'loose.json': "{services: [{name: 'a'}]}" },
      /\n {2}loose\.json:1:2: invalid JSON: Expected property name or '\}'\n {4}\{services/,
    );
  });

  it('a YAML syntax error names the file, line and column, and shows the line', async () => {
    const r = await expectRejected(
      { 'meshobs.config.yaml': 'services:\n  - name: shop\n    port: [9898\n  - name: cart\n' },
      /\n {2}meshobs\.config\.yaml:4:\d+: invalid YAML: .+\n/,
    );
    expect(r.stderr).not.toContain('(root)');
    const alias = await expectRejected(
      { 'alias.yaml': 'services:\n  - name: shop\n    port: *p\n' },
      /\n {2}alias\.yaml:3:11: invalid YAML: Unresolved alias/,
    );
    expect(alias.stderr).toContain('        port: *p\n              ^');
  });

  it('a field that fails the schema names its line in the file too', async () => {
    const r = await expectRejected(
      {
        'meshobs.config.yaml':
          'services:\n  - name: shop\n    namespace: store\n  - name: cart\n    namespace: store\n    port: 99999\nalerts:\n  hihg5xxErrorRate: {}\ntracing:\n  sampling: {}\n',
      },
      /\n {2}services\[1\]\.port: 99999 is not between 1 and 65535 \(meshobs\.config\.yaml:6\)\n/,
    );
    expect(r.stderr).toContain('alerts.hihg5xxErrorRate: unknown key (did you mean "high5xxErrorRate"?) (meshobs.config.yaml:8)');
    const json = await expectRejected(
      { 'c.json': '{\n  "services": [\n    { "name": "shop", "port": 0 }\n  ]\n}\n' },
      /services\[0\]\.port: 0 is not between 1 and 65535 \(c\.json:3\)/,
    );
    expect(json.code).toBe(1);
  });

  it('YAML merge keys work', async () => {
    const text = [
      'defaults: &svc',
      '  namespace: shop',
      '  owner: store',
      'services:',
      '  - <<: *svc',
      '    name: shop',
      'alertmanager:',
      '  teams:',
      '    store: { type: webhook, secret: { name: am-store } }',
      '',
    ].join('\n');
    // `defaults` is not a config key: an unknown key, even when it only holds an anchor.
    expect((await build({ 'merge.yaml': text })).stderr).toMatch(/defaults: unknown key/);
    const withAnchor = await build({
      'anchor.yaml': ['services:', '  - &svc {name: shop, namespace: shop, port: 8080}', '  - <<: *svc', '    name: cart', ''].join('\n'),
    });
    expect(withAnchor.code, withAnchor.stderr).toBe(0);
    // Both services, the second merged from the first's anchor, reach the rules; no demo is deployed.
    const rules = readFileSync(join(withAnchor.dir, 'bundle', 'alerts', 'rules.yml'), 'utf8');
    expect(rules).toMatch(/destination_service_name=~?"([^"]*\|)?cart(\|[^"]*)?"/);
    expect(existsSync(join(withAnchor.dir, 'bundle', 'demo'))).toBe(false);
    const dupAfterMerge = await build({
      'anchor.yaml': ['services:', '  - &svc {name: shop, namespace: shop}', '  - <<: *svc', ''].join('\n'),
    });
    expect(dupAfterMerge.code).toBe(1);
    expect(dupAfterMerge.stderr).toMatch(/services\[1\]/);
  });

  it('a 5 MB config gets a clear error at once', async () => {
    const big = stringify({ ...CONFIG, padding: 'x'.repeat(5 * 1024 * 1024) });
    const r = await expectRejected({ 'big.yaml': big }, /is 5\.0 MiB; a meshobs config may be at most 2 MiB/);
    expect(r.cpuMs).toBeLessThan(5_000);
  });

  it('a deeply nested config gets a clear error in bounded time', async () => {
    for (const [name, text] of [
      ['deep.json', `{"services": ${'['.repeat(50_000)}${']'.repeat(50_000)}}`],
      ['deep.yaml', `services: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`],
      ['deepmap.yaml', `${Array.from({ length: 40 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n')} 1\n`],
    ]) {
      const r = await expectRejected({ [name!]: text! }, /nested more than 32 levels deep/);
      expect(r.cpuMs, name).toBeLessThan(5_000);
    }
  });
});

describe('TypeScript configs', () => {
  const header = `import { defineConfig } from '${SPEC}';\n`;

  it('a syntax error names the file and line', async () => {
    await expectRejected(
      { 'meshobs.config.ts': `${header}export default defineConfig({\n  services: [{ name: 'a' ]\n});\n` },
      /syntax error at meshobs\.config\.ts:3/,
    );
  });

  it('a config that throws names the file, line and message', async () => {
    await expectRejected(
      {
        'meshobs.config.ts': `${header}const env = (k: string): string => {\n  throw new Error(\`\${k} is not set\`);\n};\nexport default defineConfig({ services: [{ name: env('SVC') }] });\n`,
      },
      /threw an error while loading at meshobs\.config\.ts:3:\d+: SVC is not set/,
    );
  });

  it('a getter that throws is an error of the config, at its field', async () => {
    const r = await expectRejected(
      {
        'meshobs.config.ts': `${header}const service = { get name(): string { throw new Error('SVC is not set'); } };\nexport default defineConfig({ services: [service] });\n`,
      },
      /services\[0\]\.name: cannot be read: SVC is not set/,
    );
    expect(r.code).toBe(1);
  });

  it('a config without a default export exits 1', async () => {
    await expectRejected(
      { 'meshobs.config.ts': `${header}export const config = defineConfig(${JSON.stringify(CONFIG)});\n` },
      /has no default export/,
    );
  });

  it('an empty default export exits 1', async () => {
    await expectRejected({ 'meshobs.config.ts': 'export default undefined;\n' }, /the default export is empty/);
  });
});
