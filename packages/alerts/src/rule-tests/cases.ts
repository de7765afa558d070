// Test-case builders: an incident fires with the expected labels and annotations once its `for` has
// elapsed; a quiet input stays silent.
import type { MeshobsConfig } from '@meshobs/config';
import type { AlertingRule } from '@meshobs/model';
import { humanize, humanizeDuration, humanizePercentage } from '@meshobs/model';
import { SERVICE_DATA } from '@meshobs/signals';
import type { Mesh } from './mesh.ts';
import { type AlertCheck, at, type ExpAlert, gauge, input, type Labels, minutes, type Series, type TestCase } from './notation.ts';
import { firstFiring } from './simulator.ts';

export interface Ctx {
  config: MeshobsConfig;
  m: Mesh;
  W: number;
  base: Labels;
  rules: Map<string, AlertingRule[]>;
}

const FORMATS: Record<string, (v: number) => string> = { humanize, humanizeDuration, humanizePercentage };

/**
 * Renders an alert's annotations for given labels and value, as Prometheus' template engine would. A
 * per-service threshold (`{{ with printf "<series>{...}" ... | query }}...{{ else }}<mesh-wide>{{ end }}`)
 * renders the series' value where `own` has it (the tested service's own threshold), else the mesh-wide text.
 */
export function annotations(
  rule: AlertingRule,
  labels: Labels,
  value: number,
  fmtValue: (v: number) => string,
  own: (series: string) => number | undefined = () => undefined,
) {
  const render = (s: string) =>
    s
      .replace(
        /\{\{ with printf "([a-zA-Z_:][a-zA-Z0-9_:]*)\{[^}]*\}"[^}]*\| query \}\}\{\{ \. \| first \| value \| (\w+) \}\}\{\{ else \}\}(.*?)\{\{ end \}\}/g,
        (_, series: string, format: string, fallback: string) => {
          const v = own(series);
          return v === undefined ? fallback : FORMATS[format]!(v);
        },
      )
      .replace(/\{\{ \$value \| humanizePercentage \}\}/g, () => humanizePercentage(value))
      .replace(/\{\{ \$value \| humanizeDuration \}\}/g, () => humanizeDuration(value))
      .replace(/\{\{ \$value \| humanize \}\}/g, () => humanize(value))
      .replace(/\{\{ \$value \}\}/g, () => fmtValue(value))
      .replace(/\{\{ \$labels\.([a-zA-Z_][a-zA-Z0-9_]*) \}\}/g, (_, k: string) => labels[k] ?? '');
  return {
    summary: render(rule.annotations.summary),
    description: render(rule.annotations.description),
    runbook_url: rule.annotations.runbook_url,
  };
}

/** `{{ $value }}` of a Go float (%v: shortest representation); the suites only print small integers this way. */
export const goValue = (v: number) => String(v);

export function ruleFor(ctx: Ctx, alert: string, signal?: string): AlertingRule {
  const rules = ctx.rules.get(alert) ?? [];
  const r = signal ? rules.find((x) => x.labels.signal === signal) : rules[0];
  if (!r) throw new Error(`no rule ${alert}${signal ? `/${signal}` : ''}`);
  return r;
}

export interface Incident {
  name: string;
  alert: string;
  signal?: string;
  series: Series[];
  length: number;
  /** Expression value at minute t, or undefined when the expression returns nothing. */
  value: (t: number) => number | undefined;
  /** Labels of the alert (without alertname/severity/extra labels). */
  labels: Labels;
}

export function expAlert(ctx: Ctx, inc: Incident, t: number): ExpAlert {
  const rule = ruleFor(ctx, inc.alert, inc.signal);
  const labels: Labels = { ...inc.labels, ...rule.labels };
  return { exp_labels: labels, exp_annotations: annotations(rule, labels, inc.value(t)!, goValue, (series) => ownThreshold(ctx, series)) };
}

/**
 * Rate-based incidents are rendered twice: from the first sample (the `for` boundary is checked
 * there, where the windows are identical on Prometheus 2 and 3) and after healthy traffic (checked
 * before the change and once the window lies entirely inside the incident).
 */
export function rateIncident(ctx: Ctx, T0: number, mk: (start: number) => Incident): TestCase[] {
  const boundary = mk(0);
  const steady = mk(T0);
  return [incidentCase(ctx, boundary), steadyCase(ctx, steady, T0)];
}

export function steadyCase(ctx: Ctx, inc: Incident, T0: number): TestCase {
  const rule = ruleFor(ctx, inc.alert, inc.signal);
  if (inc.length - ctx.W - minutes(rule.for) < T0) throw new Error(`scenario "${inc.name}" too short`);
  if (inc.value(inc.length) === undefined) throw new Error(`scenario "${inc.name}" does not fire at its end`);
  return {
    name: `${inc.alert}${inc.signal ? ` (${inc.signal})` : ''}: ${inc.name}, after healthy traffic`,
    interval: '1m',
    input_series: input(inc.series),
    alert_rule_test: [
      { eval_time: at(T0), alertname: inc.alert, exp_alerts: [] },
      { eval_time: at(inc.length), alertname: inc.alert, exp_alerts: [expAlert(ctx, inc, inc.length)] },
    ],
  };
}

