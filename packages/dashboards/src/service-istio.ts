// The rows of the service dashboard that carry the remaining views of Istio's Service dashboard
// (istio/istio manifests/addons/dashboards/istio-service-dashboard.json): what the callers saw
// (reporter="source") and the request and response body sizes by caller and by serving workload.
// Every panel reads recorded series (the `meshobs.istio.client` and `meshobs.istio.sizes` groups).
import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import type { MeshobsConfig } from '@meshobs/config';
import { istioViewQueries, QUANTILES } from '@meshobs/signals';
import type { Layout } from './layout.ts';
import { row, stat, timeseries } from './panels.ts';

const SOURCE_LEGEND = '{{source_workload}}.{{source_workload_namespace}}';
const WORKLOAD_LEGEND = '{{destination_workload}}.{{destination_workload_namespace}}';

export function withServiceIstioViews(d: DashboardBuilder, l: Layout, config: MeshobsConfig): DashboardBuilder {
  const q = istioViewQueries(config);
  const sizes = (fn: (q: string) => string, legend: string) => QUANTILES.map((p) => ({ expr: fn(p), legend: `${legend} P${p}` }));
  const sizePanel = (title: string, description: string, fn: (q: string) => string, legend: string) =>
    timeseries(l, { title, description, unit: 'bytes', w: 12, h: 8, targets: sizes(fn, legend) });
  return d
    .withRow(row(l, 'Client side (reporter="source")'))
    .withPanel(
      stat(l, {
        title: 'Client request rate',
        description:
          'Requests per second to this service as the calling proxies report them (all versions): with retries, and with requests that never reached a server.',
        unit: 'reqps',
        w: 6,
        h: 8,
        targets: [{ expr: q.clientRequestRate, legend: 'requests' }],
      }),
    )
    .withPanel(
      stat(l, {
        title: 'Client success rate',
        description:
          'Share of non-5xx answers as the callers saw them; below the server-side success rate when the network or timeouts fail.',
        unit: 'percentunit',
        decimals: 2,
        w: 6,
        h: 8,
        baseColor: 'red',
        thresholds: [
          [0.95, 'orange'],
          [0.99, 'green'],
        ],
        targets: [{ expr: q.clientSuccessRatio, legend: 'success' }],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'Client request duration',
        description: 'P50/P90/P99 as the callers measured it: server time plus the network and the client proxy.',
        unit: 's',
        w: 12,
        h: 8,
        targets: [{ expr: q.clientLatency, legend: 'P{{quantile}}' }],
      }),
    )
    .withRow(row(l, 'Request and response sizes'))
    .withPanel(
      sizePanel('Request size by source', 'Request body size per calling workload (P50/P90/P99).', q.requestSizeBySource, SOURCE_LEGEND),
    )
    .withPanel(
      sizePanel('Response size by source', 'Response body size per calling workload (P50/P90/P99).', q.responseSizeBySource, SOURCE_LEGEND),
    )
    .withPanel(
      sizePanel(
        'Request size by service workload',
        'Request body size per serving workload (P50/P90/P99).',
        q.requestSizeByWorkload,
        WORKLOAD_LEGEND,
      ),
    )
    .withPanel(
      sizePanel(
        'Response size by service workload',
        'Response body size per serving workload (P50/P90/P99).',
        q.responseSizeByWorkload,
        WORKLOAD_LEGEND,
      ),
    );
}
