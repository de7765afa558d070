// The cardinality profile's drop rules on the Envoy scrape: the PodMonitor's metricRelabelings and the
// plain job's metric_relabel_configs, schema-valid, and only when the plan has any.
import { parseConfig } from '@meshobs/config';
import { validateObjects } from '@meshobs/kube';
import { resolveModel } from '@meshobs/model';
import { type CardinalityPlan, derivePlan, EMPTY_PLAN } from '@meshobs/signals';
import { describe, expect, it } from 'vitest';
import { monitors, scrapeConfigs } from '../src/index.ts';

const config = parseConfig({});
/** The model of the config, with a given cardinality plan in place of its own. */
const withPlan = (p: CardinalityPlan) => ({ ...resolveModel(config), cardinality: p });
const plan = derivePlan({ removeUnreadIstioLabels: false, dropUnreadIstioMetrics: true, dropUnreadReporterSeries: true }, [
  'sum by (destination_service_name, le) (rate(istio_request_duration_milliseconds_bucket{reporter="destination"}[5m]))',
  'sum by (destination_service_name) (rate(istio_requests_total[5m]))',
]);
const envoyEndpoint = (p = plan) => {
  const pm = monitors(withPlan(p)).find((o) => o.metadata.name === 'meshobs-envoy-stats') as unknown as {
    spec: { podMetricsEndpoints: Record<string, unknown>[] };
  };
  return pm.spec.podMetricsEndpoints[0]!;
};
const envoyJob = (p = plan) =>
  (scrapeConfigs(withPlan(p)).scrape_configs as Array<Record<string, unknown>>).find((j) => j.job_name === config.prometheus.jobs.envoy)!;

describe('cardinality drop rules', () => {
  it('none by default', () => {
    expect(envoyEndpoint(EMPTY_PLAN).metricRelabelings).toBeUndefined();
    expect(envoyJob(EMPTY_PLAN).metric_relabel_configs).toBeUndefined();
  });

  it('drop rules on the Envoy PodMonitor and the plain Envoy job, the same rules; schema-valid', async () => {
    const rules = plan.drops.map((d) => ({ action: 'drop', sourceLabels: d.sourceLabels, regex: d.regex }));
    expect(rules.length).toBe(2);
    expect(envoyEndpoint().metricRelabelings).toEqual(rules);
    expect(envoyJob().metric_relabel_configs).toEqual(
      plan.drops.map((d) => ({ action: 'drop', source_labels: d.sourceLabels, regex: d.regex })),
    );
    expect(await validateObjects(monitors(withPlan(plan)))).toEqual([]);
  });
});
