// The cardinality profile's label removal in the mesh-wide Telemetry: schema-valid, and only when on.
import { type CardinalityPlan, derivePlan } from '@meshobs/alerts';
import { parseConfig } from '@meshobs/config';
import { type KubeObject, validateObjects } from '@meshobs/kube';
import { describe, expect, it } from 'vitest';
import { renderIstio } from '../src/index.ts';

const telemetry = (plan?: CardinalityPlan) =>
  renderIstio(parseConfig({}), plan).objects.find((o) => o.kind === 'Telemetry') as KubeObject & { spec: Record<string, unknown> };

describe('Telemetry metrics overrides', () => {
  const plan = derivePlan({ removeUnreadIstioLabels: true, dropUnreadIstioMetrics: false, dropUnreadReporterSeries: false }, [
    'sum by (destination_service_name) (rate(istio_requests_total{reporter="destination"}[5m]))',
  ]);

  it('none without a plan (the default bundle is unchanged)', () => {
    expect(telemetry().spec.metrics).toBeUndefined();
  });

  it('REMOVE on ALL_METRICS, client and server, for every removed label; schema-valid', async () => {
    const t = telemetry(plan);
    expect(t.spec.metrics).toEqual([
      {
        providers: [{ name: 'prometheus' }],
        overrides: [
          {
            match: { metric: 'ALL_METRICS', mode: 'CLIENT_AND_SERVER' },
            tagOverrides: Object.fromEntries(plan.removeLabels.map((l) => [l, { operation: 'REMOVE' }])),
          },
        ],
      },
    ]);
    expect(plan.removeLabels).toContain('source_principal');
    expect(plan.removeLabels).not.toContain('destination_service_name');
    expect(await validateObjects([t])).toEqual([]);
  });
});
