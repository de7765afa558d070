// Smoke tests of the benchmark helpers at toy size: no process is started.

import { configSchema } from '@meshobs/config';
import { ALERT_NAMES } from '@meshobs/model';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generatedConfig, linearity } from '../src/build-bench.ts';
import { allRegex, applyRegex, queryResultText } from '../src/dashboard-load.ts';
import { meshobsPlans, planOf } from '../src/dashboard-plan.ts';
import { panelStep, rateIntervalSeconds } from '../src/grafana.ts';
import { cpuModel } from '../src/machine.ts';
import { naiveRulesYaml } from '../src/naive-rules.ts';
import type { SizeResult } from '../src/prometheus-bench.ts';
import { bundleRulesYaml } from '../src/prometheus-bench.ts';
import { payoffTable } from '../src/report-prometheus.ts';
import { parseRuleGroupMetrics } from '../src/rule-eval.ts';
import { pickSizes, SIZES } from '../src/sizes.ts';
import { median, table } from '../src/stats.ts';

const config = configSchema.parse({});

describe('benchmark helpers', () => {
  it('computes medians and tables', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(table(['a', 'b'], [[1, 'x|y']])).toBe('| a | b |\n| --- | --- |\n| 1 | x\\|y |');
  });

  it('reads the CPU model and nothing else from cpuinfo', () => {
    expect(cpuModel('processor\t: 0\nmodel name\t: Example CPU @ 2.0GHz\n')).toBe('Example CPU @ 2.0GHz');
  });

  it('uses the step Grafana uses for a 1,500 px panel over 6 h', () => {
    expect(panelStep(6 * 3600, 1500, 15)).toBe(15);
    expect(panelStep(6 * 3600, 1500, 15, '1m')).toBe(60);
    expect(panelStep(24 * 3600, 1500, 15)).toBe(60);
    expect(rateIntervalSeconds(15, 15)).toBe(60);
  });

  it('writes the 8 alerts without reading any recording rule', () => {
    const bundle = bundleRulesYaml(config);
    const naive = parse(naiveRulesYaml(bundle, config)) as { groups: { rules: { alert: string; expr: string }[] }[] };
    const rules = naive.groups[0]!.rules;
    expect(new Set(rules.map((r) => r.alert))).toEqual(new Set(ALERT_NAMES));
    for (const r of rules) expect(r.expr, r.alert).not.toMatch(/\b[a-z_]+:[a-z0-9_]+:[a-z0-9_]+/);
  });

  it('plans a load of every panel target and variable', () => {
    const plans = meshobsPlans(config);
    expect(plans.length).toBeGreaterThan(0);
    for (const p of plans) expect(p.targets.length, p.uid).toBeGreaterThan(0);
    const istioLike = planOf('istio', {
      uid: 'x',
      title: 'X',
      templating: {
        list: [
          { name: 'svc', type: 'query', query: 'query_result(sum(m) by (s))', regex: '/.*s="([^"]*).*/', includeAll: true, multi: true },
        ],
      },
      panels: [
        {
          id: 1,
          type: 'timeseries',
          title: 'T',
          interval: '1m',
          targets: [{ refId: 'A', expr: 'sum(rate(m{s=~"$svc"}[$__rate_interval]))' }],
        },
      ],
    });
    expect(istioLike.variables[0]!.regex).toBe('/.*s="([^"]*).*/');
    expect(istioLike.targets[0]!.minInterval).toBe('1m');
  });

  it('resolves query_result variables as Grafana does', () => {
    const text = queryResultText({ metric: { s: 'a.b' }, value: [1, '2'] });
    expect(applyRegex([text], '/.*s="([^"]*).*/')).toEqual(['a.b']);
    expect(allRegex(['a.b', 'c'])).toBe('(a\\\\.b|c)');
  });

  it('reads rule group durations from /metrics', () => {
    const g = parseRuleGroupMetrics(
      'prometheus_rule_group_last_duration_seconds{rule_group="/r.yml;g"} 0.5\nprometheus_rule_group_rules{rule_group="/r.yml;g"} 3\n',
    );
    expect(g.get('/r.yml;g')).toEqual({ duration: 0.5, rules: 3 });
  });

  it('generates valid configs of any size and checks linearity', () => {
    expect(configSchema.parse(generatedConfig(20)).services).toHaveLength(20);
    expect(
      linearity([
        { n: 50, s: 1 },
        { n: 500, s: 1.45 },
      ]),
    ).toContain('1.00 ms per added service');
  });

  it('prices an hour of Prometheus CPU and finds the views per hour from which the bundle costs less', () => {
    const group = (name: string, cpuSeconds: number, intervalSeconds = 15) => ({
      group: name,
      intervalSeconds,
      rules: 1,
      seconds: cpuSeconds,
      ruleSeconds: {},
      cpuSeconds,
    });
    const dash = (origin: 'meshobs' | 'istio', uid: string, title: string, cpuSecondsPerLoad: number) =>
      ({ plan: { origin, uid, title }, cpuSecondsPerLoad }) as SizeResult['dashboards'][number];
    const result = {
      size: SIZES['10k']!,
      series: 11_812,
      // Bundle: 0.2 s every 15 s cycle plus a 1 m group of 0.172 s (a quarter per cycle) = 0.243 s; naive 0.058 s.
      queryCosts: [{ data: 'as generated', series: 11_812, bundle: [group('a', 0.2), group('b', 0.172, 60)], naive: [group('n', 0.058)] }],
      dashboards: [
        dash('meshobs', 'meshobs-mesh-overview', 'Overview', 0.05),
        dash('meshobs', 'meshobs-service', 'Service', 0.05),
        dash('meshobs', 'meshobs-tracing', 'Tracing', 9),
        dash('istio', '', 'Istio Mesh Dashboard', 0.1),
        dash('istio', '', 'Istio Control Plane Dashboard', 0.1),
        dash('istio', '', 'Istio Service Dashboard', 0.2),
        dash('istio', '', 'Istio Workload Dashboard', 9),
      ],
    } as unknown as SizeResult;
    const out = payoffTable([result]);
    // Rules per hour: 240 x 0.243 = 58.3 s = 1.0 CPU-min against 240 x 0.058 = 13.9 s; a view 0.1 s against 0.4 s
    // (the dashboards without a counterpart are not part of a view): (58.32 - 13.92) / 0.3 = 148 views per hour.
    expect(out).toContain('| 10k | 11,812 | 1.0 CPU-min vs 0.2 CPU-min | 100 ms vs 400 ms |');
    expect(out).toContain('**148 views/h**');
  });

  it('knows its sizes', () => {
    expect(pickSizes('toy,10k').map((s) => s.name)).toEqual(['toy', '10k']);
    expect(() => pickSizes('2m')).toThrow(/unknown size/);
  });
});
