// The SLO burn-rate alerts.

import { type AlertingRule, burnRates, humanizePercentage, ISTIO_DURATION_BUCKETS_MS, latencyBucketMs } from '@meshobs/model';
import { ISTIO_METRICS } from '@meshobs/signals';
import { annotations, type Ctx, goValue, svcLabels } from '../cases.ts';
import { destinationRequest, named, sourceRequest } from '../mesh.ts';
import { type AlertCheck, at, counter, type ExpAlert, fmt, input, type Labels, minutes, type Series, type TestCase } from '../notation.ts';
import { histogramSeries } from './requests.ts';

/** Multi-window multi-burn-rate SLO alerts, for the first service (when enabled). */
export function slo(ctx: Ctx): TestCase[] {
  const { m, config } = ctx;
  // SLO rules exist for the listed services (and the demo's) only: without one, no suite.
  if (!config.alerts.slo.enabled || !ctx.rules.has('ServiceAvailabilityErrorBudgetBurn')) return [];
  const svc = m.svc;
  const budget = 1 - svc.slo.availability;
  const rates = burnRates(config.alerts.slo.period);
  const page = Math.max(...rates.filter((r) => r.severity === 'critical').map((r) => r.factor));
  const ticket = Math.min(...rates.filter((r) => r.severity === 'warning').map((r) => r.factor));
  const out: TestCase[] = [];
  // The guard reads the long window's request rate; with an input that starts with the incident, a
  // 3d rate at minute 1 sees 1/4320 of the true rate: keep the traffic far above the guard.
  const R = Math.max(10, Math.ceil(config.alerts.slo.minRequestRate * 4320 * 2));
  const N = R * 60;
  const sv = svcLabels(m);
  const availability = (share: number, perMin: number, L: number) => {
    const ok = counter([[perMin * (1 - share), L]]);
    const err = counter([[perMin * share, L]]);
    return {
      ok,
      err,
      series: [
        { labels: named(ISTIO_METRICS.requests, destinationRequest(m, '200')), values: ok },
        { labels: named(ISTIO_METRICS.requests, destinationRequest(m, '500')), values: err },
        { labels: named(ISTIO_METRICS.requests, sourceRequest(m, '200')), values: ok },
      ] as Series[],
    };
  };
  const burn = (name: 'ServiceAvailabilityErrorBudgetBurn' | 'ServiceLatencyErrorBudgetBurn', sev: 'critical' | 'warning') =>
    ctx.rules.get(name)!.find((r) => r.labels.severity === sev)!;
  const expect = (rule: AlertingRule, value: number): ExpAlert => {
    const labels: Labels = { ...sv, ...rule.labels };
    return { exp_labels: labels, exp_annotations: annotations(rule, labels, value, goValue) };
  };
  // The whole input is the incident, so every window sees the same error ratio from the first rate
  // (minute 1): the alert is pending from minute 1 and fires `for` later.
  const scenario = (
    what: string,
    name: 'ServiceAvailabilityErrorBudgetBurn' | 'ServiceLatencyErrorBudgetBurn',
    series: Series[],
    share: number,
    firing: 'critical' | 'warning' | 'none',
  ): TestCase => {
    const crit = burn(name, 'critical');
    const warn = burn(name, 'warning');
    const L = 30;
    const checks: AlertCheck[] = [];
    if (firing === 'none') checks.push({ eval_time: at(L), alertname: name, exp_alerts: [] });
    else {
      const rule = firing === 'critical' ? crit : warn;
      const F = 1 + minutes(rule.for);
      checks.push({ eval_time: at(F - 1), alertname: name, exp_alerts: [] });
      // a page also satisfies the ticket windows; the ticket fires later (its `for` is longer)
      const both = firing === 'critical' && share > ticket * budget;
      const exp = (t: number) => {
        const list = [expect(rule, share)];
        if (both && t >= 1 + minutes(warn.for)) list.push(expect(warn, share));
        return list.sort((x, y) => (x.exp_labels.severity! < y.exp_labels.severity! ? -1 : 1));
      };
      checks.push({ eval_time: at(F), alertname: name, exp_alerts: exp(F) });
      checks.push({ eval_time: at(L), alertname: name, exp_alerts: exp(L) });
    }
    return { name: `${name}: ${what}`, interval: '1m', input_series: input(series), alert_rule_test: checks };
  };
  const L = 30;
  /** An error share clearly above `x` (a fraction of all requests), if one exists. */
  const above = (x: number) =>
    x * 1.4 <= 1 ? Number((x * 1.4).toPrecision(3)) : x < 0.99 ? Number(((x + 1) / 2).toPrecision(3)) : undefined;
  const fast = above(page * budget);
  if (fast !== undefined) {
    const share = fast;
    out.push(
      scenario(
        `fast burn, ${humanizePercentage(share)} errors (${fmt(share / budget)}x budget) pages`,
        'ServiceAvailabilityErrorBudgetBurn',
        availability(share, N, L).series,
        share,
        'critical',
      ),
    );
  }
  if (ticket * budget * 2 <= 1) {
    const share = Number((ticket * budget * 2).toPrecision(3));
    if (share < rates.filter((r) => r.severity === 'critical').reduce((mn, r) => Math.min(mn, r.factor), Infinity) * budget)
      out.push(
        scenario(
          `slow burn, ${humanizePercentage(share)} errors (${fmt(share / budget)}x budget) opens a ticket, no page`,
          'ServiceAvailabilityErrorBudgetBurn',
          availability(share, N, L).series,
          share,
          'warning',
        ),
      );
  }
  out.push(
    scenario(
      `within budget, ${humanizePercentage(budget / 2)} errors: silent`,
      'ServiceAvailabilityErrorBudgetBurn',
      availability(budget / 2, N, L).series,
      0,
      'none',
    ),
  );
  out.push(scenario('no traffic: silent', 'ServiceAvailabilityErrorBudgetBurn', availability(0, 0, L).series, 0, 'none'));
  if (config.alerts.slo.minRequestRate > 0)
    out.push(
      scenario(
        `low-traffic guard: 100% errors at ${fmt(config.alerts.slo.minRequestRate / 2)} req/s`,
        'ServiceAvailabilityErrorBudgetBurn',
        availability(1, (config.alerts.slo.minRequestRate / 2) * 60, L).series,
        0,
        'none',
      ),
    );
  // latency SLO: requests above the threshold bucket count against the budget
  const lbudget = 1 - svc.slo.latencyTarget;
  const { bound } = latencyBucketMs(svc.slo.latencyThresholdSeconds);
  const bounds = ISTIO_DURATION_BUCKETS_MS;
  const fastBound = bound;
  const slowBound = bounds[bounds.indexOf(bound as (typeof bounds)[number]) + 1];
  const latency = (slowShare: number, perMin: number) => {
    const fast = histogramSeries(m, () => ({ n: perMin * (1 - slowShare), boundMs: fastBound }), L);
    if (!slowBound) return fast.series;
    const slow = histogramSeries(m, () => ({ n: perMin * slowShare, boundMs: slowBound }), L);
    // one set of series: add the slow requests' buckets to the fast ones
    return fast.series.map((s, i) => ({
      labels: s.labels,
      values: s.values.map((v, j) => (v as number) + (slow.series[i]!.values[j] as number)),
    }));
  };
  const lfast = above(page * lbudget);
  if (slowBound && lfast !== undefined) {
    const share = lfast;
    out.push(
      scenario(
        `fast burn, ${humanizePercentage(share)} of requests slower than ${bound / 1000}s pages`,
        'ServiceLatencyErrorBudgetBurn',
        latency(share, N),
        share,
        'critical',
      ),
    );
  }
  out.push(scenario('latency within budget: silent', 'ServiceLatencyErrorBudgetBurn', latency(lbudget / 2, N), 0, 'none'));
  out.push(scenario('latency, no traffic: silent', 'ServiceLatencyErrorBudgetBurn', latency(0, 0), 0, 'none'));
  return out;
}
