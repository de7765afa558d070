// Every alert scenario on reduced data: the promtool unit tests of every alert and recording rule,
// with their input series reduced by the cardinality profile the way Prometheus would store them
// (the removed tags gone, the dropped series never ingested), still pass on the real promtool.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderAlerts, renderRuleTests, seriesValues, type TestCase } from '@meshobs/alerts';
import { parseConfig } from '@meshobs/config';
import { toYaml } from '@meshobs/kube';
import { resolveModel, ruleGroups } from '@meshobs/model';
import { applyPlan, type CardinalityPlan } from '@meshobs/signals';
import { missingTools, tempDir, toolPath } from '@meshobs/testkit';
import { describe, expect, it } from 'vitest';

const ALL_ON = { removeUnreadIstioLabels: true, dropUnreadIstioMetrics: true, dropUnreadReporterSeries: true };
// Without Kiali, whose reads keep most labels: the strongest reduction the profile makes.
const config = parseConfig({
  cardinality: ALL_ON,
  kiali: { enabled: false },
  alerts: { slo: { enabled: true } },
  istio: { gateways: { egress: { enabled: true } } },
});

/** promtool's `name{a="x", b="y"}` (as the rule tests write it: sorted, no escapes) back to parts. */
function parseSeries(series: string): { name: string; labels: Record<string, string> } {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\}$/.exec(series);
  if (!m) throw new Error(`not a series: ${series}`);
  return { name: m[1]!, labels: Object.fromEntries([...m[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!])) };
}
const render = (name: string, labels: Record<string, string>) =>
  `${name}{${Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]}"`)
    .join(', ')}}`;

type Sample = number | null | 'stale';
/** promtool's expanding notation back to samples: `a+bxn` is n+1 values, `_xn` n blanks. */
function expand(values: string): Sample[] {
  return values.split(/\s+/).flatMap((tok): Sample[] => {
    if (tok === 'stale') return ['stale'];
    const blank = /^_(?:x(\d+))?$/.exec(tok);
    if (blank) return Array<Sample>(Number(blank[1] ?? 1)).fill(null);
    const run = /^(-?[\d.e+-]+?)(?:([+-])([\d.e+-]+))?x(\d+)$/.exec(tok);
    if (run) {
      const [a, sign, b, n] = [Number(run[1]), run[2], Number(run[3] ?? 0), Number(run[4])];
      return Array.from({ length: n + 1 }, (_, k) => a + (sign === '-' ? -b : b) * k);
    }
    return [Number(tok)];
  });
}

/** Two series Envoy reports as one once a label is gone: their samples add up. */
function sumValues(a: string, b: string): string {
  const [x, y] = [expand(a), expand(b)];
  if (x.length !== y.length) throw new Error(`cannot merge series of ${x.length} and ${y.length} samples`);
  return seriesValues(x.map((v, i) => (typeof v === 'number' && typeof y[i] === 'number' ? v + (y[i] as number) : (v ?? y[i]!))));
}

/** The test case's input as Prometheus would hold it under the plan; counts what changed. */
function reduce(plan: CardinalityPlan, t: TestCase, stats: { dropped: number; relabelled: number }): TestCase {
  const out = new Map<string, string>();
  for (const s of t.input_series) {
    const { name, labels } = parseSeries(s.series);
    const reduced = applyPlan(plan, name, labels);
    if (!reduced) {
      stats.dropped++;
      continue;
    }
    const series = render(name, reduced);
    if (series !== s.series) stats.relabelled++;
    const merged = out.get(series);
    out.set(series, merged === undefined ? s.values : sumValues(merged, s.values));
  }
  return { ...t, input_series: [...out].map(([series, values]) => ({ series, values })) };
}

/** Runs every rule-test suite with its inputs reduced by `plan`, on the real promtool. */
function runReduced(plan: CardinalityPlan) {
  const dir = tempDir('cardinality-rules');
  mkdirSync(join(dir, 'tests'));
  writeFileSync(
    join(dir, 'rules.yml'),
    renderAlerts({ ...resolveModel(config), cardinality: plan }).files.find((f) => f.path === 'rules.yml')!.content,
  );
  const { suites } = renderRuleTests(resolveModel(config));
  const order = ruleGroups(config).map((g) => g.name);
  const stats = { dropped: 0, relabelled: 0 };
  for (const suite of suites)
    writeFileSync(
      join(dir, 'tests', `${suite.name}.yml`),
      toYaml({
        rule_files: ['../rules.yml'],
        evaluation_interval: '1m',
        group_eval_order: order,
        tests: suite.tests.map((t) => reduce(plan, t, stats)),
      }),
    );
  const r = spawnSync(toolPath('promtool')!, ['test', 'rules', ...suites.map((s) => join('tests', `${s.name}.yml`))], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 600_000,
  });
  return { stats, status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe.skipIf(missingTools('promtool'))('alert scenarios on data reduced by the cardinality profile', () => {
  const plan = resolveModel(config).cardinality;

  it('every promtool rule test passes with its inputs reduced', () => {
    expect(plan.removeLabels.length).toBeGreaterThan(5);
    const r = runReduced(plan);
    // The reduction is real: labels were removed from the inputs, and the scenarios still hold.
    expect(r.stats.relabelled).toBeGreaterThan(10);
    expect(r.status, r.out.slice(-4000)).toBe(0);
    expect(r.out).toMatch(/SUCCESS/);
  }, 900_000);

  it('fails when a plan removes a label the alerts read (the check can fail)', () => {
    const r = runReduced({ ...plan, removeLabels: [...plan.removeLabels, 'response_code'] });
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/FAILED/);
  }, 900_000);
});
