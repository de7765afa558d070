// PromQL combinators: tiny string builders in the manner of Istio's dashboards (istio/istio
// manifests/addons/dashboards/lib/lib-query.libsonnet: `sum`, `rate`, `irate`, `labels` build one
// expression from parts; queries.libsonnet names the queries the panels use). Pure text, no config:
// the named signals of the other files of this package compose them.

/** A label matcher such as `job="istiod"`, or nothing (skipped). */
export type Matcher = string | undefined | false;

/** `by (a, b)` clause (empty for no labels). */
export const by = (labels: readonly string[]): string => (labels.length ? ` by (${labels.join(', ')})` : '');

/** `on (a, b)` clause of a binary operation. */
export const on = (labels: readonly string[]): string => `on (${labels.join(', ')})`;

/** Joins label matchers into a selector body; skips empty entries. */
export const matchers = (...ms: Matcher[]): string => ms.filter(Boolean).join(', ');

/** `metric{matchers}` (bare metric without matchers). */
export const selector = (metric: string, ...ms: Matcher[]): string => {
  const body = matchers(...ms);
  return body ? `${metric}{${body}}` : metric;
};

/** `rate(metric{matchers}[window])` */
export const rate = (metric: string, window: string, ...ms: Matcher[]): string => `rate(${selector(metric, ...ms)}[${window}])`;

/** `fn(arg, ...)`: absent, min, sum... without grouping. */
export const call = (fn: string, ...args: string[]): string => `${fn}(${args.join(', ')})`;

/** `op by (labels) (expr)`, or `op(expr)` without labels: sum, max, min... */
export const aggregate = (op: string, labels: readonly string[], expr: string): string =>
  labels.length ? `${op}${by(labels)} (${expr})` : call(op, expr);

/**
 * `sum by (labels) (rate(metric{matchers}[window]))`; without labels `sum (rate(...))` (the form the
 * rendered rules and dashboards have always had: kept so the bundle does not change).
 */
export const sumRate = (metric: string, window: string, labels: readonly string[], ...ms: Matcher[]): string =>
  `sum${by(labels)} (${rate(metric, window, ...ms)})`;

/** `histogram_quantile(q, buckets)`: `buckets` must keep `le`. */
export const histogramQuantile = (q: number | string, buckets: string): string => `histogram_quantile(${q}, ${buckets})`;

/** `part or total * 0`: a level with traffic but no `part` series yields 0 instead of no data. */
export const orZero = (part: string, total: string): string => `${part} or ${total} * 0`;

/**
 * `part / total`, where a level with traffic but no `part` series yields 0 instead of no data (a
 * service that has never returned a 5xx has no 5xx series at all).
 */
export const ratioOrZero = (part: string, total: string): string => `(${orZero(part, total)}) / ${total}`;

/** Regex alternation of names (DNS labels: nothing to escape). */
export const oneOf = (names: readonly string[]): string => names.join('|');
