// promtool unit tests rendered from the config: for every alert, the incident it is for (fires with
// the expected labels and annotation text, and only once its `for` has elapsed), the healthy mesh, no
// traffic, missing data and the low-traffic guard. Input series carry the label sets real Istio,
// kube-state-metrics and cAdvisor produce through this bundle's scrape config. Thresholds, windows and
// `for` durations are the config's, so the same suites prove a customised config too.
//
// Expected values are computed here with the same arithmetic PromQL does (rate over whole-minute
// windows of a 1-minute series, histogram_quantile's bucket interpolation) and rendered with the
// Go-compatible humanize functions.
import { durationSeconds, type MeshobsConfig, type ServiceConfig } from '@meshobs/spec';
import { gatewayPodLabelValue, toYaml } from '@meshobs/kube';
import { humanize, humanizeDuration, humanizePercentage } from './humanize.ts';
import { gatewaysOf, recordNames, type Gateway } from './queries.ts';

/** The enabled gateways; requests come through the first (the ingress gateway by its name when none is). */
function gatewaysFor(config: MeshobsConfig): Mesh['gw'] {
  const enabled = gatewaysOf(config);
  const ingress = config.istio.gateways.ingress.name;
  return { enabled, client: enabled[0] ?? { kind: 'ingress', deployment: ingress, istioLabel: gatewayPodLabelValue(ingress) } };
}
import {
  ISTIO_DURATION_BUCKETS_MS,
  burnRates,
  latencyBucketMs,
  ruleGroups,
  type AlertingRule,
  type AlertName,
} from './rules.ts';

type Labels = Record<string, string>;
type Sample = number | null | 'stale';
interface Series {
  labels: Labels;
  values: Sample[];
}

export interface ExpAlert {
  exp_labels: Labels;
  exp_annotations: Record<string, string>;
}
export interface AlertCheck {
  eval_time: string;
  alertname: string;
  exp_alerts: ExpAlert[];
}
export interface ExprCheck {
  expr: string;
  eval_time: string;
  exp_samples: Array<{ labels: string; value: number }>;
}
export interface TestCase {
  name: string;
  interval: string;
  input_series: Array<{ series: string; values: string }>;
  alert_rule_test?: AlertCheck[];
  promql_expr_test?: ExprCheck[];
}

export interface RuleTestFile {
  path: string;
  content: string;
}

// ------------------------------------------------------------------------------------------------
// Series helpers

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(15))));

/** promtool's expanding notation for a sample list (runs of a constant step become `a+bxn`). */
export function seriesValues(values: Sample[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < values.length) {
    const v = values[i]!;
    if (v === null) {
      let j = i;
      while (j < values.length && values[j] === null) j++;
      out.push(j - i === 1 ? '_' : `_x${j - i}`);
      i = j;
      continue;
    }
    if (v === 'stale') {
      out.push('stale');
      i++;
      continue;
    }
    const next = values[i + 1];
    if (typeof next !== 'number') {
      out.push(fmt(v));
      i++;
      continue;
    }
    const d = next - v;
    const tol = 1e-9 * Math.max(1, Math.abs(v), Math.abs(d));
    let j = i + 1;
    while (j + 1 < values.length && typeof values[j + 1] === 'number' && Math.abs((values[j + 1] as number) - (values[j] as number) - d) <= tol) j++;
    const n = j - i;
    const step = Number(d.toPrecision(12));
    out.push(step === 0 ? `${fmt(v)}x${n}` : `${fmt(v)}${step > 0 ? '+' : '-'}${fmt(Math.abs(step))}x${n}`);
    i = j + 1;
  }
  return out.join(' ');
}

const seriesName = (l: Labels) => {
  const { __name__, ...rest } = l;
  const body = Object.keys(rest)
    .sort()
    .map((k) => `${k}="${rest[k]}"`)
    .join(', ');
  return `${__name__}{${body}}`;
};

/** A counter from per-minute increments: pieces of [increment per minute, minutes]. Starts at `start`. */
export function counter(pieces: Array<[number, number]>, start = 0): number[] {
  const out = [start];
  let v = start;
  for (const [inc, steps] of pieces) for (let k = 0; k < steps; k++) out.push((v += inc));
  return out;
}

/** A gauge from pieces of [value, samples]. */
export const gauge = (pieces: Array<[Sample, number]>): Sample[] => pieces.flatMap(([v, n]) => Array<Sample>(n).fill(v));

/**
 * rate(x[w]) at minute t of a 1-minute series. Within the first window a counter that starts at 0 is
 * not extrapolated to the window start (Prometheus' zero-point rule), so the rate is the increase
 * over the whole window length; Prometheus 2 (closed windows) and 3 (left-open windows) agree on it
 * there and on every window that lies inside one linear piece, which is where the suites check values.
 */
const rateAt = (values: Sample[], t: number, w: number): number | undefined => {
  const b = values[t];
  if (typeof b !== 'number' || t < 1) return undefined;
  if (t - w < 0) return values[0] === 0 ? (b - 0) / (w * 60) : undefined;
  const a = values[t - w];
  if (typeof a !== 'number') return undefined;
  return (b - a) / (w * 60);
};

const sumDefined = (xs: Array<number | undefined>): number | undefined =>
  xs.some((x) => x === undefined) || xs.length === 0 ? undefined : xs.reduce((s, x) => s! + x!, 0);

/** Prometheus' bucketQuantile for cumulative buckets sorted by bound (+Inf last). */
export function bucketQuantile(q: number, buckets: Array<{ le: number; count: number }>): number {
  const bs = [...buckets].sort((a, b) => a.le - b.le);
  if (bs.at(-1)!.le !== Infinity || bs.length < 2) return NaN;
  const obs = bs.at(-1)!.count;
  if (obs === 0) return NaN;
  let rank = q * obs;
  let b = bs.findIndex((x, i) => i < bs.length - 1 && x.count >= rank);
  if (b === -1) b = bs.length - 1;
  if (b === bs.length - 1) return bs[bs.length - 2]!.le;
  if (b === 0 && bs[0]!.le <= 0) return bs[0]!.le;
  let start = 0;
  let count = bs[b]!.count;
  if (b > 0) {
    start = bs[b - 1]!.le;
    count -= bs[b - 1]!.count;
    rank -= bs[b - 1]!.count;
  }
  return start + (bs[b]!.le - start) * (rank / count);
}

const minutes = (d: string) => Math.ceil(durationSeconds(d) / 60);
const at = (t: number) => `${t}m`;

/**
 * First evaluation (minute) at which an alert fires, given when its expression returns a value:
 * pending at the first true evaluation, firing once it has been true for `forMin` minutes.
 */
