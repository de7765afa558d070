// Istio standard metrics as the sidecars and gateways expose them on /stats/prometheus, after the
// bundle's PodMonitor relabeling (namespace, pod, app, version, istio pod labels kept).

import { counterShape, type Family, hash, histogram, type Labels, renderLabels, type Series } from './series.ts';
import { ISTIO_SIZE_BUCKETS_BYTES, type MeshSize } from './size.ts';
import { envoyTarget } from './targets.ts';
import { PLAINTEXT_SOURCE, type Pod, type Service, type Topology, type Workload } from './topology.ts';

const TRUST_DOMAIN = 'cluster.local';
const principal = (w: Workload) => (w.name === PLAINTEXT_SOURCE ? 'unknown' : `spiffe://${TRUST_DOMAIN}/ns/${w.namespace}/sa/${w.app}`);

/** A request flow: one caller workload, one destination workload, one response code. */
interface Flow {
  service: Service;
  source: Workload;
  destination: Workload;
  code: number;
  /** Requests per second of the whole flow (all pods). */
  rate: number;
  medianMs: number;
}

function codeShare(codes: number[], code: number, canary: boolean): number {
  const errorBoost = canary ? 3 : 1;
  const share = (c: number) => (c >= 500 ? 0.01 * errorBoost : c >= 400 ? 0.03 : c === codes[0] ? 0 : 0.1);
  if (code !== codes[0]) return share(code);
  return 1 - codes.filter((c) => c !== code).reduce((a, c) => a + share(c), 0);
}

function sourceShare(service: Service, source: Workload): number {
  const mesh = service.sources.filter((s) => s.name !== PLAINTEXT_SOURCE && s !== service.sources[0]).length;
  const hasPlaintext = service.sources.some((s) => s.name === PLAINTEXT_SOURCE);
  const plaintext = hasPlaintext ? 0.05 : 0;
  const gateway = mesh ? 0.6 : 1 - plaintext;
  if (source === service.sources[0]) return gateway;
  if (source.name === PLAINTEXT_SOURCE) return plaintext;
  return (1 - gateway - plaintext) / mesh;
}

export function* flows(size: MeshSize, topo: Topology): Iterable<Flow> {
  for (const service of topo.services) {
    const serviceRate = size.requestsPerService * (0.5 + (hash(service.name + service.namespace, size.seed) % 100) / 100);
    for (const destination of service.workloads) {
      const canary = destination !== service.workloads[0];
      for (const source of service.sources)
        for (const code of size.responseCodes) {
          const rate = serviceRate * destination.weight * sourceShare(service, source) * codeShare(size.responseCodes, code, canary);
          const medianMs = (code >= 500 ? 2 : 20 * (1 + (service.index % 5))) * (canary ? 1.3 : 1);
          yield { service, source, destination, code, rate, medianMs };
        }
    }
  }
}

function istioLabels(
  flow: Flow,
  reporter: 'source' | 'destination',
  reportingPod: Pod,
  reportingWorkload: Workload,
  size: Pick<MeshSize, 'jobs' | 'istioCluster'>,
): Labels {
  const job = size.jobs.envoy;
  const cluster = size.istioCluster;
  const { source: src, destination: dst, service, code } = flow;
  const mtls = src.name === PLAINTEXT_SOURCE ? 'none' : 'mutual_tls';
  const labels: Labels = envoyTarget(job, reportingPod, reportingWorkload);
  Object.assign(labels, {
    reporter,
    source_workload: src.name,
    source_workload_namespace: src.namespace,
    source_principal: reporter === 'destination' && mtls === 'none' ? 'unknown' : principal(src),
    source_app: src.app,
    source_version: src.version,
    source_cluster: cluster,
    destination_workload: dst.name,
    destination_workload_namespace: dst.namespace,
    destination_principal: principal(dst),
    destination_app: dst.app,
    destination_version: dst.version,
    destination_service: `${service.name}.${service.namespace}.svc.cluster.local`,
    destination_service_name: service.name,
    destination_service_namespace: service.namespace,
    destination_cluster: cluster,
    request_protocol: 'http',
    response_code: String(code),
    grpc_response_status: '',
    response_flags: code === 503 ? 'UO' : '-',
    // The client proxy cannot see the server's policy and reports "unknown", as real Istio does.
    connection_security_policy: reporter === 'source' ? 'unknown' : mtls,
  });
  return labels;
}

