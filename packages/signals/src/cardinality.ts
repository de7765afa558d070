// The cardinality profile (config `cardinality.*`): which Istio labels and series the bundle can do
// without, derived from the PromQL of its alerts, recording rules and panels (selectorReads), and
// how Prometheus and Envoy apply the cut, so the benchmark and the tests reduce the synthetic mesh
// exactly as a real mesh would be reduced.
import type { MeshobsConfig } from '@meshobs/config';
import { ISTIO_STANDARD_METRICS } from './metrics.ts';
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
  /** Istio tags removed at the proxies (Telemetry tagOverrides REMOVE on ALL_METRICS). */
  removeLabels: string[];
  /** Scrape-time drop rules for the Envoy job. */
  drops: DropRule[];
}

export const EMPTY_PLAN: CardinalityPlan = { removeLabels: [], drops: [] };

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
  return { removeLabels, drops };
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
  if (plan.removeLabels.length && ISTIO_STANDARD_METRICS.includes(name)) {
    out = { ...labels };
    for (const l of plan.removeLabels) delete out[l];
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
        if (couldSelect(r, name, labels, ['reporter']) && !applyPlan({ removeLabels: [], drops: plan.drops }, name, labels))
          out.push(`${name}{reporter="${reporter}"} is read by a selector of ${r.metric || '{}'} but dropped`);
      }
  }
  return [...new Set(out)];
}
