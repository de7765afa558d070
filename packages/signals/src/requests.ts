// Istio request and TCP signals from the raw series (no recording rule involved): usable with any
// window, including Grafana's `$__rate_interval`. Which reporter each view reads: labels.ts.

import { CODE, REPORTER, SERVICE_LABELS } from './labels.ts';
import { ISTIO_METRICS } from './metrics.ts';
import { histogramQuantile, type Matcher, sumRate } from './promql.ts';

/** Request rate at the server side (reporter="destination"), aggregated to `labels`. */
export const requestRate = (window: string, labels: readonly string[] = SERVICE_LABELS, ...ms: Matcher[]) =>
  sumRate(ISTIO_METRICS.requests, window, labels, REPORTER.destination, ...ms);

/** Request rate as the client proxies report it (reporter="source"): gateways, circuit breaking. */
export const sourceRequestRate = (window: string, labels: readonly string[], ...ms: Matcher[]) =>
  sumRate(ISTIO_METRICS.requests, window, labels, REPORTER.source, ...ms);

/** Server-side rate of the latency buckets, aggregated to `labels` plus `le`. */
export const durationBucketRate = (window: string, labels: readonly string[] = SERVICE_LABELS, ...ms: Matcher[]) =>
  sumRate(ISTIO_METRICS.requestDurationBucket, window, [...labels, 'le'], REPORTER.destination, ...ms);

/**
 * Share of requests slower than a bucket bound (`le` matcher), server side: 1 - fast / all. The
 * latency SLI of the SLO rules.
 */
export const slowRequestRatio = (window: string, le: string, labels: readonly string[], ...ms: Matcher[]) =>
  `1 - (\n  ${sumRate(ISTIO_METRICS.requestDurationBucket, window, labels, REPORTER.destination, ...ms, le)}\n  /\n  ${sumRate(ISTIO_METRICS.requestDurationCount, window, labels, REPORTER.destination, ...ms)}\n)`;

/** P-quantile latency in seconds at the server side, from raw buckets. */
export const latencySeconds = (q: string, window: string, labels: readonly string[] = SERVICE_LABELS, ...ms: Matcher[]) =>
  `${histogramQuantile(q, durationBucketRate(window, labels, ...ms))} / 1000`;

/** Server-side rate of one of the TCP counters (ISTIO_TCP_COUNTERS). */
export const tcpRate = (metric: string, window: string, labels: readonly string[] = SERVICE_LABELS) =>
  sumRate(metric, window, labels, REPORTER.destination);

/** 5xx requests: the part of High5xxErrorRate's ratio. */
export const errorRequestRate = (window: string, labels: readonly string[] = SERVICE_LABELS, ...ms: Matcher[]) =>
  requestRate(window, labels, ...ms, CODE.c5xx);
