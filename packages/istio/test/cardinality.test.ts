// The cardinality profile's label removal in the mesh-wide Telemetry: schema-valid, and only when on.

import { parseConfig } from '@meshobs/config';
import { type KubeObject, validateObjects } from '@meshobs/kube';
import { resolveModel } from '@meshobs/model';
import { type CardinalityPlan, derivePlan } from '@meshobs/signals';
import { describe, expect, it } from 'vitest';
import { renderIstio } from '../src/index.ts';

const telemetry = (plan?: CardinalityPlan) =>
  renderIstio({ ...resolveModel(parseConfig({})), ...(plan ? { cardinality: plan } : {}) }).objects.find(
    (o) => o.kind === 'Telemetry',
  ) as KubeObject & { spec: Record<string, unknown> };

describe('Telemetry metrics overrides', () => {
  const plan = derivePlan({ removeUnreadIstioLabels: true, dropUnreadIstioMetrics: false, dropUnreadReporterSeries: false }, [
    'sum by (destination_service_name) (rate(istio_requests_total{reporter="destination"}[5m]))',
    'sum by (destination_service_name, response_code) (rate(istio_requests_total{reporter="source"}[5m]))',
  ]);

  it('none without a plan (the default bundle is unchanged)', () => {
    expect(telemetry().spec.metrics).toBeUndefined();
  });

  it('REMOVE on ALL_METRICS for every label nothing reads, then per metric and side; schema-valid', async () => {
    const t = telemetry(plan);
    const remove = (labels: string[]) => Object.fromEntries(labels.map((l) => [l, { operation: 'REMOVE' }]));
    expect(t.spec.metrics).toEqual([
      {
        providers: [{ name: 'prometheus' }],
        overrides: [
          { match: { metric: 'ALL_METRICS', mode: 'CLIENT_AND_SERVER' }, tagOverrides: remove(plan.removeLabels) },
          ...plan.removeByMetric.map((r) => ({
            match: { metric: r.metric, mode: r.reporter === 'source' ? 'CLIENT' : 'SERVER' },
            tagOverrides: remove([...plan.removeLabels, ...r.labels]),
          })),
        ],
      },
    ]);
    // The server side is read by destination service only: response_code goes there, not client side.
    expect(plan.removeByMetric).toEqual([{ metric: 'REQUEST_COUNT', reporter: 'destination', labels: ['response_code'] }]);
    expect(t.spec.metrics).toMatchObject([{ overrides: [{}, { match: { metric: 'REQUEST_COUNT', mode: 'SERVER' } }] }]);
    expect(plan.removeLabels).toContain('source_principal');
    expect(plan.removeLabels).not.toContain('destination_service_name');
    expect(await validateObjects([t])).toEqual([]);
  });
});
