// The rows of the overview that carry the remaining views of Istio's Mesh and Control Plane
// dashboards (istio/istio manifests/addons/dashboards/istio-mesh-dashboard.gen.json,
// pilot-dashboard.gen.json): the HTTP/gRPC and TCP workload tables, the component versions and
// istiod's internals. Every panel reads recorded series except goroutines (one gauge per istiod pod).
import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import type { MeshobsConfig } from '@meshobs/config';
import { controlPlaneQueries, ISTIOD_METRICS, istioViewQueries } from '@meshobs/signals';
import type { Layout } from './layout.ts';
import { row, table, timeseries } from './panels.ts';

const WORKLOAD_COLUMNS = { destination_workload_namespace: 'Namespace', destination_workload: 'Workload' };

export function withIstioViews(d: DashboardBuilder, l: Layout, config: MeshobsConfig): DashboardBuilder {
  const q = istioViewQueries(config);
  const cp = controlPlaneQueries(config);
  return d
    .withRow(row(l, 'Workloads'))
    .withPanel(
      table(l, {
        title: 'HTTP/gRPC workloads',
        description: 'Every serving workload (Deployment) with traffic: request rate, success rate (non-5xx) and latency, server side.',
        unit: 'none',
        w: 14,
        h: 9,
        labelColumns: WORKLOAD_COLUMNS,
        valueColumns: [
          { title: 'Requests/s', unit: 'reqps' },
          { title: 'Success', unit: 'percentunit' },
          { title: 'P50', unit: 's' },
          { title: 'P90', unit: 's' },
          { title: 'P99', unit: 's' },
        ],
        targets: [
          { expr: q.workloadRequestRate },
          { expr: q.workloadSuccessRatio },
          { expr: q.workloadLatency('0.5') },
          { expr: q.workloadLatency('0.9') },
          { expr: q.workloadLatency('0.99') },
        ],
      }),
    )
    .withPanel(
      table(l, {
        title: 'TCP workloads',
        description: 'Every serving workload with TCP traffic, per service: bytes received from and sent to its clients per second.',
        unit: 'none',
        w: 10,
        h: 9,
        labelColumns: { ...WORKLOAD_COLUMNS, destination_service_name: 'Service' },
        valueColumns: [
          { title: 'Bytes received/s', unit: 'Bps' },
          { title: 'Bytes sent/s', unit: 'Bps' },
        ],
        targets: [{ expr: q.tcpReceivedByWorkload }, { expr: q.tcpSentByWorkload }],
      }),
    )

    .withRow(row(l, 'Control plane internals'))
    .withPanel(
      table(l, {
        title: 'Istio component versions',
        description: `Istio components reporting their build (${ISTIOD_METRICS.build}), by component and version tag: a rollout in progress shows two tags.`,
        unit: 'none',
        w: 8,
        h: 8,
        labelColumns: { component: 'Component', tag: 'Version' },
        valueColumns: [{ title: 'Instances', unit: 'none' }],
        targets: [{ expr: q.componentVersions }],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'istiod goroutines',
        description: 'Goroutines per istiod pod; a steady climb is a leak (watches, xDS streams).',
        unit: 'none',
        w: 8,
        h: 8,
        targets: [{ expr: cp.goroutines, legend: '{{pod}}' }],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'istiod memory allocations',
        description: 'Bytes and objects the Go runtime of each istiod pod allocates per second (garbage-collector pressure).',
        unit: 'Bps',
        w: 8,
        h: 8,
        targets: [
          { expr: q.allocBytes, legend: '{{pod}} bytes' },
          { expr: q.mallocs, legend: '{{pod}} objects' },
        ],
      }).overrideByRegexp('.* objects', [{ id: 'unit', value: 'ops' }]),
    )
    .withPanel(
      timeseries(l, {
        title: 'xDS push size',
        description: 'Size of the configuration istiod pushes to a proxy (P50, P99). gRPC refuses messages over 4 MB by default.',
        unit: 'bytes',
        w: 8,
        h: 8,
        thresholds: [[4e6, 'red']],
        targets: [{ expr: q.configSize, legend: 'P{{quantile}}' }],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'Validation webhook',
        description: 'Istio resources the validation webhook accepted and rejected per second.',
        unit: 'ops',
        w: 8,
        h: 8,
        targets: [
          { expr: q.validationPassed, legend: 'passed' },
          { expr: q.validationFailed, legend: 'failed' },
        ],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'Injection webhook',
        description: 'Sidecar injections per second that succeeded and failed; failures leave pods without a proxy.',
        unit: 'ops',
        w: 8,
        h: 8,
        targets: [
          { expr: q.injectionSuccess, legend: 'success' },
          { expr: q.injectionFailure, legend: 'failure' },
        ],
      }),
    );
}
