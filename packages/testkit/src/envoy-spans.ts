// Spans as an Istio sidecar's Envoy sends them over OTLP, with every attribute it sets and values of
// realistic length, for tests and benchmarks that must see the real span size (~1.2 KiB with the
// bundle's custom tags) rather than a load generator's small spans.
//
// What Envoy puts on a sidecar's HTTP span (envoyproxy/envoy, all string attributes, source/extensions/
// tracers/opentelemetry/tracer.cc Span::setTag at commit cd146a02; tag names in
// source/common/tracing/common_values.h at 43fa7c73):
//   - at start (source/common/tracing/tracer_impl.cc TracerImpl::startSpan, commit 27349e40): node_id, zone;
//   - when the request ends (source/common/tracing/http_tracer_impl.cc HttpTracerUtility::
//     finalizeDownstreamSpan and setCommonTags): guid:x-request-id, http.url, http.method,
//     downstream_cluster, user_agent, http.protocol, peer.address, request_size, response_size,
//     component=proxy, upstream_cluster, upstream_cluster.name, http.status_code, response_flags, then
//     the custom tags; tracer_impl.cc finalizeSpan adds upstream_address.
// Istio's own custom tags on every span (istio/istio pilot/pkg/networking/core/tracing.go
// buildServiceTags at the pinned commit eed52ebb66ad): istio.canonical_revision,
// istio.canonical_service, istio.mesh_id, istio.namespace, istio.cluster_id. The bundle's custom tags
// (packages/istio telemetry.ts customTags) come on top, passed in by the caller.
// The resource is the proxy's service cluster as service.name (tracing.go configureFromProviderConfig:
// serviceCluster = XdsNode.Cluster, "<app>.<namespace>"); one ResourceSpans per flush, no scope
// (tracer.cc Tracer::flushSpans), and a flush every min_flush_spans = 5 spans or 5 s.
//
// Until a span captured from a real Envoy replaces it, this is the model every size figure rests on.
import type { ProtoResourceSpans, ProtoSpan } from './otlp-proto.ts';

/** Envoy's OpenTelemetry tracer flushes its buffer every this many spans (runtime tracing.opentelemetry.min_flush_spans). */
export const ENVOY_MIN_FLUSH_SPANS = 5;

/** One workload of a synthetic request path (a sidecar). */
export interface EnvoyWorkload {
  app: string;
  version: string;
  namespace: string;
  port: number;
}

/** The hops of a request through a bookinfo-like mesh: one Envoy span each (its sidecar's server side). */
export const ENVOY_PATH: EnvoyWorkload[] = [
  { app: 'productpage', version: 'v1', namespace: 'bookinfo', port: 9080 },
  { app: 'reviews', version: 'v2', namespace: 'bookinfo', port: 9080 },
  { app: 'ratings', version: 'v1', namespace: 'bookinfo', port: 9080 },
  { app: 'details', version: 'v1', namespace: 'bookinfo', port: 9080 },
];

const USER_AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'python-requests/2.32.3',
  'Go-http-client/1.1',
  'okhttp/4.12.0',
];

/** The user agent of request `n`. */
export const userAgent = (n: number) => USER_AGENTS[n % USER_AGENTS.length]!;

const pad = (n: number, width: number) => String(n).padStart(width, '0');
/** A pod name as a Deployment's ReplicaSet makes them (hash suffixes), stable per workload and replica. */
export const podName = (w: EnvoyWorkload, replica = 0) => `${w.app}-${w.version}-7d9c5b8f6d-${pad(replica, 5)}`;
const ipOf = (i: number) => `10.244.${(i >> 8) & 0xff}.${i & 0xff}`;

/** A UUID-shaped x-request-id, deterministic in `n`. */
export const requestId = (n: number) => {
  const h = pad(n, 32).slice(-32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

export interface EnvoySpanInput {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  /** Index of the hop in ENVOY_PATH (or any workload). */
  workload: EnvoyWorkload;
  /** The calling workload (peer), or undefined for the ingress hop. */
  caller?: EnvoyWorkload;
  /** Request number: picks the request id, user agent and sizes deterministically. */
  n: number;
  path: string;
  startTimeUnixNano: bigint;
  durationNanos: bigint;
  /** The bundle's custom tags (name -> value), as the Telemetry resource makes Envoy set them. */
  customTags: Record<string, string>;
}

/** Envoy's attributes of a sidecar's inbound (server) span. */
export function envoySpan(s: EnvoySpanInput): ProtoSpan {
  const w = s.workload;
  const host = `${w.app}.${w.namespace}.svc.cluster.local`;
  const cluster = `inbound|${w.port}||`;
  const status = s.n % 97 === 0 ? '503' : '200';
  const attributes: Record<string, string> = {
    node_id: `sidecar~${ipOf(s.n % 4096)}~${podName(w, s.n % 3)}.${w.namespace}~${w.namespace}.svc.cluster.local`,
    zone: 'europe-west1-b',
    'guid:x-request-id': requestId(s.n),
    'http.url': `http://${host}:${w.port}${s.path}`,
    'http.method': 'GET',
    downstream_cluster: '-',
    user_agent: userAgent(s.n),
    'http.protocol': 'HTTP/1.1',
    'peer.address': ipOf((s.n * 7) % 4096),
    request_size: '0',
    response_size: String(200 + (s.n % 3000)),
    component: 'proxy',
    upstream_cluster: cluster,
    'upstream_cluster.name': cluster,
    'http.status_code': status,
    response_flags: status === '503' ? 'UF' : '-',
    upstream_address: `${ipOf(s.n % 4096)}:${w.port}`,
    'istio.canonical_revision': w.version,
    'istio.canonical_service': w.app,
    'istio.mesh_id': 'cluster.local',
    'istio.namespace': w.namespace,
    'istio.cluster_id': 'Kubernetes',
    ...s.customTags,
  };
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
    name: `${host}:${w.port}/*`,
    kind: 2,
    startTimeUnixNano: s.startTimeUnixNano,
    endTimeUnixNano: s.startTimeUnixNano + s.durationNanos,
    attributes,
  };
}

/** One proxy's flush: the spans it buffered, under its resource. */
export const envoyResourceSpans = (w: EnvoyWorkload, spans: ProtoSpan[]): ProtoResourceSpans => ({
  resource: { 'service.name': `${w.app}.${w.namespace}` },
  spans,
});

/** An Istio Telemetry custom tag (telemetry.istio.io/v1 Tracing.customTags value). */
export type CustomTagSpec =
  | { literal: { value: string } }
  | { environment: { name: string; defaultValue?: string } }
  | { header: { name: string; defaultValue?: string } };

/**
 * The values Envoy gives the custom tags on one span: literals as they are, environment variables of
 * the proxy, request headers; a tag whose value comes out empty is not set at all (envoyproxy/envoy
 * source/common/tracing/custom_tag_impl.cc CustomTagBase::apply).
 */
export function customTagValues(
  tags: Record<string, CustomTagSpec>,
  proxy: { env: Record<string, string>; headers: Record<string, string> },
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, t] of Object.entries(tags)) {
    const value =
      'literal' in t
        ? t.literal.value
        : 'environment' in t
          ? (proxy.env[t.environment.name] ?? t.environment.defaultValue ?? '')
          : (proxy.headers[t.header.name.toLowerCase()] ?? t.header.defaultValue ?? '');
    if (value) out[name] = value;
  }
  return out;
}
