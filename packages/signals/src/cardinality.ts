// The cardinality profile (config `cardinality.*`): which Istio labels and series the bundle can do
// without, derived from the PromQL of its alerts, recording rules and panels (selectorReads), and
// how Prometheus and Envoy apply the cut, so the benchmark and the tests reduce the synthetic mesh
// exactly as a real mesh would be reduced.
import type { MeshobsConfig } from '@meshobs/config';
import { ISTIO_METRIC_SELECTORS, ISTIO_STANDARD_METRICS } from './metrics.ts';
import { type LabelMatcher, matcherAccepts, type SelectorRead, selectorReads } from './promql-reads.ts';

/**
 * The labels (tags) of every Istio standard metric, the candidates for tagOverrides REMOVE. Source:
 * istio/istio.io content/en/docs/reference/config/metrics/index.md, section "Labels". Pod labels
 * the scrape adds (namespace, pod, app, version, istio, job, instance) are not Istio tags.
 */
export const ISTIO_STANDARD_LABELS = [
  'reporter',
  'source_workload',
  'source_workload_namespace',
  'source_principal',
  'source_app',
  'source_version',
  'destination_workload',
  'destination_workload_namespace',
  'destination_principal',
  'destination_app',
  'destination_version',
  'destination_service',
  'destination_service_name',
  'destination_service_namespace',
  'request_protocol',
  'response_code',
  'connection_security_policy',
  'response_flags',
  'source_canonical_service',
  'source_canonical_revision',
  'destination_canonical_service',
  'destination_canonical_revision',
  'source_cluster',
  'destination_cluster',
  'grpc_response_status',
] as const;

/** The two values of Istio's `reporter` label. */
export const REPORTERS = ['source', 'destination'] as const;
export type Reporter = (typeof REPORTERS)[number];

/**
 * The Telemetry API's WorkloadMode for each reporter: a CLIENT override acts on what the client proxy
 * reports (reporter="source"), a SERVER override on the server proxy's (reporter="destination").
 */
export const REPORTER_MODE: Record<Reporter, 'CLIENT' | 'SERVER'> = { source: 'CLIENT', destination: 'SERVER' };

/** Tags removed from one metric on one side, on top of the plan's `removeLabels`. */
export interface MetricLabelRemoval {
  /** A key of ISTIO_METRIC_SELECTORS. */
  metric: string;
  reporter: Reporter;
  labels: string[];
}

/**
 * One metric_relabel_configs rule with `action: drop`: Prometheus joins the source label values
 * with ";" and drops the series when the anchored regex matches the result.
 */
export interface DropRule {
  sourceLabels: string[];
  regex: string;
  /** Which setting asked for it, and what it drops (a comment in the rendered monitor). */
  reason: string;
}

export interface CardinalityPlan {
  /** Istio tags removed at the proxies from every metric (Telemetry tagOverrides REMOVE on ALL_METRICS). */
  removeLabels: string[];
  /**
   * Tags removed from one metric on one side only: those no read of that metric and reporter needs
   * (the latency histogram's server side is read by destination only, so its source and response
   * code tags go and Envoy merges its buckets). Only metrics and sides some read selects: the rest
   * are left to the drop settings.
   */
  removeByMetric: MetricLabelRemoval[];
  /** Scrape-time drop rules for the Envoy job. */
  drops: DropRule[];
}

export const EMPTY_PLAN: CardinalityPlan = { removeLabels: [], removeByMetric: [], drops: [] };

type Settings = MeshobsConfig['cardinality'];

/** Whether a read could select a series of metric `name` that has labels `labels`. */
function couldSelect(read: SelectorRead, name: string, labels: Record<string, string>, only?: readonly string[]): boolean {
  if (read.metric !== '' && read.metric !== name) return false;
  const ms: LabelMatcher[] = read.matchers.filter((m) => !only || only.includes(m.name) || m.name === '__name__');
  return ms.every((m) => matcherAccepts(m, m.name === '__name__' ? name : labels[m.name]));
}

/** The raw Istio reads among the expressions (recording rules' own outputs are not Istio series). */
export function istioReads(exprs: readonly string[]): SelectorRead[] {
  return exprs.flatMap((e) => selectorReads(e)).filter((r) => (r.metric === '' ? true : ISTIO_STANDARD_METRICS.includes(r.metric)));
}

/**
 * Istio labels some read depends on: the labels it keeps (grouping, vector matching, quantile
 * buckets) and the labels it matches on. 'all' if a read keeps every label.
 */
export function readIstioLabels(reads: readonly SelectorRead[]): Set<string> | 'all' {
  const out = new Set<string>();
  for (const r of reads) {
    if (r.labels === 'all') return 'all';
    for (const l of r.labels) out.add(l);
    for (const m of r.matchers) out.add(m.name);
  }
  return out;
}

const alternation = (names: readonly string[]) => (names.length === 1 ? names[0]! : `(?:${names.join('|')})`);

