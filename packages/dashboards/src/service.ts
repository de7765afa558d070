// 2. Service dashboard (the seeds' "Podinfo Service Metrics"), for any service picked with the
// namespace / service / version variables.
import { DashboardBuilder, DashboardCursorSync } from '@grafana/grafana-foundation-sdk/dashboard';
import { DASHBOARD_UIDS, type MeshModel, type ServiceModel } from '@meshobs/model';
import {
  CODE,
  mtlsBySource,
  recordNamesFor,
  resilienceQueries,
  SELECTED_SERVICE,
  SELECTED_VERSIONS,
  sidecarQueries,
} from '@meshobs/signals';
import { Layout } from './layout.ts';
import { dashboardLinks, jaegerSearchLink, timeDefaults, titleOf } from './meta.ts';
import { gauge, REFERENCE_LINE, row, stat, timeseries } from './panels.ts';
import { withServiceIstioViews } from './service-istio.ts';
import { datasourceVariable, serviceVariables } from './variables.ts';

/**
 * The configured traffic weights as reference lines: one per version of every service that declares a
 * split (two or more versions; a version at 0 % draws none), surviving only when the picked
 * $namespace/$service is that service (`and on (svc)` against a one-series vector carrying the picked
 * value). Undefined when no service declares a split.
 */
export function configuredWeights(services: readonly ServiceModel[]): string | undefined {
  const picked = 'label_replace(vector(1), "svc", "$namespace/$service", "", "")';
  const terms = services.flatMap((s) => {
    const versions = s.versions ?? [];
    if (versions.length < 2) return [];
    const svc = `${s.namespace}/${s.name}`;
    return versions
      .filter((v) => v.weight > 0)
      .map(
        (v) =>
          `label_replace(label_replace(vector(${v.weight / 100}), "svc", "${svc}", "", ""), "destination_version", "${v.name} (configured)", "", "") and on (svc) ${picked}`,
      );
  });
  return terms.length ? terms.map((t) => `(${t})`).join(' or ') : undefined;
}

