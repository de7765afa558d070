// EgressTrafficBlocked: a workload's calls to the BlackHoleCluster (REGISTRY_ONLY), HTTP and TCP, as the
// client proxy reports them (reporter="source", destination_service_name="BlackHoleCluster").
import { ISTIO_METRICS } from '@meshobs/signals';
import { type Ctx, rateIncident, rateTimeline, silentCase } from '../cases.ts';
import { named, sidecarTarget, sourceRequest } from '../mesh.ts';
import { counter, type Labels, type Series, type TestCase } from '../notation.ts';
import { rateAt } from '../simulator.ts';

export function egress(ctx: Ctx): TestCase[] {
  const { m, W } = ctx;
  const a = ctx.config.alerts.egressTrafficBlocked;
  const { T0, L } = rateTimeline(W, a.for);
  const ns = m.svc.namespace;
  const workload = `${m.svc.name}-${m.svc.stable}`;
  /** What the client sidecar reports for a call that went to the BlackHoleCluster. */
  const blocked = (protocol: 'http' | 'tcp', code = '502'): Labels => ({
    ...sidecarTarget(m, ns, m.svc.name, m.svc.stable),
    reporter: 'source',
    source_workload: workload,
    source_workload_namespace: ns,
    source_app: m.svc.name,
    source_version: m.svc.stable,
    source_canonical_service: m.svc.name,
    source_canonical_revision: m.svc.stable,
    source_principal: `spiffe://cluster.local/ns/${ns}/sa/${m.svc.name}`,
    source_cluster: 'Kubernetes',
    destination_service: 'BlackHoleCluster',
    destination_service_name: 'BlackHoleCluster',
    destination_service_namespace: 'unknown',
    destination_workload: 'unknown',
    destination_workload_namespace: 'unknown',
    destination_version: 'unknown',
    destination_app: 'unknown',
    destination_canonical_service: 'unknown',
    destination_canonical_revision: 'latest',
    destination_principal: 'unknown',
    destination_cluster: 'unknown',
    connection_security_policy: 'unknown',
    request_protocol: protocol,
    response_flags: '-',
    // TCP metrics carry no response code.
    ...(protocol === 'http' ? { response_code: code } : {}),
  });
  const healthy: Series[] = [{ labels: named(ISTIO_METRICS.requests, sourceRequest(m, '200')), values: counter([[600, L]]) }];
  const from = (start: number) =>
    counter([
      [0, start],
      [6, L - start],
    ]);
  const value = (start: number) => (t: number) => {
    const r = rateAt(from(start), t, W);
    return r !== undefined && r > 0 ? r : undefined;
  };
  const labels = { source_workload_namespace: ns, source_workload: workload };
  return [
    ...rateIncident(ctx, T0, (start) => ({
      name: `${workload} makes 6 requests a minute to an unlisted host from minute ${start}`,
      alert: 'EgressTrafficBlocked',
      signal: 'http_requests',
      series: [...healthy, { labels: named(ISTIO_METRICS.requests, blocked('http')), values: from(start) }],
      length: L,
      labels,
      value: value(start),
    })),
    ...rateIncident(ctx, T0, (start) => ({
      name: `${workload} opens 6 TCP connections a minute to an unlisted host from minute ${start}`,
      alert: 'EgressTrafficBlocked',
      signal: 'tcp_connections',
      series: [...healthy, { labels: named(ISTIO_METRICS.tcpOpened, blocked('tcp')), values: from(start) }],
      length: L,
      labels,
      value: value(start),
    })),
    silentCase('EgressTrafficBlocked: silent on missing data (no Istio series at all)', ['EgressTrafficBlocked'], [], L),
    silentCase(
      'EgressTrafficBlocked: silent with ordinary traffic and with calls through PassthroughCluster (ALLOW_ANY)',
      ['EgressTrafficBlocked'],
      [
        ...healthy,
        {
          labels: named(ISTIO_METRICS.requests, {
            ...blocked('http', '200'),
            destination_service: 'PassthroughCluster',
            destination_service_name: 'PassthroughCluster',
          }),
          values: from(T0),
        },
      ],
      L,
    ),
  ];
}