/** Each flow as its reporting pods see it: every destination pod, and every source pod (if in the mesh). */
function* reports(size: MeshSize, topo: Topology): Iterable<{ labels: Labels; rate: number; flow: Flow }> {
  for (const flow of flows(size, topo)) {
    const dstPods = flow.destination.pods;
    for (const pod of dstPods)
      yield { labels: istioLabels(flow, 'destination', pod, flow.destination, size), rate: flow.rate / dstPods.length, flow };
    const srcPods = flow.source.pods;
    for (const pod of srcPods)
      yield { labels: istioLabels(flow, 'source', pod, flow.source, size), rate: flow.rate / srcPods.length, flow };
  }
}

const phaseOf = (labels: Labels, seed: number) => (hash(renderLabels(labels), seed) % 6283) / 1000;

export function istioHttpFamilies(size: MeshSize, topo: Topology): Family[] {
  const families: Family[] = [
    {
      name: 'istio_requests',
      type: 'counter',
      help: 'Requests handled by an Istio proxy.',
      *series() {
        for (const r of reports(size, topo)) {
          const value = counterShape(r.rate, phaseOf(r.labels, size.seed));
          yield { name: 'istio_requests_total', labels: renderLabels(r.labels), value };
        }
      },
    },
    {
      name: 'istio_request_duration_milliseconds',
      type: 'histogram',
      help: 'Request duration in milliseconds.',
      *series() {
        for (const r of reports(size, topo))
          yield* histogram('istio_request_duration_milliseconds', r.labels, {
            rate: r.rate,
            median: r.flow.medianMs,
            sigma: 0.8,
            buckets: size.durationBucketsMs,
            phase: phaseOf(r.labels, size.seed),
          });
      },
    },
  ];
  if (size.sizeHistograms)
    for (const [name, median] of [
      ['istio_request_bytes', 300],
      ['istio_response_bytes', 4000],
    ] as const)
      families.push({
        name,
        type: 'histogram',
        help: `${name === 'istio_request_bytes' ? 'Request' : 'Response'} body size in bytes.`,
        *series() {
          for (const r of reports(size, topo))
            yield* histogram(name, r.labels, {
              rate: r.rate,
              median,
              sigma: 1,
              buckets: ISTIO_SIZE_BUCKETS_BYTES,
              phase: phaseOf(r.labels, size.seed),
            });
        },
      });
  return families;
}

/** One TCP flow per service (from its first in-mesh caller, or the gateway), from both reporters. */
function* tcpReports(size: MeshSize, topo: Topology): Iterable<{ labels: Labels; rate: number }> {
  for (const service of topo.services) {
    const source = service.sources.find((s) => s.pods.length && s !== service.sources[0]) ?? service.sources[0]!;
    for (const destination of service.workloads) {
      const flow: Flow = { service, source, destination, code: 0, rate: 2 * destination.weight, medianMs: 0 };
      const strip = (l: Labels) => {
        const { response_code: _c, grpc_response_status: _g, ...rest } = l;
        return { ...rest, request_protocol: 'tcp', response_flags: '-' };
      };
      for (const pod of destination.pods)
        yield {
          labels: strip(istioLabels(flow, 'destination', pod, destination, size)),
          rate: flow.rate / destination.pods.length,
        };
      for (const pod of source.pods)
        yield { labels: strip(istioLabels(flow, 'source', pod, source, size)), rate: flow.rate / source.pods.length };
    }
  }
}

export function istioTcpFamilies(size: MeshSize, topo: Topology): Family[] {
  const tcp = (name: string, help: string, perConnection: number): Family => ({
    name,
    type: 'counter',
    help,
    *series() {
      for (const r of tcpReports(size, topo)) {
        // Closed trails opened by a little, so the open-connection gauge derived from them stays > 0.
        const offset = name.endsWith('opened') ? 5 : 0;
        yield {
          name: `${name}_total`,
          labels: renderLabels(r.labels),
          value: counterShape(r.rate * perConnection, phaseOf(r.labels, size.seed), offset),
        };
      }
    },
  });
  return [
    tcp('istio_tcp_connections_opened', 'TCP connections opened.', 1),
    tcp('istio_tcp_connections_closed', 'TCP connections closed.', 1),
    tcp('istio_tcp_sent_bytes', 'Bytes sent during TCP connections.', 2048),
    tcp('istio_tcp_received_bytes', 'Bytes received during TCP connections.', 512),
  ];
}