/** The plan for a config's settings, from the expressions of every alert, recording rule and panel. */
export function derivePlan(settings: Settings, exprs: readonly string[]): CardinalityPlan {
  const reads = istioReads(exprs);
  const used = readIstioLabels(reads);
  const removeLabels = settings.removeUnreadIstioLabels && used !== 'all' ? ISTIO_STANDARD_LABELS.filter((l) => !used.has(l)) : [];
  const removeByMetric = settings.removeUnreadIstioLabels ? perMetricRemovals(reads, removeLabels) : [];
  const unreadMetrics = ISTIO_STANDARD_METRICS.filter((name) => !reads.some((r) => couldSelect(r, name, {}, [])));
  const drops: DropRule[] = [];
  if (settings.dropUnreadIstioMetrics && unreadMetrics.length)
    drops.push({
      sourceLabels: ['__name__'],
      regex: alternation(unreadMetrics),
      reason: 'cardinality.dropUnreadIstioMetrics: Istio metrics no alert, recording rule or panel reads',
    });
  if (settings.dropUnreadReporterSeries)
    for (const reporter of REPORTERS) {
      const names = ISTIO_STANDARD_METRICS.filter(
        (name) => !unreadMetrics.includes(name) && !reads.some((r) => couldSelect(r, name, { reporter }, ['reporter'])),
      );
      if (names.length)
        drops.push({
          sourceLabels: ['__name__', 'reporter'],
          regex: `${alternation(names)};${reporter}`,
          reason: `cardinality.dropUnreadReporterSeries: reporter="${reporter}" series no query selects`,
        });
    }
  return { removeLabels, removeByMetric, drops };
}

/** Which Telemetry selector a series name belongs to (undefined: not an Istio standard metric). */
export const metricSelectorOf = (name: string): string | undefined =>
  Object.keys(ISTIO_METRIC_SELECTORS).find((k) => ISTIO_METRIC_SELECTORS[k]!.includes(name));

/** The reads that could select some family of a selector on one side. */
const readsOf = (reads: readonly SelectorRead[], metric: string, reporter: Reporter) =>
  reads.filter((r) => ISTIO_METRIC_SELECTORS[metric]!.some((name) => couldSelect(r, name, { reporter }, ['reporter'])));

function perMetricRemovals(reads: readonly SelectorRead[], removeLabels: readonly string[]): MetricLabelRemoval[] {
  const out: MetricLabelRemoval[] = [];
  for (const metric of Object.keys(ISTIO_METRIC_SELECTORS))
    for (const reporter of REPORTERS) {
      const mine = readsOf(reads, metric, reporter);
      if (!mine.length) continue;
      const used = readIstioLabels(mine);
      if (used === 'all') continue;
      // reporter stays: it is what tells the two sides apart.
      const labels = ISTIO_STANDARD_LABELS.filter((l) => l !== 'reporter' && !used.has(l) && !removeLabels.includes(l));
      if (labels.length) out.push({ metric, reporter, labels });
    }
  return out;
}

/** Every tag the plan removes from one series of metric `name` (both the global and its own removals). */
export function removedLabelsOf(plan: CardinalityPlan, name: string, reporter: string | undefined): string[] {
  const metric = metricSelectorOf(name);
  if (!metric) return [];
  const own = plan.removeByMetric.filter((r) => r.metric === metric && r.reporter === reporter).flatMap((r) => r.labels);
  return [...plan.removeLabels, ...own];
}

/**
 * One raw series as Prometheus stores it under the plan: the removed tags are gone (Envoy never
 * emits them; the series that differed only there are one series, their values summed, which the
 * caller does by merging equal results), then the drop rules run as metric_relabel_configs do
 * (prometheus/prometheus model/relabel/relabel.go: values of source_labels joined by the default
 * separator ";", regex anchored as ^(?:regex)$, `drop` removes the series on a match). Undefined:
 * dropped.
 */
export function applyPlan(plan: CardinalityPlan, name: string, labels: Record<string, string>): Record<string, string> | undefined {
  let out = labels;
  const removed = removedLabelsOf(plan, name, labels.reporter);
  if (removed.length) {
    out = { ...labels };
    for (const l of removed) delete out[l];
  }
  for (const d of plan.drops) {
    const value = d.sourceLabels.map((l) => (l === '__name__' ? name : (out[l] ?? ''))).join(';');
    if (new RegExp(`^(?:${d.regex})$`).test(value)) return undefined;
  }
  return out;
}

/**
 * Every read a plan would break, as text: a read that matches on or keeps a removed label, or that
 * could select series a drop rule removes. Empty for every plan derivePlan makes; the tests assert it.
 */
export function brokenReads(plan: CardinalityPlan, exprs: readonly string[]): string[] {
  const out: string[] = [];
  const removed = new Set(plan.removeLabels);
  for (const r of istioReads(exprs)) {
    const needs = r.labels === 'all' ? [...ISTIO_STANDARD_LABELS] : [...r.labels, ...r.matchers.map((m) => m.name)];
    for (const l of needs) if (removed.has(l)) out.push(`${r.metric} needs label ${l}, which removeLabels removes`);
    for (const name of ISTIO_STANDARD_METRICS)
      for (const reporter of REPORTERS) {
        const labels = { reporter };
        if (!couldSelect(r, name, labels, ['reporter'])) continue;
        if (!applyPlan({ ...EMPTY_PLAN, drops: plan.drops }, name, labels))
          out.push(`${name}{reporter="${reporter}"} is read by a selector of ${r.metric || '{}'} but dropped`);
        const own = removedLabelsOf({ ...plan, removeLabels: [] }, name, reporter);
        for (const l of needs)
          if (own.includes(l)) out.push(`${name}{reporter="${reporter}"} needs label ${l}, which removeByMetric removes`);
      }
  }
  return [...new Set(out)];
}
