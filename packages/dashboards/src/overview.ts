// 1. Istio Service Mesh Overview: global traffic, latency, the services table, mTLS coverage,
// control-plane health, gateways and the bundle's firing alerts.
import { DashboardBuilder, DashboardCursorSync } from '@grafana/grafana-foundation-sdk/dashboard';
import { DASHBOARD_UIDS, type MeshModel } from '@meshobs/model';
import {
  blackholeRates,
  controlPlaneQueries,
  ENVOY_LISTENER_METRICS,
  edgeTlsHandshakes,
  extAuthzDeniedRate,
  gatewayQueries,
  QUANTILES,
  recordNamesFor,
  SERVICE_LABELS,
} from '@meshobs/signals';
import { Layout } from './layout.ts';
import { dashboardLinks, serviceDashboardLink, timeDefaults, titleOf } from './meta.ts';
import { withIstioViews } from './overview-istio.ts';
import { row, stat, table, timeseries } from './panels.ts';
import { datasourceVariable } from './variables.ts';

const DAY = 86400;
const on = `on (${SERVICE_LABELS.join(', ')})`;

export function overviewDashboard(model: MeshModel) {
  const config = model.config;
  const n = recordNamesFor(config);
  const cp = controlPlaneQueries(config);
  const gw = gatewayQueries(config);
  // What the edge blocks (packages/signals edge.ts): raw series, any window.
  const blackhole = blackholeRates('$__rate_interval');
  const extAuthzDenied = extAuthzDeniedRate(config, '$__rate_interval');
  const edgeTls = edgeTlsHandshakes(config, '$__rate_interval');
  const l = new Layout();
  const successThresholds: Array<[number, string]> = [
    [0.95, 'orange'],
    [0.99, 'green'],
  ];
  const svcLegend = '{{destination_service_name}}.{{destination_service_namespace}}';
  const alertNames = model.alerts.map((a) => a.name).join('|');

  const d = new DashboardBuilder(titleOf(model, DASHBOARD_UIDS.overview))
    .uid(DASHBOARD_UIDS.overview)
    .description('Whole-mesh traffic, latency and security, Istio control-plane and gateway health, and the firing meshobs alerts.')
    .tags(['meshobs', 'istio'])
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .time(timeDefaults.time)
    .refresh(timeDefaults.refresh)
    .links(dashboardLinks(config))
    .withVariable(datasourceVariable(config))

    .withRow(row(l, 'Global traffic'))
    .withPanel(
      stat(l, {
        title: 'Request volume',
        description: 'Requests per second served in the mesh, counted once at the server side (reporter="destination").',
        unit: 'reqps',
        w: 4,
        h: 5,
        targets: [{ expr: n.meshRequestRate, legend: 'requests' }],
      }),
    )
    .withPanel(
      stat(l, {
        title: 'Success rate',
        description: "Share of requests that did not answer 5xx (Istio's definition: 4xx are the client's fault).",
        unit: 'percentunit',
        decimals: 2,
        w: 4,
        h: 5,
        baseColor: 'red',
        thresholds: successThresholds,
        targets: [{ expr: n.meshSuccessRatio, legend: 'success' }],
      }),
    )
    .withPanel(
      stat(l, {
        title: '4xx rate',
        description: 'Client errors per second.',
        unit: 'reqps',
        w: 4,
        h: 5,
        targets: [{ expr: n.mesh4xxRate, legend: '4xx' }],
      }),
    )
    .withPanel(
      stat(l, {
        title: '5xx rate',
        description: 'Server errors per second.',
        unit: 'reqps',
        w: 4,
        h: 5,
        thresholds: [
          [1, 'orange'],
          [10, 'red'],
        ],
        targets: [{ expr: n.mesh5xxRate, legend: '5xx' }],
      }),
    )
    .withPanel(
      stat(l, {
        title: 'mTLS coverage',
        description:
          'Share of requests received over mutual TLS (connection_security_policy="mutual_tls"), weighting each service by its traffic. Below 100 % means plaintext callers reach the mesh (PERMISSIVE mode).',
        unit: 'percentunit',
        decimals: 2,
        w: 4,
        h: 5,
        baseColor: 'red',
        thresholds: [
          [0.9, 'orange'],
          [0.999, 'green'],
        ],
        targets: [{ expr: `sum(${n.serviceMtlsRatio} * ${on} ${n.serviceRequestRate}) / sum(${n.serviceRequestRate})`, legend: 'mTLS' }],
      }),
    )
    .withPanel(
      stat(l, {
        title: 'istiod instances up',
        description: 'istiod scrape targets that are up. 0 pages as IstioControlPlaneUnavailable.',
        unit: 'none',
        w: 4,
        h: 5,
        baseColor: 'red',
        thresholds: [[1, 'green']],
        targets: [{ expr: cp.instancesUp, legend: 'up' }],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'Requests by response class',
        description: 'Mesh-wide request rate, and the 4xx and 5xx parts of it.',
        unit: 'reqps',
        w: 12,
        h: 8,
        targets: [
          { expr: n.meshRequestRate, legend: 'all' },
          { expr: n.mesh4xxRate, legend: '4xx' },
          { expr: n.mesh5xxRate, legend: '5xx' },
        ],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'Mesh latency',
        description: 'P50/P90/P99 request duration over all services (server side).',
        unit: 's',
        w: 12,
        h: 8,
        thresholds: [[config.alerts.highRequestLatency.p99Seconds, 'red']],
        targets: [{ expr: n.meshLatency, legend: 'P{{quantile}}' }],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'Latency per service',
        description: `P50, P90 and P99 of every service. P99 above ${config.alerts.highRequestLatency.p99Seconds}s fires HighRequestLatency.`,
        unit: 's',
        w: 12,
        h: 9,
        thresholds: [[config.alerts.highRequestLatency.p99Seconds, 'red']],
        targets: QUANTILES.map((q) => ({ expr: `${n.serviceLatency}{quantile="${q}"}`, legend: `${svcLegend} P${q}` })),
      }),
    )
    .withPanel(
      timeseries(l, {
        title: '5xx ratio per service',
        description: `Share of 5xx answers per service; above ${config.alerts.high5xxErrorRate.threshold * 100} % (with traffic) fires High5xxErrorRate.`,
        unit: 'percentunit',
        w: 12,
        h: 9,
        thresholds: [[config.alerts.high5xxErrorRate.threshold, 'red']],
        targets: [{ expr: n.serviceErrorRatio, legend: svcLegend }],
      }),
    )
    .withPanel(
      table(l, {
        title: 'Services',
        description: 'Every service with traffic: request rate, success rate, latency and mTLS share. Click a service for its dashboard.',
        unit: 'none',
        w: 24,
        h: 9,
        links: [serviceDashboardLink()],
        labelColumns: { destination_service_namespace: 'Namespace', destination_service_name: 'Service' },
        valueColumns: [
          { title: 'Requests/s', unit: 'reqps' },
          { title: 'Success', unit: 'percentunit' },
          { title: 'P50', unit: 's' },
          { title: 'P99', unit: 's' },
          { title: 'mTLS', unit: 'percentunit' },
        ],
        targets: [
          { expr: n.serviceRequestRate },
          { expr: n.serviceSuccessRatio },
          { expr: `${n.serviceLatency}{quantile="0.5"}` },
          { expr: `${n.serviceLatency}{quantile="0.99"}` },
          { expr: n.serviceMtlsRatio },
        ],
      }),
    )

    // Istio's multi-cluster labels (source_cluster, destination_cluster): traffic that crosses clusters.
    // One cluster: a single "<name> -> <name>" series.
    .withRow(row(l, 'Between clusters'))
    .withPanel(
      timeseries(l, {
        title: 'Requests between clusters',
        description:
          'Requests per second from the cluster of the calling workload (source_cluster) to the cluster of the serving one (destination_cluster), counted at the server side.',
        unit: 'reqps',
        w: 12,
        h: 8,
        targets: [{ expr: n.clusterPairRequestRate, legend: '{{source_cluster}} -> {{destination_cluster}}' }],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: '5xx ratio between clusters',
        description:
          'Share of 5xx answers per source and destination cluster: a failing cross-cluster path (east-west gateway, trust) shows here first.',
        unit: 'percentunit',
        w: 12,
        h: 8,
        thresholds: [[config.alerts.high5xxErrorRate.threshold, 'red']],
        targets: [{ expr: n.clusterPairErrorRatio, legend: '{{source_cluster}} -> {{destination_cluster}}' }],
      }),
    )

    .withRow(row(l, 'Control plane'))
    .withPanel(
      stat(l, {
        title: 'Connected proxies',
        description: 'Envoy proxies holding an xDS stream to istiod.',
        unit: 'none',
        w: 6,
        h: 5,
        targets: [{ expr: cp.connectedProxies, legend: 'proxies' }],
      }),
    )
    .withPanel(
      stat(l, {
        title: 'Root CA expires in',
        description: `Time left on the mesh root certificate; under ${config.alerts.certificateExpiringSoon.days} days fires CertificateExpiringSoon.`,
        unit: 's',
        w: 6,
        h: 5,
        baseColor: 'red',
        thresholds: [
          [config.alerts.certificateExpiringSoon.days * DAY, 'orange'],
          [2 * config.alerts.certificateExpiringSoon.days * DAY, 'green'],
        ],
        targets: [{ expr: cp.rootCertSecondsLeft, legend: 'root CA' }],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'xDS pushes',
        description: 'Configuration pushes per second, by xDS type.',
        unit: 'ops',
        w: 12,
        h: 5,
        targets: [{ expr: cp.pushesByType, legend: '{{type}}' }],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'xDS errors and rejects',
        description:
          'Pushes istiod failed to send (*_senderr), configs proxies rejected (NACK) and internal errors; any of them fires PilotPushErrors.',
        unit: 'ops',
        w: 8,
        h: 8,
        targets: [
          { expr: cp.pushSendErrors('$__rate_interval'), legend: 'send errors {{type}}' },
          { expr: cp.xdsRejects('$__rate_interval'), legend: 'rejects' },
          { expr: cp.internalErrors('$__rate_interval'), legend: 'internal errors' },
        ],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'Push time and proxy convergence',
        description: 'How long a push takes and how long until every proxy has the new config.',
        unit: 's',
        w: 8,
        h: 8,
        targets: [
          { expr: cp.pushTime(0.5), legend: 'push P50' },
          { expr: cp.pushTime(0.99), legend: 'push P99' },
          { expr: cp.convergence(0.5), legend: 'convergence P50' },
          { expr: cp.convergence(0.99), legend: 'convergence P99' },
        ],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'istiod memory',
        description: 'Resident memory per istiod pod.',
        unit: 'bytes',
        w: 4,
        h: 8,
        targets: [{ expr: cp.memory, legend: '{{pod}}' }],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'istiod CPU',
        description: 'CPU cores used per istiod pod.',
        unit: 'short',
        w: 4,
        h: 8,
        targets: [{ expr: cp.cpu, legend: '{{pod}}' }],
      }),
    )

    .withRow(row(l, 'Gateways'))
    .withPanel(
      timeseries(l, {
        title: 'Gateway replicas',
        description: 'Available versus desired replicas of each gateway Deployment; 0 available fires IstioGatewayUnhealthy.',
        unit: 'none',
        w: 8,
        h: 8,
        min: 0,
        targets: [
          { expr: gw.available, legend: '{{deployment}} available' },
          { expr: gw.desired, legend: '{{deployment}} desired' },
        ],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'Gateway requests',
        description: 'Requests per second forwarded by each gateway (reporter="source").',
        unit: 'reqps',
        w: 8,
        h: 8,
        targets: [{ expr: n.gatewayRequestRate, legend: '{{istio}}' }],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'Gateway 5xx ratio',
        description: 'Share of 5xx answers through each gateway.',
        unit: 'percentunit',
        w: 8,
        h: 8,
        thresholds: [[config.alerts.high5xxErrorRate.threshold, 'red']],
        targets: [{ expr: n.gatewayErrorRatio, legend: '{{istio}}' }],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'Traffic the edge blocks',
        description:
          "Calls to external hosts no ServiceEntry lists, refused under REGISTRY_ONLY (BlackHoleCluster; fires EgressTrafficBlocked), and requests the gateways' ext_authz provider denied (response flag UAEX). Empty is good.",
        unit: 'ops',
        w: edgeTls ? 12 : 24,
        h: 8,
        min: 0,
        targets: [
          { expr: blackhole.requests, legend: 'blocked requests {{source_workload_namespace}}/{{source_workload}}' },
          { expr: blackhole.connections, legend: 'blocked connections {{source_workload_namespace}}/{{source_workload}}' },
          ...(extAuthzDenied ? [{ expr: extAuthzDenied, legend: 'ext_authz denied {{istio}}' }] : []),
        ],
      }),
    );
  // Beside it, when there is an ingress gateway: its failed TLS handshakes.
  if (edgeTls) d.withPanel(edgeTlsPanel(l, edgeTls.failedShare, config.alerts.edgeTlsHandshakeFailures.threshold));

  d.withRow(row(l, 'Alerts')).withPanel(
    table(l, {
      title: 'Firing meshobs alerts',
      description: 'Alerts of this bundle that are firing now. Empty is good.',
      unit: 'none',
      w: 24,
      h: 6,
      labelColumns: {
        alertname: 'Alert',
        severity: 'Severity',
        destination_service_namespace: 'Namespace',
        destination_service_name: 'Service',
        signal: 'Signal',
      },
      valueColumns: [{ title: 'Firing', unit: 'none' }],
      targets: [
        {
          expr: `sum by (alertname, severity, destination_service_namespace, destination_service_name, signal) (ALERTS{alertstate="firing", alertname=~"${alertNames}"})`,
        },
      ],
    }),
  );
  return withIstioViews(d, l, config);
}

/** Failed share of TLS handshakes per ingress gateway listener (packages/signals edge-tls.ts), beside what the edge blocks. */
function edgeTlsPanel(l: Layout, failedShare: string, threshold: number) {
  return timeseries(l, {
    title: 'TLS handshakes failing at the edge',
    description: `Share of TLS handshakes that fail at each listener of the ingress gateway (${ENVOY_LISTENER_METRICS.sslConnectionError} among all handshakes): clients offering only TLS 1.2 against the TLS 1.3 minimum, no shared cipher, a certificate problem. Exported only by the ingress gateway's pods (their proxy.istio.io/config annotation); fires EdgeTlsHandshakeFailures above the red line with enough handshakes.`,
    unit: 'percentunit',
    w: 12,
    h: 8,
    min: 0,
    thresholds: [[threshold, 'red']],
    targets: [{ expr: failedShare, legend: 'failed {{istio}} {{listener_address}}' }],
  });
}
