// The cardinality plan of a config: what its `cardinality` settings may remove, derived from every read of
// the series: the rules, the dashboards' raw Istio reads (PANEL_ISTIO_READS) and, when the bundle wires
// Kiali, Kiali's own queries (KIALI_READS), so the plan never removes what a configured consumer reads.
import type { MeshobsConfig } from '@meshobs/config';
import { type CardinalityPlan, derivePlan, KIALI_READS, PANEL_ISTIO_READS } from '@meshobs/signals';
import type { RuleGroup } from './rules/rules.ts';

/** Every PromQL read of the raw Istio series for a config: rules, panels, and Kiali when it is wired. */
export function seriesReads(config: MeshobsConfig, groups: readonly RuleGroup[]): string[] {
  return [...(config.kiali.enabled ? KIALI_READS : []), ...groups.flatMap((g) => g.rules.map((r) => r.expr)), ...PANEL_ISTIO_READS].filter(
    (e) => e.trim() !== '',
  );
}

export const cardinalityPlanOf = (config: MeshobsConfig, groups: readonly RuleGroup[]): CardinalityPlan =>
  derivePlan(config.cardinality, seriesReads(config, groups));

/**
 * What the profile means for a consumer outside the bundle. With Kiali in the bundle its reads are part of
 * the plan, so nothing it shows is removed, and a setting Kiali leaves nothing to do for says so. Without it,
 * a Kiali or other tool the user runs on the same Prometheus may read what the bundle does without.
 */
export function cardinalityWarnings(config: MeshobsConfig, plan: CardinalityPlan): string[] {
  if (config.kiali.enabled) {
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
