// The cardinality profile of a config: derived from every expression the bundle evaluates, the
// alerting and recording rules (rules.yml) and every panel and variable query of the dashboards.
import { ruleGroups } from '@meshobs/alerts';
import type { MeshobsConfig } from '@meshobs/config';
import { panelsOf, queriesOf, variableQuery, variablesOf } from '@meshobs/dashboard-model';
import { type CardinalityPlan, derivePlan } from '@meshobs/signals';
import { buildDashboards } from './render.ts';

/** Every PromQL expression of the bundle for a config: rules, panel queries, variable queries. */
export function bundleQueries(config: MeshobsConfig): string[] {
  return [
    ...ruleGroups(config).flatMap((g) => g.rules.map((r) => r.expr)),
    ...buildDashboards(config).flatMap((d) => [
      ...panelsOf(d).flatMap((p) => queriesOf(p).map((q) => q.expr)),
      ...variablesOf(d).flatMap((v) => variableQuery(v) ?? []),
    ]),
  ].filter((e) => e.trim() !== '');
}

/** What the config's `cardinality` settings remove (nothing when every setting is off). */
export const cardinalityPlan = (config: MeshobsConfig): CardinalityPlan => derivePlan(config.cardinality, bundleQueries(config));

/**
 * What the profile costs outside the bundle: Kiali queries Prometheus for the raw Istio series
 * itself (its graph groups by the canonical service and revision labels, shows mTLS from the
 * principals and the protocol from request_protocol; its metrics pages chart the duration and size
 * histograms of either reporter), so what the bundle does without can be what a Kiali view needs.
 */
export function cardinalityWarnings(plan: CardinalityPlan): string[] {
  const out: string[] = [];
  if (plan.removeLabels.length)
    out.push(
      `cardinality.removeUnreadIstioLabels removes ${plan.removeLabels.join(', ')} from every Istio metric: ` +
        'Kiali views that group or filter by them (graph by canonical service, security badges, protocol) show less',
    );
  if (plan.removeByMetric.length)
    out.push(
      `cardinality.removeUnreadIstioLabels also removes, per metric and side, the labels no read of it needs (${plan.removeByMetric
        .map((r) => `${r.metric} reporter=${r.reporter}: ${r.labels.join(', ')}`)
        .join('; ')}): Kiali metrics pages that break them down by those labels show one series instead`,
    );
  for (const d of plan.drops) out.push(`${d.reason} (${d.regex}) are dropped at scrape: Kiali metrics pages that chart them stay empty`);
  return out;
}
