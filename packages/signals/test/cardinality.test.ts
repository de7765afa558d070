// The PromQL reads the cardinality profile is derived from, and the plan's Prometheus semantics.
import { parseConfig } from '@meshobs/config';
import { describe, expect, it } from 'vitest';
import { applyPlan, brokenReads, derivePlan, ISTIO_STANDARD_LABELS, selectorReads } from '../src/index.ts';

const labelsOf = (expr: string) => selectorReads(expr).map((r) => [r.metric, r.labels === 'all' ? 'all' : [...r.labels].sort()]);
const ALL_ON = { removeUnreadIstioLabels: true, dropUnreadIstioMetrics: true, dropUnreadReporterSeries: true };

describe('selectorReads', () => {
  it('an aggregation by (L) needs L; without, topk and bare selectors need every label', () => {
    expect(labelsOf('sum by (a, b) (rate(m{x="1"}[5m]))')).toEqual([['m', ['a', 'b']]]);
    expect(labelsOf('sum(rate(m[5m])) by (a)')).toEqual([['m', ['a']]]);
    expect(labelsOf('sum without (a) (m)')).toEqual([['m', 'all']]);
    expect(labelsOf('topk by (a) (3, m)')).toEqual([['m', 'all']]);
    expect(labelsOf('rate(m[$__rate_interval]) > 0.5')).toEqual([['m', 'all']]);
  });

  it('histogram_quantile adds le; on (L) adds L to both sides; label_values reads its label', () => {
    expect(labelsOf('histogram_quantile(0.9, sum by (s, le) (rate(b[5m])))')).toEqual([['b', ['le', 's']]]);
    expect(labelsOf('histogram_quantile(0.9, rate(b[5m]))')).toEqual([['b', 'all']]);
    expect(labelsOf('sum by (a) (x) / on (a) group_left (c) sum by (a, c) (y)')).toEqual([
      ['x', ['a']],
      ['y', ['a', 'c']],
    ]);
    expect(labelsOf('max by (a) (x / on (a, b) y)')).toEqual([
      ['x', ['a', 'b']],
      ['y', ['a', 'b']],
    ]);
    expect(labelsOf('label_values(m{x="$ns"}, dst)')).toEqual([['m', ['dst']]]);
    expect(labelsOf('max by (d) (label_replace(m, "d", "$1", "s", "(.*)"))')).toEqual([['m', ['d', 's']]]);
  });

  it('parses precedence, unary minus, offsets, subqueries, or/unless and keeps matchers', () => {
    const [r] = selectorReads('-sum by (a) (rate(m{reporter="source", c=~"5.."}[5m] offset 1h)) ^ 2 ^ 1');
    expect(r!.matchers).toEqual([
      { name: 'reporter', op: '=', value: 'source' },
      { name: 'c', op: '=~', value: '5..' },
    ]);
    expect(labelsOf('max_over_time(sum by (a) (m)[1h:5m]) or vector(0)')).toEqual([['m', ['a']]]);
    expect(labelsOf('sum by (a) (m) unless sum by (a) (n)').map(([m]) => m)).toEqual(['m', 'n']);
    expect(() => selectorReads('sum by (a (m)')).toThrow(/PromQL: expected/);
  });
});

describe('derivePlan', () => {
  const exprs = [
    'sum by (destination_service_name, le) (rate(istio_request_duration_milliseconds_bucket{reporter="destination"}[5m]))',
    'sum by (destination_service_name, response_code) (rate(istio_requests_total{reporter=~"source|destination"}[5m]))',
  ];

  it('removes nothing when every setting is off', () => {
    expect(derivePlan(parseConfig({}).cardinality, exprs)).toEqual({ removeLabels: [], removeByMetric: [], drops: [] });
  });

  it('removes exactly the Istio labels no read needs, and drops unread metrics and reporters', () => {
    const plan = derivePlan(ALL_ON, exprs);
    const kept = ISTIO_STANDARD_LABELS.filter((l) => !plan.removeLabels.includes(l));
    expect(kept).toEqual(['reporter', 'destination_service_name', 'response_code']);
    expect(plan.drops.map((d) => d.regex)).toEqual([
      expect.stringContaining('istio_request_bytes_bucket'),
      'istio_request_duration_milliseconds_bucket;source',
    ]);
    expect(plan.drops[0]!.regex).not.toMatch(/istio_requests_total|istio_request_duration_milliseconds_bucket/);
    expect(brokenReads(plan, exprs)).toEqual([]);
  });

  it('removes per metric and side the labels no read of that metric on that side needs', () => {
    const plan = derivePlan(ALL_ON, exprs);
    expect(plan.removeByMetric).toEqual([{ metric: 'REQUEST_DURATION', reporter: 'destination', labels: ['response_code'] }]);
    const byCode = 'sum by (response_code, le) (rate(istio_request_duration_milliseconds_bucket{reporter="destination"}[5m]))';
    expect(brokenReads(plan, [...exprs, byCode])).toEqual([
      'istio_request_duration_milliseconds_bucket{reporter="destination"} needs label response_code, which removeByMetric removes',
    ]);
    expect(derivePlan(ALL_ON, [...exprs, byCode]).removeByMetric).toEqual([]);
    expect(derivePlan({ ...ALL_ON, removeUnreadIstioLabels: false }, exprs).removeByMetric).toEqual([]);
  });

  it('a read that keeps every label protects every label', () => {
    expect(derivePlan(ALL_ON, [...exprs, 'rate(istio_tcp_sent_bytes_total[5m])']).removeLabels).toEqual([]);
  });

  it('brokenReads sees a plan that drops or removes what a query reads', () => {
    const plan = derivePlan(ALL_ON, exprs);
    const more = [...exprs, 'sum by (source_app) (rate(istio_requests_total[5m]))', 'sum(rate(istio_request_bytes_sum[5m]))'];
    expect(brokenReads(plan, more)).toEqual([
      'istio_requests_total needs label source_app, which removeLabels removes',
      expect.stringMatching(/^istio_request_bytes_sum\{reporter="source"\} is read/),
      expect.stringMatching(/^istio_request_bytes_sum\{reporter="destination"\} is read/),
    ]);
  });

  it('applyPlan removes tags from Istio series only and runs drop rules as Prometheus does', () => {
    const plan = derivePlan(ALL_ON, exprs);
    const l = { reporter: 'source', destination_service_name: 'a', source_app: 'x', response_code: '200' };
    expect(applyPlan(plan, 'istio_requests_total', l)).toEqual({ reporter: 'source', destination_service_name: 'a', response_code: '200' });
    expect(applyPlan(plan, 'istio_request_duration_milliseconds_bucket', { ...l, le: '5' })).toBeUndefined();
    // No read of the server-side histogram needs response_code: it goes from that metric and side only.
    expect(applyPlan(plan, 'istio_request_duration_milliseconds_bucket', { ...l, reporter: 'destination', le: '5' })).toEqual({
      reporter: 'destination',
      destination_service_name: 'a',
      le: '5',
    });
    expect(applyPlan(plan, 'istio_response_bytes_count', l)).toBeUndefined();
    expect(applyPlan(plan, 'envoy_cluster_upstream_cx_overflow', { source_app: 'x' })).toEqual({ source_app: 'x' });
  });
});