function firstFiring(cond: (t: number) => boolean, forMin: number, until: number): number | undefined {
  let active: number | undefined;
  for (let t = 0; t <= until; t++) {
    if (cond(t)) {
      active ??= t;
      if (t - active >= forMin) return t;
    } else active = undefined;
  }
  return undefined;
}

// ------------------------------------------------------------------------------------------------
// Real label sets

interface Mesh {
  istioNs: string;
  envoyJob: string;
  istiodJob: string;
  ksmJob: string;
  cadvisorJob: string;
  svc: ServiceConfig;
  /** The configured gateways; `client` is the one whose requests the scenarios send (the first enabled). */
  gw: { enabled: Gateway[]; client: Gateway };
}

const podSuffix = ['7d9c6f8b5-x2x9k', '7d9c6f8b5-q8vlm', '5f6d8c7b9-h4kzt'];

function sidecarTarget(m: Mesh, ns: string, app: string, version: string, i = 0): Labels {
  return {
    job: m.envoyJob,
    namespace: ns,
    pod: `${app}-${version}-${podSuffix[i % podSuffix.length]}`,
    instance: `10.244.1.${12 + i}:15090`,
    container: 'istio-proxy',
    endpoint: 'http-envoy-prom',
    app,
    version,
  };
}

function gatewayTarget(m: Mesh, gw: Gateway, i = 0): Labels {
  return {
    job: m.envoyJob,
    namespace: m.istioNs,
    pod: `${gw.deployment}-6b7f9d4c8d-${['m2xqz', 'p7wln'][i % 2]}`,
    instance: `10.244.2.${20 + i}:15090`,
    container: 'istio-proxy',
    endpoint: 'http-envoy-prom',
    app: gw.deployment,
    istio: gw.istioLabel,
  };
}

function istiodTarget(m: Mesh, i = 0): Labels {
  return {
    job: m.istiodJob,
    namespace: m.istioNs,
    pod: `istiod-5c8f7d9b6c-${['k2j4n', 'w9r7t'][i % 2]}`,
    instance: `10.244.0.${30 + i}:15014`,
    container: 'discovery',
    endpoint: 'http-monitoring',
    service: 'istiod',
    app: 'istiod',
    istio: 'pilot',
  };
}

/** istio_requests_total / histogram labels as the destination (server) proxy reports them. */
function destinationRequest(m: Mesh, code: string, version = m.svc.stableVersion, flags = '-'): Labels {
  const { name, namespace: ns } = m.svc;
  return {
    ...sidecarTarget(m, ns, name, version),
    reporter: 'destination',
    source_workload: m.gw.client.deployment,
    source_workload_namespace: m.istioNs,
    source_app: m.gw.client.deployment,
    source_version: 'unknown',
    source_canonical_service: m.gw.client.deployment,
    source_canonical_revision: 'latest',
    source_principal: `spiffe://cluster.local/ns/${m.istioNs}/sa/${m.gw.client.deployment}-service-account`,
    source_cluster: 'Kubernetes',
    destination_service: `${name}.${ns}.svc.cluster.local`,
    destination_service_name: name,
    destination_service_namespace: ns,
    destination_workload: `${name}-${version}`,
    destination_workload_namespace: ns,
    destination_version: version,
    destination_app: name,
    destination_canonical_service: name,
    destination_canonical_revision: version,
    destination_principal: `spiffe://cluster.local/ns/${ns}/sa/${name}`,
    destination_cluster: 'Kubernetes',
    request_protocol: 'http',
    response_code: code,
    response_flags: flags,
    connection_security_policy: 'mutual_tls',
  };
}

/** The same request as the ingress gateway (the client) reports it: reporter="source". */
function sourceRequest(m: Mesh, code: string, flags = '-', gw: Gateway = m.gw.client): Labels {
  const d = destinationRequest(m, code, m.svc.stableVersion, flags);
  const { job, namespace, pod, instance, container, endpoint, app, version: _v, ...rest } = d;
  return {
    ...rest,
    ...gatewayTarget(m, gw),
    reporter: 'source',
    source_workload: gw.deployment,
    source_app: gw.deployment,
    source_canonical_service: gw.deployment,
    source_principal: `spiffe://cluster.local/ns/${m.istioNs}/sa/${gw.deployment}-service-account`,
    connection_security_policy: 'unknown',
  };
}

const named = (name: string, l: Labels): Labels => ({ __name__: name, ...l });

// ------------------------------------------------------------------------------------------------
// Test builders

interface Ctx {
  config: MeshobsConfig;
  m: Mesh;
  W: number;
  base: Labels;
  rules: Map<string, AlertingRule[]>;
}

