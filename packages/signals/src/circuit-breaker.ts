// Circuit breaking and outlier ejection: the response flags every client proxy reports, and the
// Envoy cluster stats the mesh's proxyStatsMatcher turns on.
import { ENVOY_METRICS } from './metrics.ts';
import { aggregate, type Matcher, rate, selector } from './promql.ts';
import { sourceRequestRate } from './requests.ts';

/** Response flags Envoy sets when it refuses a request for circuit-breaking reasons. */
export const CIRCUIT_BREAKER_RESPONSE_FLAGS = ['UO', 'URX', 'UH'] as const;
export const CIRCUIT_BREAKER_FLAGS_MATCHER = `response_flags=~".*(${CIRCUIT_BREAKER_RESPONSE_FLAGS.join('|')}).*"`;

/**
 * Envoy cluster stats CircuitBreakerTriggered reads. Envoy exports them only when the mesh's
 * `meshConfig.defaultConfig.proxyStatsMatcher` includes them: packages/istio renders that snippet
 * from `PROXY_STATS_MATCHER` below. `envoySuffix` is the Envoy stat-name suffix
 * (`cluster.<name>.<suffix>`), `prometheus` the name it gets on /stats/prometheus; `alert` says what
 * the alert reports for the stats it fires on (the others are shown on the dashboards only).
 */
export const CIRCUIT_BREAKER_ENVOY_STATS = [
  {
    prometheus: ENVOY_METRICS.upstreamRqPendingOverflow,
    envoySuffix: 'upstream_rq_pending_overflow',
    type: 'counter',
    meaning: 'requests refused because the pending-request queue (connectionPool http1MaxPendingRequests) was full',
    alert: 'requests/s overflowed the pending-request queue',
  },
  {
    prometheus: ENVOY_METRICS.upstreamCxOverflow,
    envoySuffix: 'upstream_cx_overflow',
    type: 'counter',
    meaning: 'connections refused because the connection pool (connectionPool maxConnections) was full',
    alert: 'connections/s overflowed the connection pool',
  },
  {
    prometheus: ENVOY_METRICS.upstreamRqRetryOverflow,
    envoySuffix: 'upstream_rq_retry_overflow',
    type: 'counter',
    meaning: 'retries not attempted because the retry budget/circuit breaker was exhausted',
    alert: undefined,
  },
  {
    prometheus: ENVOY_METRICS.outlierEjectionsActive,
    envoySuffix: 'outlier_detection.ejections_active',
    type: 'gauge',
    meaning: 'upstream hosts currently ejected by outlier detection',
    alert: 'upstream hosts are ejected by outlier detection',
  },
] as const;

export type EnvoyStat = (typeof CIRCUIT_BREAKER_ENVOY_STATS)[number];

/** The `signal` label of a stat's alert rule: its Envoy suffix with `_` for `.`. */
export const envoyStatSignal = (s: EnvoyStat): string => s.envoySuffix.replace(/\./g, '_');

/** The stats the alert fires on (each is one signal of CircuitBreakerTriggered), in rule order. */
export const CIRCUIT_BREAKER_ALERT_STATS = CIRCUIT_BREAKER_ENVOY_STATS.filter((s) => s.alert !== undefined);

/**
 * Value for `meshConfig.defaultConfig.proxyStatsMatcher` (ProxyConfig.ProxyStatsMatcher) that turns on
 * the stats above. Suffix matching is cheap for Envoy and does not catch unrelated stats.
 * Emitted by packages/istio, not here.
 */
export const PROXY_STATS_MATCHER = {
  inclusionSuffixes: [...new Set(CIRCUIT_BREAKER_ENVOY_STATS.map((s) => s.envoySuffix))],
} as const;

/** Requests the client proxies refused (UO/URX/UH), aggregated to `labels`. */
export const refusedRequestRate = (window: string, labels: readonly string[], ...ms: Matcher[]) =>
  sourceRequestRate(window, labels, ...ms, CIRCUIT_BREAKER_FLAGS_MATCHER);

/** A stat aggregated to `labels`: the rate of a counter, or `gaugeOp` of a gauge. */
export const envoyStat = (s: EnvoyStat, window: string, labels: readonly string[], gaugeOp: 'max' | 'sum', ...ms: Matcher[]) =>
  s.type === 'counter'
    ? aggregate('sum', labels, rate(s.prometheus, window, ...ms))
    : aggregate(gaugeOp, labels, selector(s.prometheus, ...ms));
