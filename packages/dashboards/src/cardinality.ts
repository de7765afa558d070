// The cardinality profile of a config: derived from every expression the bundle evaluates, the
// alerting and recording rules (rules.yml) and every panel and variable query of the dashboards.
import { ruleGroups } from '@meshobs/alerts';
import type { MeshobsConfig } from '@meshobs/config';
import { panelsOf, queriesOf, variableQuery, variablesOf } from '@meshobs/dashboard-model';
import { type CardinalityPlan, derivePlan, KIALI_READS } from '@meshobs/signals';
import { buildDashboards } from './render.ts';

/**
 * Every PromQL expression the bundle's consumers evaluate for a config: rules, panel queries, variable
 * queries, and Kiali's own queries when the bundle wires Kiali (its graph and metrics pages read raw
 * Istio series the bundle's panels do not), so the cardinality profile never removes what Kiali reads.
 */
export function bundleQueries(config: MeshobsConfig): string[] {
  return [
    ...(config.kiali.enabled ? KIALI_READS : []),
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
 * What the profile costs outside the bundle. With Kiali in the bundle its reads are part of the plan
 * (bundleQueries), so nothing it shows is removed. Without it, a Kiali or other tool the user runs
 * on the same Prometheus may read what the bundle does without.
 */
export function cardinalityWarnings(config: MeshobsConfig, plan: CardinalityPlan): string[] {
  if (config.kiali.enabled) {
    // A setting Kiali's reads leave nothing to do for: say so rather than pretend it cuts.
    const c = config.cardinality;
    const idle = [
      c.removeUnreadIstioLabels && !plan.removeLabels.length && !plan.removeByMetric.length && 'removeUnreadIstioLabels',
      c.dropUnreadIstioMetrics && !plan.drops.some((d) => d.sourceLabels.length === 1) && 'dropUnreadIstioMetrics',
      c.dropUnreadReporterSeries && !plan.drops.some((d) => d.sourceLabels.includes('reporter')) && 'dropUnreadReporterSeries',
    ].filter((s): s is string => typeof s === 'string');
    return idle.map(
      (s) =>
        `cardinality.${s} removes nothing: Kiali (kiali.enabled) reads every label and series it would remove, and the plan keeps what Kiali reads`,
    );
  }
  const removed = [
    ...(plan.removeLabels.length ? [`the labels ${plan.removeLabels.join(', ')} of every Istio metric`] : []),
    ...(plan.removeByMetric.length ? ['per metric and side, the labels no read of it needs'] : []),
    ...plan.drops.map((d) => `${d.reason} (${d.regex})`),
  ];
  return removed.length
    ? [
        `the cardinality profile removes ${removed.join('; ')}: kiali.enabled is false, so the plan keeps only what the bundle's rules ` +
          'and panels read; a Kiali (or other dashboard) you run yourself on this Prometheus shows less. Set kiali.enabled to keep what Kiali reads.',
      ]
    : [];
}