/** Fires on the incident, not before its `for` has elapsed, and still fires at the end. */
export function incidentCase(ctx: Ctx, inc: Incident): TestCase {
  const rule = ruleFor(ctx, inc.alert, inc.signal);
  const forMin = minutes(rule.for);
  const F = firstFiring((t) => inc.value(t) !== undefined, forMin, inc.length);
  if (F === undefined) throw new Error(`test scenario "${inc.name}" never fires: fix the scenario`);
  const checks: AlertCheck[] = [];
  if (F > 0) checks.push({ eval_time: at(F - 1), alertname: inc.alert, exp_alerts: [] });
  checks.push({ eval_time: at(F), alertname: inc.alert, exp_alerts: [expAlert(ctx, inc, F)] });
  if (inc.length > F) checks.push({ eval_time: at(inc.length), alertname: inc.alert, exp_alerts: [expAlert(ctx, inc, inc.length)] });
  return {
    name: `${inc.alert}${inc.signal ? ` (${inc.signal})` : ''}: ${inc.name}; pending for ${rule.for}, firing from minute ${F}`,
    interval: '1m',
    input_series: input(inc.series),
    alert_rule_test: checks,
  };
}

/** Stays silent over the whole input (checked at several points). */
export function silentCase(name: string, alerts: string[], series: Series[], length: number): TestCase {
  const times = [...new Set([Math.floor(length / 2), length - 1, length])].filter((t) => t >= 0);
  return {
    name,
    interval: '1m',
    input_series: input(
      series.length
        ? series
        : [{ labels: { __name__: 'up', job: 'unrelated', instance: 'localhost:9090' }, values: gauge([[1, length + 1]]) }],
    ),
    alert_rule_test: times.flatMap((t) => alerts.map((alertname) => ({ eval_time: at(t), alertname, exp_alerts: [] }))),
  };
}

/** Labels of a per-service alert about the tested service: its name and namespace, and its owner's team. */
export const svcLabels = (m: Mesh): Labels => ({
  destination_service_name: m.svc.name,
  destination_service_namespace: m.svc.namespace,
  ...(m.svc.owner !== undefined ? { team: m.svc.owner } : {}),
});

/** The tested service's own value of a per-service threshold series (services[].alerts), if it sets one. */
export function ownThreshold(ctx: Ctx, series: string): number | undefined {
  const o = ctx.m.svc.overrides;
  const d = SERVICE_DATA;
  return series === d.high5xxThreshold
    ? o.high5xxErrorRate.threshold
    : series === d.high5xxMinRequestRate
      ? o.high5xxErrorRate.minRequestRate
      : series === d.latencyThreshold
        ? o.highRequestLatency.p99Seconds
        : series === d.latencyMinRequestRate
          ? o.highRequestLatency.minRequestRate
          : undefined;
}

/** Error share for an incident: clearly above the threshold, no exact ties with it during the ramp. */
export function incidentShare(threshold: number, W: number): number | undefined {
  for (const s of [0.25, 0.5, 0.75, 1]) {
    if (s <= threshold * 1.1 && s < 1) continue;
    if (s <= threshold) continue;
    let tie = false;
    for (let k = 1; k <= W; k++) if (Math.abs((k * s) / W - threshold) < 1e-6) tie = true;
    if (!tie) return s;
  }
  return undefined;
}

/** Requests/s for "enough traffic": a whole number above the guard. */
export const busyRate = (min: number) => Math.max(10, Math.ceil(min * 4));

/**
 * Timeline of a rate-based scenario: healthy traffic until T0 (one window past the first rate), then
 * the incident for a window plus the alert's `for`, plus a margin, L minutes in all.
 */
export function rateTimeline(W: number, forDuration: string): { T0: number; forMin: number; L: number } {
  const T0 = W + 5;
  const forMin = minutes(forDuration);
  return { T0, forMin, L: T0 + W + forMin + 5 };
}

/**
 * The value of a per-service alert with a low-traffic guard: `pick` of the measurement at minute t
 * when it is above the threshold and the service has at least `minRate` req/s, otherwise nothing.
 */
export const aboveWithTraffic =
  <T extends { total: number }>(measure: (t: number) => T | undefined, pick: (r: T) => number, threshold: number, minRate: number) =>
  (t: number): number | undefined => {
    const r = measure(t);
    return r && pick(r) > threshold && r.total >= minRate ? pick(r) : undefined;
  };