/** Renders an alert's annotations for given labels and value, as Prometheus' template engine would. */
function annotations(rule: AlertingRule, labels: Labels, value: number, fmtValue: (v: number) => string) {
  const render = (s: string) =>
    s
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
const goValue = (v: number) => String(v);

function ruleFor(ctx: Ctx, alert: string, signal?: string): AlertingRule {
  const rules = ctx.rules.get(alert) ?? [];
  const r = signal ? rules.find((x) => x.labels.signal === signal) : rules[0];
  if (!r) throw new Error(`no rule ${alert}${signal ? `/${signal}` : ''}`);
  return r;
}

interface Incident {
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

function expAlert(ctx: Ctx, inc: Incident, t: number): ExpAlert {
  const rule = ruleFor(ctx, inc.alert, inc.signal);
  const labels: Labels = { ...inc.labels, ...rule.labels };
  return { exp_labels: labels, exp_annotations: annotations(rule, labels, inc.value(t)!, goValue) };
}

const input = (series: Series[]) => series.map((s) => ({ series: seriesName(s.labels), values: seriesValues(s.values) }));

/**
 * Rate-based incidents are rendered twice: from the first sample (the `for` boundary is checked
 * there, where the windows are identical on Prometheus 2 and 3) and after healthy traffic (checked
 * before the change and once the window lies entirely inside the incident).
 */
function rateIncident(ctx: Ctx, T0: number, mk: (start: number) => Incident): TestCase[] {
  const boundary = mk(0);
  const steady = mk(T0);
  return [incidentCase(ctx, boundary), steadyCase(ctx, steady, T0)];
}

function steadyCase(ctx: Ctx, inc: Incident, T0: number): TestCase {
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
function incidentCase(ctx: Ctx, inc: Incident): TestCase {
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
function silentCase(name: string, alerts: string[], series: Series[], length: number): TestCase {
  const times = [...new Set([Math.floor(length / 2), length - 1, length])].filter((t) => t >= 0);
  return {
    name,
    interval: '1m',
    input_series: input(series.length ? series : [{ labels: { __name__: 'up', job: 'unrelated', instance: 'localhost:9090' }, values: gauge([[1, length + 1]]) }]),
    alert_rule_test: times.flatMap((t) => alerts.map((alertname) => ({ eval_time: at(t), alertname, exp_alerts: [] }))),
  };
}

// ------------------------------------------------------------------------------------------------
// Per-alert suites

const svcLabels = (m: Mesh): Labels => ({ destination_service_name: m.svc.name, destination_service_namespace: m.svc.namespace });

/** Error share for an incident: clearly above the threshold, no exact ties with it during the ramp. */
function incidentShare(threshold: number, W: number): number | undefined {
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
const busyRate = (min: number) => Math.max(10, Math.ceil(min * 4));

function high5xx(ctx: Ctx): TestCase[] {
  const { m, W } = ctx;
  const a = ctx.config.alerts.high5xxErrorRate;
  const out: TestCase[] = [];
  const T0 = W + 5;
  const forMin = minutes(a.for);
  const L = T0 + W + forMin + 5;
  const s = incidentShare(a.threshold, W);
  const R = busyRate(a.minRequestRate * W);
  const N = R * 60;
  const traffic = (share: number, perMin = N, start = T0, fourxx = 0) => {
    const ok = counter([[perMin * (1 - fourxx), start], [perMin * (1 - share - fourxx), L - start]]);
    const err = counter([[0, start], [perMin * share, L - start]]);
    const c4 = counter([[perMin * fourxx, L]]);
    const series: Series[] = [
      { labels: named('istio_requests_total', destinationRequest(m, '200')), values: ok },
      { labels: named('istio_requests_total', destinationRequest(m, '503')), values: err },
      // the same requests as the ingress gateway reports them: must not be counted twice
      { labels: named('istio_requests_total', sourceRequest(m, '200')), values: ok },
      { labels: named('istio_requests_total', sourceRequest(m, '503', 'URX')), values: err },
    ];
    if (fourxx) series.push({ labels: named('istio_requests_total', destinationRequest(m, '404')), values: c4 });
    const ratio = (t: number) => {
      const e = rateAt(err, t, W);
      const tot = sumDefined([rateAt(ok, t, W), e, fourxx ? rateAt(c4, t, W) : 0]);
      // the ratio of two series sampled together: partial windows do not matter for it
      return e === undefined || tot === undefined || tot === 0 ? undefined : { ratio: e / tot, total: tot };
    };
    return { series, ratio };
  };
  if (s !== undefined)
    out.push(
      ...rateIncident(ctx, T0, (start) => {
        const { series, ratio } = traffic(s, N, start);
        return {
          name: `${humanizePercentage(s)} of ${R} req/s fail with 503 from minute ${start}`,
          alert: 'High5xxErrorRate',
          series,
          length: L,
          labels: svcLabels(m),
          value: (t) => {
            const r = ratio(t);
            return r && r.ratio > a.threshold && r.total >= a.minRequestRate ? r.ratio : undefined;
          },
        };
      }),
    );
  // healthy: 5xx share at half the threshold and plenty of 404s (client errors never count)
  out.push(
    silentCase(
      `High5xxErrorRate: silent with ${humanizePercentage(a.threshold / 2)} 5xx and 30% 404`,
      ['High5xxErrorRate'],
      traffic(a.threshold / 2, N, 0, 0.3).series,
      L,
    ),
  );
  out.push(silentCase('High5xxErrorRate: silent with no 5xx series at all', ['High5xxErrorRate'], traffic(0).series.filter((x) => x.labels.response_code === '200'), L));
  out.push(silentCase('High5xxErrorRate: silent when the service gets no traffic', ['High5xxErrorRate'], traffic(0, 0).series, L));
  out.push(silentCase('High5xxErrorRate: silent with missing data', ['High5xxErrorRate'], [], L));
  if (a.minRequestRate > 0)
    out.push(
      silentCase(
        `High5xxErrorRate: low-traffic guard, 100% 5xx at ${fmt(a.minRequestRate / 2)} req/s (guard ${a.minRequestRate} req/s)`,
        ['High5xxErrorRate'],
        traffic(1, (a.minRequestRate / 2) * 60).series,
        L,
      ),
    );
  return out;
}

function histogramSeries(m: Mesh, perMinute: (t: number) => { n: number; boundMs: number }, L: number, reporter: 'destination' | 'source' = 'destination') {
  const lbl = reporter === 'destination' ? destinationRequest(m, '200') : sourceRequest(m, '200');
  const bounds = [...ISTIO_DURATION_BUCKETS_MS, Infinity];
  const series: Series[] = [];
  const buckets = new Map<number, number[]>();
  for (const b of bounds) {
    const vals = [0];
    for (let t = 1; t <= L; t++) {
      const { n, boundMs } = perMinute(t);
      vals.push(vals[t - 1]! + (boundMs <= b ? n : 0));
    }
    buckets.set(b, vals);
    series.push({ labels: named('istio_request_duration_milliseconds_bucket', { ...lbl, le: b === Infinity ? '+Inf' : String(b) }), values: vals });
  }
  const count = buckets.get(Infinity)!;
  series.push({ labels: named('istio_request_duration_milliseconds_count', lbl), values: count });
  series.push({ labels: named('istio_requests_total', lbl), values: count });
  return { series, buckets, count };
}

function highLatency(ctx: Ctx): TestCase[] {
  const { m, W } = ctx;
  const a = ctx.config.alerts.highRequestLatency;
  const out: TestCase[] = [];
  const T0 = W + 5;
  const forMin = minutes(a.for);
  const L = T0 + W + forMin + 5;
  const thr = a.p99Seconds * 1000;
  const bounds = ISTIO_DURATION_BUCKETS_MS;
  const slowIdx = bounds.findIndex((b, i) => b >= thr && i < bounds.length - 1);
  const fastIdx = [...bounds.keys()].reverse().find((i) => bounds[i]! <= thr / 2);
  // a request of the bucket (bounds[i-1], bounds[i]] is recorded with bound bounds[i]
  const R = busyRate(a.minRequestRate * W);
  const run = (perMin: number, slow: boolean, start = T0) => {
    const fastBound = bounds[fastIdx ?? 0]!;
    const slowBound = bounds[slowIdx + 1]!;
    const h = histogramSeries(m, (t) => ({ n: perMin, boundMs: slow && t > start ? slowBound : fastBound }), L);
    const src = histogramSeries(m, (t) => ({ n: perMin, boundMs: slow && t > start ? slowBound : fastBound }), L, 'source');
    const p99 = (t: number) => {
      const bs = [...h.buckets.entries()].map(([le, v]) => ({ le, r: rateAt(v, t, W) }));
      if (bs.some((b) => b.r === undefined)) return undefined;
      const total = rateAt(h.count, t, W)!;
      return { p99: bucketQuantile(0.99, bs.map((b) => ({ le: b.le, count: b.r! }))) / 1000, total };
    };
    return { series: [...h.series, ...src.series.filter((s) => s.labels.__name__ === 'istio_requests_total')], p99 };
  };
  if (slowIdx >= 0) {
    out.push(
      ...rateIncident(ctx, T0, (start) => {
        const { series, p99 } = run(R * 60, true, start);
        return {
          name: `requests ${start ? 'slow down' : 'are'} in the (${bounds[slowIdx]}, ${bounds[slowIdx + 1]}] ms bucket from minute ${start}`,
          alert: 'HighRequestLatency',
          series,
          length: L,
          labels: svcLabels(m),
          value: (t) => {
            const r = p99(t);
            return r && r.p99 > a.p99Seconds && r.total >= a.minRequestRate ? r.p99 : undefined;
          },
        };
      }),
    );
    if (a.minRequestRate > 0)
      out.push(
        silentCase(
          `HighRequestLatency: low-traffic guard, all requests slow at ${fmt(a.minRequestRate / 2)} req/s`,
          ['HighRequestLatency'],
          run((a.minRequestRate / 2) * 60, true).series,
          L,
        ),
      );
  }
  if (fastIdx !== undefined) out.push(silentCase('HighRequestLatency: silent when requests are fast', ['HighRequestLatency'], run(R * 60, false).series, L));
  out.push(silentCase('HighRequestLatency: silent when the service gets no traffic', ['HighRequestLatency'], run(0, false).series, L));
  out.push(silentCase('HighRequestLatency: silent with missing data', ['HighRequestLatency'], [], L));
  return out;
}

function certificate(ctx: Ctx): TestCase[] {
  const { m } = ctx;
  const a = ctx.config.alerts.certificateExpiringSoon;
  const forMin = minutes(a.for);
  const L = forMin + 10;
  const left0 = Math.floor((a.days * 86400) / 2);
  const lbl = istiodTarget(m);
  const ts = (v: number) => ({ labels: named('citadel_server_root_cert_expiry_timestamp', lbl), values: gauge([[v, L + 1]]) });
  const secs = (v: number) => ({ labels: named('citadel_server_root_cert_expiry_seconds', lbl), values: counter([[-60, L]], v) });
  const labels = { namespace: m.istioNs };
  const out: TestCase[] = [
    incidentCase(ctx, {
      name: `root cert expiry timestamp ${humanizeDuration(left0)} away`,
      alert: 'CertificateExpiringSoon',
      series: [ts(left0)],
      length: L,
      labels,
      value: (t) => left0 - t * 60,
    }),
    incidentCase(ctx, {
      name: `citadel_server_root_cert_expiry_seconds says ${humanizeDuration(left0)} left (Istio >= 1.23)`,
      alert: 'CertificateExpiringSoon',
      series: [secs(left0)],
      length: L,
      labels,
      value: (t) => left0 - t * 60,
    }),
    incidentCase(ctx, {
      name: 'both metrics present: one alert, valued from _seconds',
      alert: 'CertificateExpiringSoon',
      series: [ts(left0 + 3600), secs(left0)],
      length: L,
      labels,
      value: (t) => left0 - t * 60,
    }),
  ];
  const healthy = (a.days + 365) * 86400;
  out.push(silentCase(`CertificateExpiringSoon: silent with ${a.days + 365} days left`, ['CertificateExpiringSoon'], [ts(healthy), secs(healthy)], L));
  out.push(silentCase('CertificateExpiringSoon: silent with missing data', ['CertificateExpiringSoon'], [], L));
  return out;
}

function pilot(ctx: Ctx): TestCase[] {
  const { m, W } = ctx;
  const a = ctx.config.alerts.pilotPushErrors;
  const T0 = W + 5;
  const L = T0 + W + minutes(a.for) + 5;
  const lbl = istiodTarget(m);
  const pushes = (type: string, pieces: Array<[number, number]>): Series => ({ labels: named('pilot_xds_pushes', { ...lbl, type }), values: counter(pieces) });
  const healthyPushes = ['cds', 'eds', 'lds', 'rds'].map((t) => pushes(t, [[30, L]]));
  const errorsFrom = (start: number) => counter([[0, start], [3, L - start]]);
  const rateOf = (errors: number[]) => (t: number) => {
    const r = rateAt(errors, t, W);
    return r !== undefined && r > 0 ? r : undefined;
  };
  const out: TestCase[] = [
    ...rateIncident(ctx, T0, (start) => ({
      name: `istiod fails 3 eds pushes a minute from minute ${start}`,
      alert: 'PilotPushErrors',
      signal: 'push_send_errors',
      series: [...healthyPushes, { labels: named('pilot_xds_pushes', { ...lbl, type: 'eds_senderr' }), values: errorsFrom(start) }],
      length: L,
      labels: { namespace: m.istioNs, type: 'eds_senderr' },
      value: rateOf(errorsFrom(start)),
    })),
    ...rateIncident(ctx, T0, (start) => ({
      name: `proxies NACK 3 configs a minute from minute ${start}`,
      alert: 'PilotPushErrors',
      signal: 'xds_rejects',
      series: [...healthyPushes, { labels: named('pilot_total_xds_rejects', { ...lbl, type: 'lds' }), values: errorsFrom(start) }],
      length: L,
      labels: { namespace: m.istioNs },
      value: rateOf(errorsFrom(start)),
    })),
    ...rateIncident(ctx, T0, (start) => ({
      name: `istiod reports 3 internal errors a minute from minute ${start}`,
      alert: 'PilotPushErrors',
      signal: 'internal_errors',
      series: [...healthyPushes, { labels: named('pilot_total_xds_internal_errors', lbl), values: errorsFrom(start) }],
      length: L,
      labels: { namespace: m.istioNs },
      value: rateOf(errorsFrom(start)),
    })),
  ];
  out.push(
    silentCase(
      'PilotPushErrors: silent while pushes succeed and error counters stay flat',
      ['PilotPushErrors'],
      [
        ...healthyPushes,
        pushes('eds_senderr', [[0, L]]),
        { labels: named('pilot_total_xds_rejects', { ...lbl, type: 'lds' }), values: counter([[0, L]], 2) },
        { labels: named('pilot_total_xds_internal_errors', lbl), values: counter([[0, L]]) },
      ],
      L,
    ),
  );
  out.push(silentCase('PilotPushErrors: silent with missing data', ['PilotPushErrors'], [], L));
  return out;
}

function controlPlane(ctx: Ctx): TestCase[] {
  const { m } = ctx;
  const a = ctx.config.alerts.istioControlPlaneUnavailable;
  const T0 = 5;
  const L = T0 + minutes(a.for) + 5;
  const up = (i: number, pieces: Array<[Sample, number]>): Series => ({ labels: named('up', istiodTarget(m, i)), values: gauge(pieces) });
  const otherUp: Series = { labels: named('up', gatewayTarget(m, m.gw.client)), values: gauge([[1, L + 1]]) };
  const out: TestCase[] = [
    incidentCase(ctx, {
      name: `both istiod targets down from minute ${T0}`,
      alert: 'IstioControlPlaneUnavailable',
      signal: 'targets_down',
      series: [up(0, [[1, T0], [0, L + 1 - T0]]), up(1, [[1, T0], [0, L + 1 - T0]]), otherUp],
      length: L,
      labels: { namespace: m.istioNs, job: m.istiodJob },
      value: (t) => (t >= T0 ? 0 : undefined),
    }),
    incidentCase(ctx, {
      name: 'no istiod series at all',
      alert: 'IstioControlPlaneUnavailable',
      signal: 'absent',
      series: [otherUp],
      length: L,
      labels: { job: m.istiodJob },
      value: () => 1,
    }),
    incidentCase(ctx, {
      name: `istiod series vanish at minute ${T0} (deployment deleted, scrape config lost)`,
      alert: 'IstioControlPlaneUnavailable',
      signal: 'absent',
      series: [up(0, [[1, T0], ['stale', 1], [null, L - T0]]), otherUp],
      length: L,
      labels: { job: m.istiodJob },
      value: (t) => (t >= T0 ? 1 : undefined),
    }),
  ];
  out.push(
    silentCase(
      'IstioControlPlaneUnavailable: silent while one of two istiod targets is down',
      ['IstioControlPlaneUnavailable'],
      [up(0, [[1, T0], [0, L + 1 - T0]]), up(1, [[1, L + 1]]), otherUp],
      L,
    ),
  );
  return out;
}

function memory(ctx: Ctx): TestCase[] {
  const { m } = ctx;
  const a = ctx.config.alerts.highProxyMemoryUsage;
  const T0 = 5;
  const L = T0 + minutes(a.for) + 5;
  const limit = 1073741824;
  const pod = `${m.svc.name}-${m.svc.stableVersion}-${podSuffix[0]}`;
  const cad = (container: string, pieces: Array<[Sample, number]>): Series => ({
    labels: named('container_memory_working_set_bytes', {
      job: ctx.m.cadvisorJob,
      metrics_path: '/metrics/cadvisor',
      service: 'kube-prometheus-stack-kubelet',
      endpoint: 'https-metrics',
      instance: '172.18.0.3:10250',
      node: 'worker-1',
      namespace: m.svc.namespace,
      pod,
      container,
      image: container === 'istio-proxy' ? 'docker.io/istio/proxyv2:1.27.1' : 'ghcr.io/stefanprodan/podinfo:6.9.2',
      id: `/kubepods/burstable/pod8f1c/${container}`,
      name: container,
    }),
    values: gauge(pieces),
  });
  // A native sidecar (init container, Kubernetes >= 1.33) has its limit in the init-container family.
  const lim = (container: string, bytes: number, metric = 'kube_pod_container_resource_limits'): Series => ({
    labels: named(metric, {
      job: ctx.m.ksmJob,
      service: 'kube-prometheus-stack-kube-state-metrics',
      endpoint: 'http',
      instance: '10.244.0.9:8080',
      node: 'worker-1',
      namespace: m.svc.namespace,
      pod,
      uid: '8f1c2e44-3b1d-4c1e-9a57-0d6f0e7a1b2c',
      container,
      resource: 'memory',
      unit: 'byte',
    }),
    values: gauge([[bytes, L + 1]]),
  });
  const out: TestCase[] = [];
  const healthyBytes = Math.round(limit * a.threshold * 0.5);
  if (a.threshold < 1) {
    const used = Math.round(limit * (a.threshold + (1 - a.threshold) / 2));
    out.push(
      incidentCase(ctx, {
        name: `sidecar working set jumps to ${humanizePercentage(used / limit)} of its limit at minute ${T0}`,
        alert: 'HighProxyMemoryUsage',
        series: [cad('istio-proxy', [[healthyBytes, T0], [used, L + 1 - T0]]), lim('istio-proxy', limit), cad('podinfo', [[limit, L + 1]]), lim('podinfo', limit)],
        length: L,
        labels: { namespace: m.svc.namespace, pod, container: 'istio-proxy' },
        value: (t) => (t >= T0 ? used / limit : undefined),
      }),
      incidentCase(ctx, {
        name: `native sidecar (init container, limit in kube_pod_init_container_resource_limits) jumps to ${humanizePercentage(used / limit)} of its limit at minute ${T0}`,
        alert: 'HighProxyMemoryUsage',
        series: [
          cad('istio-proxy', [[healthyBytes, T0], [used, L + 1 - T0]]),
          lim('istio-proxy', limit, 'kube_pod_init_container_resource_limits'),
          cad('podinfo', [[limit, L + 1]]),
          lim('podinfo', limit),
        ],
        length: L,
        labels: { namespace: m.svc.namespace, pod, container: 'istio-proxy' },
        value: (t) => (t >= T0 ? used / limit : undefined),
      }),
    );
  }
  out.push(
    silentCase(
      'HighProxyMemoryUsage: silent below the threshold as a native sidecar (init container limit)',
      ['HighProxyMemoryUsage'],
      [cad('istio-proxy', [[healthyBytes, L + 1]]), lim('istio-proxy', limit, 'kube_pod_init_container_resource_limits'), cad('podinfo', [[limit, L + 1]]), lim('podinfo', limit)],
      L,
    ),
  );
  out.push(
    silentCase(
      'HighProxyMemoryUsage: silent below the threshold, even with the app container at its limit',
      ['HighProxyMemoryUsage'],
      [cad('istio-proxy', [[healthyBytes, L + 1]]), lim('istio-proxy', limit), cad('podinfo', [[limit, L + 1]]), lim('podinfo', limit)],
      L,
    ),
  );
  out.push(silentCase('HighProxyMemoryUsage: silent without a memory limit (nothing to compare)', ['HighProxyMemoryUsage'], [cad('istio-proxy', [[limit * 4, L + 1]])], L));
  out.push(silentCase('HighProxyMemoryUsage: silent with missing data', ['HighProxyMemoryUsage'], [], L));
  return out;
}

function circuitBreaker(ctx: Ctx): TestCase[] {
  const { m, W } = ctx;
  const a = ctx.config.alerts.circuitBreakerTriggered;
  const T0 = W + 5;
  const L = T0 + W + minutes(a.for) + 5;
  const R = 600;
  const ok = counter([[R, L]]);
  const healthy = [
    { labels: named('istio_requests_total', sourceRequest(m, '200')), values: ok },
    { labels: named('istio_requests_total', destinationRequest(m, '200')), values: ok },
  ];
  const out: TestCase[] = [];
  const failingFrom = (start: number) => counter([[0, start], [6, L - start]]);
  const rateFrom = (start: number) => (t: number) => {
    const r = rateAt(failingFrom(start), t, W);
    return r !== undefined && r > 0 ? r : undefined;
  };
  for (const flag of ['UO', 'URX', 'UH'] as const)
    out.push(
      ...rateIncident(ctx, T0, (start) => ({
        name: `the client proxy refuses 6 requests a minute with flag ${flag} from minute ${start}`,
        alert: 'CircuitBreakerTriggered',
        signal: 'response_flags',
        series: [...healthy, { labels: named('istio_requests_total', sourceRequest(m, '503', flag)), values: failingFrom(start) }],
        length: L,
        labels: { ...svcLabels(m), response_flags: flag },
        value: rateFrom(start),
      })),
    );
  const cluster = `outbound|${m.svc.port}||${m.svc.name}.${m.svc.namespace}.svc.cluster.local`;
  const client = gatewayTarget(m, m.gw.client);
  const stat = (name: string, values: Sample[]): Series => ({ labels: named(name, { ...client, cluster_name: cluster }), values });
  const expLabels = { namespace: m.istioNs, cluster_name: cluster, ...svcLabels(m) };
  for (const [signal, metric] of [
    ['upstream_rq_pending_overflow', 'envoy_cluster_upstream_rq_pending_overflow'],
    ['upstream_cx_overflow', 'envoy_cluster_upstream_cx_overflow'],
  ] as const)
    out.push(
      ...rateIncident(ctx, T0, (start) => ({
        name: `${metric} grows by 6 a minute from minute ${start}`,
        alert: 'CircuitBreakerTriggered',
        signal,
        series: [...healthy, stat(metric, failingFrom(start))],
        length: L,
        labels: expLabels,
        value: rateFrom(start),
      })),
    );
  out.push(
    incidentCase(ctx, {
      name: `outlier detection ejects 2 hosts from minute ${T0}`,
      alert: 'CircuitBreakerTriggered',
      signal: 'outlier_detection_ejections_active',
      series: [...healthy, stat('envoy_cluster_outlier_detection_ejections_active', gauge([[0, T0], [2, L + 1 - T0]]))],
      length: L,
      labels: expLabels,
      value: (t) => (t >= T0 ? 2 : undefined),
    }),
  );
  out.push(
    silentCase(
      'CircuitBreakerTriggered: silent with other response flags (DC, UF) and flat circuit-breaker stats',
      ['CircuitBreakerTriggered'],
      [
        ...healthy,
        { labels: named('istio_requests_total', sourceRequest(m, '503', 'UF')), values: counter([[0, T0], [6, L - T0]]) },
        { labels: named('istio_requests_total', destinationRequest(m, '0', m.svc.stableVersion, 'DC')), values: counter([[0, T0], [6, L - T0]]) },
        { labels: named('istio_requests_total', sourceRequest(m, '503', 'UO')), values: counter([[0, L]], 4) },
        stat('envoy_cluster_upstream_rq_pending_overflow', counter([[0, L]], 12)),
        stat('envoy_cluster_upstream_cx_overflow', counter([[0, L]])),
        stat('envoy_cluster_outlier_detection_ejections_active', gauge([[0, L + 1]])),
      ],
      L,
    ),
  );
  out.push(silentCase('CircuitBreakerTriggered: silent without traffic or Envoy stats (missing data)', ['CircuitBreakerTriggered'], [], L));
  return out;
}

function gateway(ctx: Ctx): TestCase[] {
  const { m, W } = ctx;
  const a = ctx.config.alerts.istioGatewayUnhealthy;
  const h5 = ctx.config.alerts.high5xxErrorRate;
  const T0 = W + 5;
  const L = T0 + W + minutes(a.for) + 5;
  const ksm = (deployment: string, ns: string, pieces: Array<[Sample, number]>): Series => ({
    labels: named('kube_deployment_status_replicas_available', {
      job: m.ksmJob,
      service: 'kube-prometheus-stack-kube-state-metrics',
      endpoint: 'http',
      instance: '10.244.0.9:8080',
      container: 'kube-state-metrics',
      pod: 'kube-prometheus-stack-kube-state-metrics-6d5b9c7f4-zq2lx',
      namespace: ns,
      deployment,
    }),
    values: gauge(pieces),
  });
  const up = (gw: Gateway, i: number, pieces: Array<[Sample, number]>): Series => ({
    labels: named('up', gatewayTarget(m, gw, i)),
    values: gauge(pieces),
  });
  const out: TestCase[] = [];
  // The gateways of the config (istio.gateways.*), by their configured names.
  const [first, second] = m.gw.enabled;
  if (!first) return out;
  for (const gw of m.gw.enabled) {
    out.push(
      incidentCase(ctx, {
        name: `${gw.deployment} has 0 available replicas from minute ${T0}`,
        alert: 'IstioGatewayUnhealthy',
        signal: 'no_available_replicas',
        series: [ksm(gw.deployment, m.istioNs, [[2, T0], [0, L + 1 - T0]]), ksm(m.svc.name, m.svc.namespace, [[2, L + 1]])],
        length: L,
        labels: { namespace: m.istioNs, deployment: gw.deployment, istio: gw.istioLabel },
        value: (t) => (t >= T0 ? 0 : undefined),
      }),
    );
  }
  out.push(
    incidentCase(ctx, {
      name: `both ${first.deployment} pods fail their scrape from minute ${T0}`,
      alert: 'IstioGatewayUnhealthy',
      signal: 'scrape_targets_down',
      series: [up(first, 0, [[1, T0], [0, L + 1 - T0]]), up(first, 1, [[1, T0], [0, L + 1 - T0]]), ...(second ? [up(second, 0, [[1, L + 1]])] : [])],
      length: L,
      labels: { namespace: m.istioNs, istio: first.istioLabel },
      value: (t) => (t >= T0 ? 0 : undefined),
    }),
  );
  const s = incidentShare(h5.threshold, W);
  const R = busyRate(h5.minRequestRate * W);
  const gwTraffic = (share: number, perMin: number, start = T0) => {
    const ok = counter([[perMin, start], [perMin * (1 - share), L - start]]);
    const err = counter([[0, start], [perMin * share, L - start]]);
    return {
      ok,
      err,
      series: [
        { labels: named('istio_requests_total', sourceRequest(m, '200')), values: ok },
        { labels: named('istio_requests_total', sourceRequest(m, '503', 'UH')), values: err },
      ] as Series[],
    };
  };
  if (s !== undefined)
    out.push(
      ...rateIncident(ctx, T0, (start) => {
        const g = gwTraffic(s, R * 60, start);
        return {
          name: `${first.deployment} answers ${humanizePercentage(s)} of ${R} req/s with 503 from minute ${start}`,
          alert: 'IstioGatewayUnhealthy',
          signal: '5xx_error_rate',
          series: g.series,
          length: L,
          labels: { namespace: m.istioNs, istio: first.istioLabel },
          value: (t) => {
            const e = rateAt(g.err, t, W);
            const tot = sumDefined([rateAt(g.ok, t, W), e]);
            if (e === undefined || !tot) return undefined;
            return e / tot > h5.threshold && tot >= h5.minRequestRate ? e / tot : undefined;
          },
        };
      }),
    );
  out.push(
    silentCase(
      'IstioGatewayUnhealthy: silent with replicas available, one of two pods down, sidecars down and few 5xx',
      ['IstioGatewayUnhealthy'],
      [
        ksm(first.deployment, m.istioNs, [[2, T0], [1, L + 1 - T0]]),
        ...(second ? [ksm(second.deployment, m.istioNs, [[1, L + 1]])] : []),
        ksm(m.svc.name, m.svc.namespace, [[2, T0], [0, L + 1 - T0]]),
        up(first, 0, [[1, T0], [0, L + 1 - T0]]),
        up(first, 1, [[1, L + 1]]),
        { labels: named('up', sidecarTarget(m, m.svc.namespace, m.svc.name, m.svc.stableVersion)), values: gauge([[0, L + 1]]) },
        ...gwTraffic(h5.threshold / 2, R * 60).series,
      ],
      L,
    ),
  );
  out.push(silentCase('IstioGatewayUnhealthy: silent when the gateway gets no traffic', ['IstioGatewayUnhealthy'], gwTraffic(0, 0).series, L));
  out.push(silentCase('IstioGatewayUnhealthy: silent with missing data', ['IstioGatewayUnhealthy'], [], L));
  if (h5.minRequestRate > 0)
    out.push(
      silentCase(
        `IstioGatewayUnhealthy: low-traffic guard, 100% 5xx at ${fmt(h5.minRequestRate / 2)} req/s`,
        ['IstioGatewayUnhealthy'],
        gwTraffic(1, (h5.minRequestRate / 2) * 60).series,
        L,
      ),
    );
  return out;
}

/** Recording rules: one count per request, zeros instead of gaps, canary split, mTLS share. */
function recording(ctx: Ctx): TestCase[] {
  const { m, W } = ctx;
  const n = recordNames(ctx.config.alerts.window);
  const L = W + 5;
  const R = 10;
  const stableOk = counter([[540, L]]);
  const canaryOk = counter([[60, L]]);
  const sv = `{destination_service_name="${m.svc.name}", destination_service_namespace="${m.svc.namespace}"}`;
  const svV = (v: string) => `{destination_service_name="${m.svc.name}", destination_service_namespace="${m.svc.namespace}", destination_version="${v}"}`;
  const series: Series[] = [
    { labels: named('istio_requests_total', destinationRequest(m, '200', m.svc.stableVersion)), values: stableOk },
    { labels: named('istio_requests_total', destinationRequest(m, '200', m.svc.canaryVersion)), values: canaryOk },
    { labels: named('istio_requests_total', sourceRequest(m, '200')), values: counter([[R * 60, L]]) },
  ];
  return [
    {
      name: `recording rules: each request counted once (reporter="destination"), 5xx share 0 without 5xx series, canary split`,
      interval: '1m',
      input_series: input(series),
      promql_expr_test: [
        { expr: n.serviceRequestRate, eval_time: at(L), exp_samples: [{ labels: `${n.serviceRequestRate}${sv}`, value: R }] },
        { expr: n.serviceErrorRatio, eval_time: at(L), exp_samples: [{ labels: `${n.serviceErrorRatio}${sv}`, value: 0 }] },
        { expr: n.serviceSuccessRatio, eval_time: at(L), exp_samples: [{ labels: `${n.serviceSuccessRatio}${sv}`, value: 1 }] },
        { expr: n.serviceMtlsRatio, eval_time: at(L), exp_samples: [{ labels: `${n.serviceMtlsRatio}${sv}`, value: 1 }] },
        {
          expr: `${n.versionRequestRate} / ignoring (destination_version) group_left ${n.serviceRequestRate}`,
          eval_time: at(L),
          exp_samples: [
            { labels: svV(m.svc.canaryVersion), value: 0.1 },
            { labels: svV(m.svc.stableVersion), value: 0.9 },
          ],
        },
        { expr: n.meshRequestRate, eval_time: at(L), exp_samples: [{ labels: n.meshRequestRate, value: R }] },
        // The gateway level follows the configured gateway names (none enabled: no gateway rules).
        ...(m.gw.enabled.length
          ? [
              {
                expr: n.gatewayRequestRate,
                eval_time: at(L),
                exp_samples: [{ labels: `${n.gatewayRequestRate}{istio="${m.gw.client.istioLabel}", namespace="${m.istioNs}"}`, value: R }],
              },
            ]
          : []),
      ],
    },
  ];
}

/** Multi-window multi-burn-rate SLO alerts, for the first service (when enabled). */
function slo(ctx: Ctx): TestCase[] {
  const { m, config } = ctx;
  if (!config.alerts.slo.enabled) return [];
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
        { labels: named('istio_requests_total', destinationRequest(m, '200')), values: ok },
        { labels: named('istio_requests_total', destinationRequest(m, '500')), values: err },
        { labels: named('istio_requests_total', sourceRequest(m, '200')), values: ok },
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
  const above = (x: number) => (x * 1.4 <= 1 ? Number((x * 1.4).toPrecision(3)) : x < 0.99 ? Number(((x + 1) / 2).toPrecision(3)) : undefined);
  const fast = above(page * budget);
  if (fast !== undefined) {
    const share = fast;
    out.push(scenario(`fast burn, ${humanizePercentage(share)} errors (${fmt(share / budget)}x budget) pages`, 'ServiceAvailabilityErrorBudgetBurn', availability(share, N, L).series, share, 'critical'));
  }
  if (ticket * budget * 2 <= 1) {
    const share = Number((ticket * budget * 2).toPrecision(3));
    if (share < rates.filter((r) => r.severity === 'critical').reduce((mn, r) => Math.min(mn, r.factor), Infinity) * budget)
      out.push(scenario(`slow burn, ${humanizePercentage(share)} errors (${fmt(share / budget)}x budget) opens a ticket, no page`, 'ServiceAvailabilityErrorBudgetBurn', availability(share, N, L).series, share, 'warning'));
  }
  out.push(scenario(`within budget, ${humanizePercentage(budget / 2)} errors: silent`, 'ServiceAvailabilityErrorBudgetBurn', availability(budget / 2, N, L).series, 0, 'none'));
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
    return fast.series.map((s, i) => ({ labels: s.labels, values: s.values.map((v, j) => (v as number) + (slow.series[i]!.values[j] as number)) }));
  };
  const lfast = above(page * lbudget);
  if (slowBound && lfast !== undefined) {
    const share = lfast;
    out.push(scenario(`fast burn, ${humanizePercentage(share)} of requests slower than ${bound / 1000}s pages`, 'ServiceLatencyErrorBudgetBurn', latency(share, N), share, 'critical'));
  }
  out.push(scenario('latency within budget: silent', 'ServiceLatencyErrorBudgetBurn', latency(lbudget / 2, N), 0, 'none'));
  out.push(scenario('latency, no traffic: silent', 'ServiceLatencyErrorBudgetBurn', latency(0, 0), 0, 'none'));
  return out;
}

/** A healthy mesh with every input family present: no alert of the bundle fires. */
function healthyMesh(ctx: Ctx, alertNames: string[]): TestCase[] {
  const { m, W } = ctx;
  const L = W + 30;
  const ok = counter([[600, L]]);
  const series: Series[] = [
    { labels: named('istio_requests_total', destinationRequest(m, '200')), values: ok },
    { labels: named('istio_requests_total', sourceRequest(m, '200')), values: ok },
    ...histogramSeries(m, () => ({ n: 600, boundMs: 25 }), L).series.filter((s) => s.labels.__name__ !== 'istio_requests_total'),
    { labels: named('up', istiodTarget(m, 0)), values: gauge([[1, L + 1]]) },
    { labels: named('up', istiodTarget(m, 1)), values: gauge([[1, L + 1]]) },
    { labels: named('up', gatewayTarget(m, m.gw.client)), values: gauge([[1, L + 1]]) },
    { labels: named('pilot_xds_pushes', { ...istiodTarget(m), type: 'eds' }), values: counter([[30, L]]) },
    { labels: named('citadel_server_root_cert_expiry_seconds', istiodTarget(m)), values: counter([[-60, L]], 315360000) },
    { labels: named('kube_deployment_status_replicas_available', { job: m.ksmJob, namespace: m.istioNs, deployment: m.gw.client.deployment }), values: gauge([[2, L + 1]]) },
  ];
  return [silentCase('healthy mesh: no alert fires', alertNames, series, L)];
}

// ------------------------------------------------------------------------------------------------

/** Whether the config's window allows the 1-minute test grid. */
function windowMinutes(config: MeshobsConfig): number | undefined {
  const s = durationSeconds(config.alerts.window);
  return s % 60 === 0 && s >= 120 ? s / 60 : undefined;
}

/**
 * promtool test files for the config: `tests/<suite>.yml`, each reading `../rules.yml`. Returns the
 * files and the reasons any suite was left out.
 */
export function renderRuleTests(config: MeshobsConfig): { files: RuleTestFile[]; suites: Array<{ name: string; tests: TestCase[] }>; skipped: string[] } {
  const W = windowMinutes(config);
  if (!W) return { files: [], suites: [], skipped: [`alerts.window ${config.alerts.window} is not a whole number of minutes >= 2m: rule tests not rendered`] };
  const groups = ruleGroups(config);
  const rules = new Map<string, AlertingRule[]>();
  for (const g of groups)
    for (const r of g.rules)
      if ('alert' in r) rules.set(r.alert, [...(rules.get(r.alert) ?? []), r]);
  const svc = config.services[0]!;
  const j = config.prometheus.jobs;
  const ctx: Ctx = {
    config,
    W,
    m: { istioNs: config.namespaces.istio, envoyJob: j.envoy, istiodJob: j.istiod, ksmJob: j.kubeStateMetrics, cadvisorJob: j.cadvisor, svc, gw: gatewaysFor(config) },
    base: { ...config.alerts.extraLabels },
    rules,
  };
  const suites: Array<[string, TestCase[]]> = [
    ['High5xxErrorRate', high5xx(ctx)],
    ['HighRequestLatency', highLatency(ctx)],
    ['CertificateExpiringSoon', certificate(ctx)],
    ['PilotPushErrors', pilot(ctx)],
    ['IstioControlPlaneUnavailable', controlPlane(ctx)],
    ['HighProxyMemoryUsage', memory(ctx)],
    ['CircuitBreakerTriggered', circuitBreaker(ctx)],
    ['IstioGatewayUnhealthy', gateway(ctx)],
    ['recording-rules', recording(ctx)],
    ['healthy-mesh', healthyMesh(ctx, [...rules.keys()])],
    ['slo-burn-rate', slo(ctx)],
  ];
  const files = suites
    .filter(([, tests]) => tests.length)
    .map(([name, tests]) => ({
      path: `tests/${name}.yml`,
      content: toYaml(
        // Recording groups first: without an order promtool evaluates groups in random order, and an
        // alert could read the previous minute's recording (Prometheus itself runs groups concurrently).
        { rule_files: ['../rules.yml'], evaluation_interval: '1m', group_eval_order: groups.map((g) => g.name), tests },
        `promtool unit tests of ${name}, rendered from the mesh config.\nRun: promtool test rules tests/*.yml (from the alerts folder).`,
      ),
    }));
  return { files, suites: suites.filter(([, t]) => t.length).map(([name, tests]) => ({ name, tests })), skipped: [] };
}

export type { AlertName };