export function serviceDashboard(model: MeshModel) {
  const config = model.config;
  const weights = configuredWeights(model.services);
  const n = recordNamesFor(config);
  const sel = `{${SELECTED_SERVICE}}`;
  const selVersions = `{${SELECTED_SERVICE}, ${SELECTED_VERSIONS}}`;
  const sidecar = sidecarQueries(config);
  const cb = resilienceQueries();
  const l = new Layout();
  const sum = (expr: string) => `sum(${expr})`;
  const byVersion = (expr: string) => `sum by (destination_version) (${expr})`;
  const jaeger = jaegerSearchLink(config, 'Traces of this service in Jaeger', '$service.$namespace');

  const d = new DashboardBuilder(titleOf(model, DASHBOARD_UIDS.service))
    .uid(DASHBOARD_UIDS.service)
    .description(
      'One service of the mesh: traffic, errors, latency, its versions and their traffic split, callers, TCP, mTLS, circuit breaking and sidecar resources.',
    )
    .tags(['meshobs', 'istio', 'service'])
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .time(timeDefaults.time)
    .refresh(timeDefaults.refresh)
    .links(dashboardLinks(config))
    .variables([datasourceVariable(config), ...serviceVariables(model)])

    .withRow(row(l, 'Golden signals'))
    .withPanel(
      stat(l, {
        title: 'Request rate',
        description: 'Requests per second the selected versions served.',
        unit: 'reqps',
        w: 6,
        h: 5,
        links: [jaeger],
        targets: [{ expr: sum(`${n.versionRequestRate}${selVersions}`), legend: 'requests' }],
      }),
    )
    .withPanel(
      stat(l, {
        title: 'Success rate',
        description: 'Share of non-5xx answers of the selected versions.',
        unit: 'percentunit',
        decimals: 2,
        w: 6,
        h: 5,
        baseColor: 'red',
        thresholds: [
          [0.95, 'orange'],
          [0.99, 'green'],
        ],
        targets: [
          { expr: `1 - ${sum(`${n.version5xxRate}${selVersions}`)} / ${sum(`${n.versionRequestRate}${selVersions}`)}`, legend: 'success' },
        ],
      }),
    )
    .withPanel(
      stat(l, {
        title: 'P99 latency',
        description: 'Worst P99 among the selected versions.',
        unit: 's',
        w: 6,
        h: 5,
        thresholds: [
          [config.alerts.highRequestLatency.p99Seconds * 0.5, 'orange'],
          [config.alerts.highRequestLatency.p99Seconds, 'red'],
        ],
        targets: [{ expr: `max(${n.versionLatency}{${SELECTED_SERVICE}, ${SELECTED_VERSIONS}, quantile="0.99"})`, legend: 'P99' }],
      }),
    )
    .withPanel(
      stat(l, {
        title: 'mTLS share',
        description: 'Share of requests received over mutual TLS.',
        unit: 'percentunit',
        decimals: 2,
        w: 6,
        h: 5,
        baseColor: 'red',
        thresholds: [
          [0.9, 'orange'],
          [0.999, 'green'],
        ],
        targets: [{ expr: `${n.serviceMtlsRatio}${sel}`, legend: 'mTLS' }],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'Request rate by version',
        description: 'Requests per second per version.',
        unit: 'reqps',
        w: 8,
        h: 8,
        links: [jaeger],
        targets: [{ expr: byVersion(`${n.versionRequestRate}${selVersions}`), legend: '{{destination_version}}' }],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'Success rate by version',
        description: 'Share of non-5xx answers per version.',
        unit: 'percentunit',
        w: 8,
        h: 8,
        baseColor: 'red',
        thresholds: [
          [0.95, 'orange'],
          [0.99, 'green'],
        ],
        targets: [{ expr: byVersion(`${n.versionSuccessRatio}${selVersions}`), legend: '{{destination_version}}' }],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'Latency by version',
        description: 'P50, P90 and P99 request duration per version (server side).',
        unit: 's',
        w: 8,
        h: 8,
        thresholds: [[config.alerts.highRequestLatency.p99Seconds, 'red']],
        targets: [{ expr: `${n.versionLatency}${selVersions}`, legend: '{{destination_version}} P{{quantile}}' }],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'Requests by response code',
        description: 'Requests per second per HTTP/gRPC response code.',
        unit: 'reqps',
        w: 12,
        h: 8,
        targets: [{ expr: `sum by (response_code) (${n.serviceCodeRequestRate}${sel})`, legend: '{{response_code}}' }],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: '5xx ratio by version',
        description:
          'Compare the versions (a canary with the stable one) before shifting traffic. The line is the mesh-wide High5xxErrorRate threshold.',
        unit: 'percentunit',
        w: 12,
        h: 8,
        thresholds: [[config.alerts.high5xxErrorRate.threshold, 'red']],
        targets: [{ expr: byVersion(`${n.versionErrorRatio}${selVersions}`), legend: '{{destination_version}}' }],
      }),
    )

    .withRow(row(l, 'Traffic split by version'))
    .withPanel(
      timeseries(l, {
        title: 'Traffic share by version',
        description:
          "Each version's share of the service's requests" +
          (weights ? ', against the weights its config declares (services[].versions, dashed lines).' : '.'),
        unit: 'percentunit',
        w: 24,
        h: 8,
        min: 0,
        max: 1,
        targets: [
          {
            expr: `${byVersion(`${n.versionRequestRate}${sel}`)} / ignoring (destination_version) group_left () ${sum(`${n.versionRequestRate}${sel}`)}`,
            legend: '{{destination_version}}',
          },
          ...(weights ? [{ expr: weights, legend: '{{destination_version}}' }] : []),
        ],
      }).overrideByRegexp('.*\\(configured\\)', REFERENCE_LINE),
    )

    .withRow(row(l, 'Callers and callees'))
    .withPanel(
      timeseries(l, {
        title: 'Inbound requests by source',
        description: 'Requests per second per calling workload.',
        unit: 'reqps',
        w: 8,
        h: 8,
        targets: [
          {
            expr: `sum by (source_workload_namespace, source_workload) (${n.serviceSourceCodeRequestRate}${sel})`,
            legend: '{{source_workload}}.{{source_workload_namespace}}',
          },
        ],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'Inbound 5xx by source',
        description: 'Server errors per second, per calling workload and code.',
        unit: 'reqps',
        w: 8,
        h: 8,
        targets: [
          {
            expr: `sum by (source_workload_namespace, source_workload, response_code) (${n.serviceSourceCodeRequestRate}{${SELECTED_SERVICE}, ${CODE.c5xx}} or ${n.serviceSourceCodeRequestRate}${sel} * 0)`,
            legend: '{{source_workload}}.{{source_workload_namespace}} {{response_code}}',
          },
        ],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'Outbound requests by destination',
        description: "Requests per second this service's workloads send to other mesh services (as the callees report them).",
        unit: 'reqps',
        w: 8,
        h: 8,
        targets: [
          {
            expr: `sum by (destination_service_namespace, destination_service_name) (${n.serviceSourceCodeRequestRate}{source_workload_namespace="$namespace", source_workload=~"$service(-.*)?"})`,
            legend: '{{destination_service_name}}.{{destination_service_namespace}}',
          },
        ],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'mTLS by source',
        description: 'Requests per second per caller, split by connection security policy: mutual_tls versus none (plaintext).',
        unit: 'reqps',
        w: 24,
        h: 8,
        targets: [{ expr: mtlsBySource, legend: '{{source_workload}}.{{source_workload_namespace}} {{connection_security_policy}}' }],
      }),
    )

    .withRow(row(l, 'TCP'))
    .withPanel(
      timeseries(l, {
        title: 'TCP connections',
        description: 'Connections opened and closed per second.',
        unit: 'cps',
        w: 12,
        h: 8,
        targets: [
          { expr: `${n.serviceTcpOpenedRate}${sel}`, legend: 'opened' },
          { expr: `${n.serviceTcpClosedRate}${sel}`, legend: 'closed' },
        ],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'TCP bytes',
        description: 'Bytes per second sent and received over TCP connections.',
        unit: 'Bps',
        w: 12,
        h: 8,
        targets: [
          { expr: `${n.serviceTcpSentBytesRate}${sel}`, legend: 'sent' },
          { expr: `${n.serviceTcpReceivedBytesRate}${sel}`, legend: 'received' },
        ],
      }),
    )

    .withRow(row(l, 'Circuit breaking and outlier detection'))
    .withPanel(
      timeseries(l, {
        title: 'Requests refused by circuit breaking',
        description:
          'Requests the calling proxies refused with response flags UO (overflow), URX (retry limit) or UH (no healthy upstream); fires CircuitBreakerTriggered.',
        unit: 'reqps',
        w: 8,
        h: 8,
        targets: [{ expr: cb.refusedByFlag, legend: '{{response_flags}}' }],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'Envoy overflows',
        description: "Circuit-breaker overflow counters of the upstream cluster (exported because of the bundle's proxyStatsMatcher).",
        unit: 'ops',
        w: 8,
        h: 8,
        targets: cb.overflows.map((o) => ({ expr: o.expr, legend: o.name })),
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'Hosts ejected',
        description: 'Upstream hosts currently ejected by outlier detection.',
        unit: 'none',
        w: 8,
        h: 8,
        min: 0,
        targets: [{ expr: cb.ejectionsActive, legend: 'ejected' }],
      }),
    )

    .withRow(row(l, 'Sidecar resources'))
    .withPanel(
      timeseries(l, {
        title: 'Sidecar memory',
        description: 'istio-proxy working set per pod, against its limit.',
        unit: 'bytes',
        w: 10,
        h: 8,
        targets: [
          { expr: sidecar.memory, legend: '{{pod}}' },
          { expr: sidecar.memoryLimit, legend: '{{pod}} limit' },
        ],
      }).overrideByRegexp('.* limit', REFERENCE_LINE),
    )
    .withPanel(
      timeseries(l, {
        title: 'Sidecar CPU',
        description: 'istio-proxy CPU cores per pod, against its limit.',
        unit: 'short',
        w: 10,
        h: 8,
        targets: [
          { expr: sidecar.cpu, legend: '{{pod}}' },
          { expr: sidecar.cpuLimit, legend: '{{pod}} limit' },
        ],
      }).overrideByRegexp('.* limit', REFERENCE_LINE),
    )
    .withPanel(
      gauge(l, {
        title: 'Sidecar memory of limit',
        description: `Highest sidecar working set as a share of its limit; above ${config.alerts.highProxyMemoryUsage.threshold * 100} % fires HighProxyMemoryUsage.`,
        unit: 'percentunit',
        w: 4,
        h: 8,
        min: 0,
        max: 1,
        thresholds: [
          [config.alerts.highProxyMemoryUsage.threshold * 0.8, 'orange'],
          [config.alerts.highProxyMemoryUsage.threshold, 'red'],
        ],
        targets: [{ expr: sidecar.memoryShareMax, legend: 'max' }],
      }),
    );
  return withServiceIstioViews(d, l, config);
}