/**
 * Envoy cluster stats behind circuit breaking and outlier detection, as enabled by the bundle's
 * proxyStatsMatcher: per calling pod and upstream cluster. A healthy mesh overflows rarely.
 */
export function envoyClusterFamilies(size: MeshSize, topo: Topology): Family[] {
  function* clusters(): Iterable<Labels> {
    for (const service of topo.services)
      for (const source of service.sources)
        for (const pod of source.pods)
          yield {
            ...envoyTarget(size.jobs.envoy, pod, source),
            cluster_name: `outbound|9898||${service.name}.${service.namespace}.svc.cluster.local`,
          };
  }
  const counter = (name: string, help: string, rate: number): Family => ({
    name,
    type: 'counter',
    help,
    *series() {
      for (const l of clusters())
        yield { name: `${name}_total`, labels: renderLabels(l), value: counterShape(rate, phaseOf(l, size.seed)) };
    },
  });
  return [
    // Envoy exposes these counters without a _total suffix.
    {
      name: 'envoy_cluster_upstream_rq_pending_overflow',
      type: 'gauge',
      help: 'Requests that overflowed the connection pool or circuit breaker.',
      *series() {
        for (const l of clusters())
          yield {
            name: 'envoy_cluster_upstream_rq_pending_overflow',
            labels: renderLabels(l),
            value: counterShape(0.002, phaseOf(l, size.seed)),
          } as Series;
      },
    },
    {
      name: 'envoy_cluster_upstream_cx_overflow',
      type: 'gauge',
      help: 'Connections that overflowed the circuit breaker.',
      *series() {
        for (const l of clusters())
          yield {
            name: 'envoy_cluster_upstream_cx_overflow',
            labels: renderLabels(l),
            value: counterShape(0.001, phaseOf(l, size.seed)),
          } as Series;
      },
    },
    {
      name: 'envoy_cluster_outlier_detection_ejections_active',
      type: 'gauge',
      help: 'Hosts currently ejected by outlier detection.',
      *series() {
        for (const l of clusters())
          yield { name: 'envoy_cluster_outlier_detection_ejections_active', labels: renderLabels(l), value: () => 0 };
      },
    },
    {
      name: 'envoy_cluster_upstream_rq_retry_overflow',
      type: 'gauge',
      help: 'Retries not attempted because the retry circuit breaker was open.',
      *series() {
        for (const l of clusters())
          yield {
            name: 'envoy_cluster_upstream_rq_retry_overflow',
            labels: renderLabels(l),
            value: counterShape(0.001, phaseOf(l, size.seed)),
          } as Series;
      },
    },
    counter('envoy_cluster_outlier_detection_ejections_enforced', 'Outlier ejections enforced.', 0.0005),
  ];
}

/**
 * TLS handshakes at the ingress gateway's HTTPS listener, as its pods export them with the bundle's
 * proxy.istio.io/config annotation: Envoy counters without `_total`, the listener's address in Istio's
 * bootstrap tag `listener_address`. A healthy edge: about 1 % of handshakes fail (old clients, scanners).
 */
export function envoyListenerTlsFamilies(size: MeshSize, topo: Topology): Family[] {
  const gw = topo.gateways.ingress;
  function* listeners(): Iterable<Labels> {
    for (const pod of gw.pods) yield { ...envoyTarget(size.jobs.envoy, pod, gw), listener_address: '0.0.0.0_8443' };
  }
  const counter = (name: string, help: string, rate: number): Family => ({
    name,
    type: 'gauge',
    help,
    *series() {
      for (const l of listeners()) yield { name, labels: renderLabels(l), value: counterShape(rate, phaseOf(l, size.seed)) } as Series;
    },
  });
  return [
    counter('envoy_listener_ssl_handshake', 'Downstream TLS handshakes completed.', 20),
    counter('envoy_listener_ssl_connection_error', 'Downstream TLS connections that failed.', 0.2),
  ];
}
