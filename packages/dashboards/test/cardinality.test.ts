// The cardinality profile against the bundle's own queries: no setting removes a label or drops a
// series that a rule or a panel reads, checked on the expressions and on every series of a
// synthetic mesh.
import { type MeshobsConfig, parseConfig } from '@meshobs/config';
import { resolveModel } from '@meshobs/model';
import { applyPlan, brokenReads, derivePlan, ISTIO_STANDARD_LABELS, istioReads, KIALI_READS, matcherAccepts } from '@meshobs/signals';
import { buildMesh } from '@meshobs/synthetic-mesh';
import { describe, expect, it } from 'vitest';
import { dashboardQueries } from '../src/index.ts';

/** Every read of the series for a config: its rules, every dashboard query, and Kiali's when wired. */
const bundleQueries = (config: MeshobsConfig): string[] => {
  const model = resolveModel(config);
  return [
    ...(config.kiali.enabled ? KIALI_READS : []),
    ...model.ruleGroups.flatMap((g) => g.rules.map((r) => r.expr)),
    ...dashboardQueries(model),
  ];
};

const ALL_ON = { removeUnreadIstioLabels: true, dropUnreadIstioMetrics: true, dropUnreadReporterSeries: true };
const configs = [
  ['default settings', parseConfig({})],
  ['every setting on', parseConfig({ cardinality: ALL_ON })],
  ['every setting on, without Kiali', parseConfig({ cardinality: ALL_ON, kiali: { enabled: false } })],
  [
    'every setting on, SLOs and the egress gateway',
    parseConfig({ cardinality: ALL_ON, alerts: { slo: { enabled: true } }, istio: { gateways: { egress: { enabled: true } } } }),
  ],
] as const;

const parse = (rendered: string): Record<string, string> =>
  Object.fromEntries([...rendered.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));

describe('cardinality profile', () => {
  it('is empty by default', () => {
    expect(resolveModel(configs[0][1]).cardinality).toEqual({ removeLabels: [], removeByMetric: [], drops: [] });
  });

  it.each(configs)('%s: breaks no read of any rule or panel', (_n, config) => {
    expect(brokenReads(resolveModel(config).cardinality, bundleQueries(config))).toEqual([]);
  });

  it('keeps every label and series Kiali reads when the bundle wires Kiali (its graph groups by them)', () => {
    const config = configs[1][1];
    expect(config.kiali.enabled).toBe(true);
    expect(brokenReads(resolveModel(config).cardinality, KIALI_READS)).toEqual([]);
    // Kiali v2.29's graph and security badges (graph/telemetry/istio/istio.go, appender/security_policy.go).
    for (const l of [
      'source_canonical_service',
      'destination_canonical_service',
      'destination_service',
      'request_protocol',
      'grpc_response_status',
      'source_principal',
    ])
      expect(resolveModel(config).cardinality.removeLabels).not.toContain(l);
    // The old plan, derived from the bundle's own queries only, broke Kiali's graph.
    const withoutKiali = derivePlan(config.cardinality, bundleQueries(configs[2][1]));
    expect(brokenReads(withoutKiali, KIALI_READS).join('\n')).toMatch(/needs label destination_canonical_service/);
  });

  it('with every setting on and no Kiali, removes labels and drops series (the profile is not a no-op)', () => {
    const plan = resolveModel(configs[2][1]).cardinality;
    expect(plan.removeLabels).toEqual(expect.arrayContaining(['source_principal', 'destination_canonical_service', 'request_protocol']));
    expect(plan.removeLabels).not.toContain('reporter');
    // The size histograms are read at the server side only; the client-side views read the
    // source-reported requests and duration buckets, so those stay.
    const regexes = plan.drops.map((d) => d.regex).join(' ');
    expect(regexes).toMatch(/istio_request_bytes_sum.*istio_request_messages_total.* \(\?:istio_request_bytes_bucket.*;source/);
    expect(regexes).not.toMatch(/istio_request_duration_milliseconds_bucket/);
  });

  it.each(configs.slice(1))('%s: every synthetic series a query selects survives with every label it needs', (_n, config) => {
    const plan = resolveModel(config).cardinality;
    const reads = istioReads(bundleQueries(config));
    const mesh = buildMesh({ sizeHistograms: true });
    let selected = 0;
    const failures: string[] = [];
    for (const f of mesh.families)
      for (const s of f.series()) {
        const labels = parse(s.labels);
        const reduced = applyPlan(plan, s.name, labels);
        for (const r of reads) {
          if (r.metric !== s.name || !r.matchers.every((m) => matcherAccepts(m, labels[m.name]))) continue;
          selected++;
          const needs = r.labels === 'all' ? ISTIO_STANDARD_LABELS : [...r.labels, ...r.matchers.map((m) => m.name)];
          if (!reduced) failures.push(`${s.name}${s.labels} dropped`);
          else for (const l of needs) if (labels[l] !== undefined && reduced[l] !== labels[l]) failures.push(`${s.name} lost ${l}`);
        }
      }
    expect(selected).toBeGreaterThan(1000);
    expect([...new Set(failures)]).toEqual([]);
  });
});
