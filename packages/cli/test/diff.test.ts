import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@meshobs/testkit';
import { describe, expect, it } from 'vitest';
import { diffBundles, formatDiff, identityOf, isRuleTestFile } from '../src/diff.ts';
import { meshobs, REPO_CONFIG } from './helpers.ts';

const obj = (kind: string, name: string, extra = '') =>
  `apiVersion: v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n  namespace: ns\n${extra}`;

describe('diffBundles', () => {
  it('names objects by kind and namespace/name, plain files by path', () => {
    expect(identityOf('a/config-map-ns-x.yaml', obj('ConfigMap', 'x'))).toBe('ConfigMap ns/x');
    expect(identityOf('a/kustomization.yaml', 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n')).toBe(
      'a/kustomization.yaml',
    );
    expect(identityOf('dashboards/x.json', '{}')).toBe('dashboards/x.json');
  });

  it('reports changed, added and removed objects with unified hunks', () => {
    const before = new Map([
      ['c/config-map-ns-keep.yaml', obj('ConfigMap', 'keep', 'data:\n  a: "1"\n')],
      ['c/config-map-ns-edit.yaml', obj('ConfigMap', 'edit', 'data:\n  replicas: "2"\n')],
      ['c/config-map-ns-gone.yaml', obj('ConfigMap', 'gone')],
    ]);
    const after = new Map([
      ['c/config-map-ns-keep.yaml', obj('ConfigMap', 'keep', 'data:\n  a: "1"\n')],
      ['c/config-map-ns-edit.yaml', obj('ConfigMap', 'edit', 'data:\n  replicas: "3"\n')],
      ['c/service-ns-new.yaml', obj('Service', 'new')],
    ]);
    const d = diffBundles(before, after);
    expect(d.unchanged).toBe(1);
    expect(d.changes.map((c) => `${c.kind} ${c.id}`)).toEqual([
      'changed ConfigMap ns/edit',
      'removed ConfigMap ns/gone',
      'added Service ns/new',
    ]);
    const edit = d.changes[0]!.patch;
    expect(edit).toContain('-  replicas: "2"');
    expect(edit).toContain('+  replicas: "3"');
    expect(edit).toContain('@@');
    const text = formatDiff(d).join('\n');
    expect(text.split('\n')[0]).toBe('1 changed, 1 added, 1 removed, 1 unchanged');
    expect(text).toContain('~ ConfigMap ns/edit  (c/config-map-ns-edit.yaml)');
    expect(text).toContain('+ Service ns/new');
    expect(text).toContain('- ConfigMap ns/gone');
  });

  it('pairs a moved object by identity instead of reporting remove + add', () => {
    const d = diffBundles(new Map([['a/x.yaml', obj('ConfigMap', 'x')]]), new Map([['b/x.yaml', obj('ConfigMap', 'x')]]));
    expect(d.changes).toHaveLength(1);
    expect(d.changes[0]).toMatchObject({ kind: 'changed', oldPath: 'a/x.yaml', newPath: 'b/x.yaml' });
  });
});

describe('meshobs diff --against', () => {
  it('prints nothing changed against its own build, and the edit after one', async () => {
    const dir = tempDir('diff');
    const out = join(dir, 'bundle');
    expect((await meshobs(dir, 'build', '--config', REPO_CONFIG, '--out', out)).code).toBe(0);

    const same = await meshobs(dir, 'diff', '--config', REPO_CONFIG, '--against', out, '--exit-code');
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/^0 changed, 0 added, 0 removed, \d+ unchanged$/);

    // The default profile has no kiali-operator: its Kiali CR is in the opt-in overlay.
    const kiali = join(out, 'overlays', 'kiali-operator', 'kiali-istio-system-kiali.yaml');
    writeFileSync(kiali, readFileSync(kiali, 'utf8').replace('replicas: 2', 'replicas: 7'));
    renameSync(join(out, 'kiali', 'network-policy-istio-system-kiali.yaml'), join(dir, 'moved-away.yaml'));
    writeFileSync(join(out, 'stale.yaml'), obj('ConfigMap', 'stale'));
    const changed = await meshobs(dir, 'diff', '--config', REPO_CONFIG, '--against', out);
    expect(changed.code).toBe(0);
    expect(changed.stdout).toMatch(/^1 changed, 1 added, 1 removed, \d+ unchanged$/m);
    expect(changed.stdout).toContain('~ Kiali istio-system/kiali');
    expect(changed.stdout).toContain('-    replicas: 7');
    expect(changed.stdout).toContain('+    replicas: 2');
    expect(changed.stdout).toContain('+ NetworkPolicy istio-system/kiali');
    expect(changed.stdout).toContain('- ConfigMap ns/stale');
    expect((await meshobs(dir, 'diff', '--config', REPO_CONFIG, '--against', out, '--exit-code')).code).toBe(1);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is a usage error without --against or with a missing folder', async () => {
    const dir = tempDir('diff-usage');
    expect((await meshobs(dir, 'diff', '--config', REPO_CONFIG)).code).toBe(2);
    const missing = await meshobs(dir, 'diff', '--config', REPO_CONFIG, '--against', join(dir, 'nope'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('not a bundle folder');
    expect((await meshobs(dir, 'build', '--against', dir)).code).toBe(2);
  });
});

describe('meshobs diff after one threshold change', () => {
  /** Two builds of the example config that differ in the 5xx alert threshold only. */
  async function thresholdChange() {
    const dir = tempDir('diff-threshold');
    const config = (threshold: number) => {
      writeFileSync(join(dir, 'c.yaml'), `alerts:\n  high5xxErrorRate:\n    threshold: ${threshold}\n`);
      return join(dir, 'c.yaml');
    };
    expect((await meshobs(dir, 'build', '--config', config(0.02), '--out', join(dir, 'before'))).code).toBe(0);
    config(0.03);
    const diff = (...flags: string[]) => meshobs(dir, 'diff', '--config', join(dir, 'c.yaml'), '--against', join(dir, 'before'), ...flags);
    return { diff };
  }

  it('folds the regenerated promtool rule-test files into one line, unless --all', async () => {
    const { diff } = await thresholdChange();
    const d = await diff();
    expect(d.code).toBe(0);
    const lines = d.stdout.split('\n');
    const folded = lines.filter((l) => l.includes('generated promtool rule-test file'));
    expect(folded).toHaveLength(1);
    expect(folded[0]).toMatch(
      /^~ \d+ generated promtool rule-test files? {2}\+\d+ -\d+ {2}\(.*High5xxErrorRate\.yml.*; --all shows them\)$/,
    );
    expect(d.stdout).not.toMatch(/^~ alerts\/tests\//m);
    // The rules' own change is shown in full.
    expect(d.stdout).toMatch(/^-.*\b0\.02\b/m);
    expect(d.stdout).toMatch(/^\+.*\b0\.03\b/m);
    // The rule-test files hold the long input series lines: without them no line is a wall of text.
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(400);
    expect(lines.length).toBeLessThan(200);
    const all = await diff('--all');
    expect(all.stdout).toContain('~ alerts/tests/High5xxErrorRate.yml');
    expect(all.stdout).not.toContain('generated promtool rule-test files');
    expect(all.stdout.split('\n').length).toBeGreaterThan(lines.length);
  });

  it('--summary prints one line per changed object or file with its +/- line counts', async () => {
    const { diff } = await thresholdChange();
    const s = await diff('--summary');
    expect(s.code).toBe(0);
    const [head, ...rest] = s.stdout.split('\n');
    expect(head).toMatch(/^\d+ changed, 0 added, 0 removed, \d+ unchanged$/);
    expect(rest).toContainEqual(expect.stringMatching(/^~ alerts\/rules\.yml {2}\+[1-9]\d* -[1-9]\d*$/));
    expect(rest).toContainEqual(expect.stringMatching(/^~ PrometheusRule \S+ {2}\(alerts\/.+\.yaml\) {2}\+[1-9]\d* -[1-9]\d*$/));
    for (const line of rest) expect(line).toMatch(/^[~+-] .+ {2}\+\d+ -\d+( {2}\(.*--all shows them\))?$/);
    expect(rest.filter((l) => l.includes('rule-test'))).toHaveLength(1);
    const all = await diff('--summary', '--all');
    const tests = all.stdout.split('\n').filter((l) => l.startsWith('~ alerts/tests/'));
    expect(tests.length).toBeGreaterThanOrEqual(1);
    expect(tests.length).toBe(Number(/~ (\d+) generated/.exec(s.stdout)![1]));
    expect((await diff('--summary', '--exit-code')).code).toBe(1);
  });
});

describe('isRuleTestFile', () => {
  it('knows a promtool unit-test file by its top-level keys, not its path', () => {
    expect(isRuleTestFile('x/t.yml', 'rule_files:\n  - ../rules.yml\ntests:\n  - interval: 1m\n')).toBe(true);
    expect(isRuleTestFile('alerts/tests/t.yml', 'groups:\n  - name: x\n')).toBe(false);
    expect(isRuleTestFile('t.json', '{"rule_files": [], "tests": []}')).toBe(false);
  });
});
