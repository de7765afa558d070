// The other half of the one-home check of @meshobs/signals: every raw metric the bundle's rules and
// panels read is one of the names it registers (RAW_METRICS), so a name typed straight into a query
// cannot slip past the single-home scan by being unregistered.

import { parseConfig } from '@meshobs/config';
import { resolveModel, ruleGroups } from '@meshobs/model';
import { panelsOf, queriesOf, variablesOf } from '@meshobs/qa/inspect';
import { RAW_METRICS } from '@meshobs/signals';
import { describe, expect, it } from 'vitest';
import { buildDashboards } from '../src/index.ts';

/** Metric-looking identifiers of an expression; recording-rule names (with colons) and label names left out. */
function metricsOf(expr: string): string[] {
  const noStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const names = noStrings.match(/(?<![A-Za-z0-9_:])[a-z][a-z0-9_]*(?![A-Za-z0-9_:])/g) ?? [];
  return names.filter((n) => /^(istio|envoy|pilot|citadel|otelcol|kube|container|process|go|traces_span_metrics)_/.test(n));
}

describe('raw metrics the bundle reads', () => {
  const config = parseConfig({ alerts: { slo: { enabled: true } }, istio: { gateways: { egress: { enabled: true } } } });
  const exprs = [
    ...ruleGroups(config).flatMap((g) => g.rules.map((r) => r.expr)),
    ...buildDashboards(resolveModel(config)).flatMap((d) => [
      ...panelsOf(d).flatMap((p) => queriesOf(p).map((q) => q.expr)),
      ...variablesOf(d).map((v) => JSON.stringify(v.query ?? '')),
    ]),
  ];
  const used = [...new Set(exprs.flatMap(metricsOf))].sort();

  it('finds the metrics (sanity)', () => {
    expect(used).toContain('istio_requests_total');
    expect(used).toContain('pilot_xds_pushes');
    expect(used).toContain('otelcol_exporter_queue_size');
    expect(metricsOf('sum(rate(istio_tcp_foo_total{job="x"}[5m]))')).toEqual(['istio_tcp_foo_total']);
    expect(metricsOf('service:istio_requests:rate5m > 0')).toEqual([]);
  });

  it(`are all registered in @meshobs/signals (${used.length} names)`, () => {
    expect(used.filter((n) => !RAW_METRICS.includes(n))).toEqual([]);
  });
});
