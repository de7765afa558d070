// Reading what istiod generated for one proxy (ProxyConfig from istiod-kit.ts, canonical protobuf JSON)
// and comparing it with what the bundle intends. Every check returns the list of its problems (empty when
// the generated configuration carries the intent), so a test shows all of them at once and a mutation
// test can name the problem it expects.
//
// Upstream facts (istio/istio at the pinned commit eed52ebb66ad):
// - tracing: pilot/pkg/networking/core/tracing.go (configureTracingFromTelemetry: the server spec on
//   inbound listeners, the client spec on outbound and gateway listeners; configureSampling sets
//   random_sampling to the Telemetry's randomSamplingPercentage, client and overall sampling to 100;
//   buildCustomTagsFromProvider: literal, environment, request_header tags; otelConfig: the
//   OpenTelemetry provider's gRPC service is the collector Service's outbound cluster, or no tracing at
//   all when that cluster cannot be found).
// - access logs: pilot/pkg/networking/core/accesslog.go (the Telemetry filter expression becomes the
//   CEL extension filter envoy.access_loggers.extension_filters.cel).
// - stats: pilot/pkg/model/telemetry.go (generateStatsConfig: the `istio.stats` filter gets one
//   MetricConfig per overridden metric with its tags_to_remove; the server overrides on inbound
//   listeners, the client ones on outbound and gateway listeners; metricToPrometheusMetric names).
type Any = any;

export interface Hcm {
  listener: string;
  /** INBOUND (server side) or OUTBOUND (client side, gateways too). */
  direction: string;
  chain: string;
  hcm: Any;
}

const HCM = 'envoy.filters.network.http_connection_manager';

/** Every HTTP connection manager of the proxy's listeners. */
export function hcmsOf(listeners: Any[]): Hcm[] {
  const out: Hcm[] = [];
  for (const l of listeners)
    for (const c of [...(l.filterChains ?? []), ...(l.defaultFilterChain ? [l.defaultFilterChain] : [])])
      for (const f of c.filters ?? [])
        if (f.name === HCM)
          out.push({ listener: l.name, direction: l.trafficDirection ?? 'UNSPECIFIED', chain: c.name ?? '', hcm: f.typedConfig });
  return out;
}

/** The inbound HCMs of a port (server side of a sidecar). */
export const inboundHcms = (listeners: Any[], port: number) =>
  hcmsOf(listeners).filter((h) => h.direction === 'INBOUND' && new RegExp(`(^|[^0-9])${port}($|[^0-9])`).test(h.chain));

/** The custom tags of a Telemetry, as Envoy tag objects ({tag, literal|environment|requestHeader}). */
export function expectedTags(customTags: Record<string, Any>): Any[] {
  return Object.entries(customTags)
    .map(([tag, t]) => {
      if (t.literal) return { tag, literal: { value: t.literal.value } };
      if (t.environment)
        return {
          tag,
          environment: { name: t.environment.name, ...(t.environment.defaultValue ? { defaultValue: t.environment.defaultValue } : {}) },
        };
      if (t.header)
        return { tag, requestHeader: { name: t.header.name, ...(t.header.defaultValue ? { defaultValue: t.header.defaultValue } : {}) } };
      throw new Error(`unexpected custom tag ${tag}`);
    })
    .sort((a, b) => a.tag.localeCompare(b.tag));
}

export interface TracingIntent {
  /** The collector Service host and OTLP gRPC port (meshConfig extension provider). */
  service: string;
  port: number;
  /** Envoy's random sampling, per cent. */
  percent: number;
  customTags: Record<string, Any>;
}

/** Problems of one HCM's tracing block against the bundle's intent. */
export function tracingProblems(h: Hcm, intent: TracingIntent): string[] {
  const where = `${h.listener}/${h.chain}`;
  const t = h.hcm.tracing;
  if (!t) return [`${where}: no tracing`];
  const p: string[] = [];
  const provider = t.provider ?? {};
  if (provider.name !== 'envoy.tracers.opentelemetry') p.push(`${where}: tracer ${provider.name}, not envoy.tracers.opentelemetry`);
  const grpc = provider.typedConfig?.grpcService?.envoyGrpc ?? {};
  const cluster = `outbound|${intent.port}||${intent.service}`;
  if (grpc.clusterName !== cluster) p.push(`${where}: spans go to cluster ${grpc.clusterName}, not ${cluster}`);
  if (grpc.authority !== intent.service) p.push(`${where}: gRPC authority ${grpc.authority}, not ${intent.service}`);
  for (const k of ['randomSampling', 'clientSampling', 'overallSampling'] as const) {
    const want = k === 'randomSampling' ? intent.percent : 100;
    if ((t[k]?.value ?? 100) !== want) p.push(`${where}: ${k} ${t[k]?.value} %, not ${want} %`);
  }
  const tags: Any[] = t.customTags ?? [];
  for (const want of expectedTags(intent.customTags)) {
    const got = tags.find((x) => x.tag === want.tag);
    if (!got) p.push(`${where}: custom tag ${want.tag} missing`);
    else {
      const { tag: _, ...gotType } = got;
      const { tag: __, ...wantType } = want;
      if (JSON.stringify(gotType) !== JSON.stringify(wantType))
        p.push(`${where}: custom tag ${want.tag} is ${JSON.stringify(gotType)}, not ${JSON.stringify(wantType)}`);
    }
  }
  return p;
}

/** Whether the proxy's CDS carries the cluster its tracer exports to (otherwise Envoy rejects the listener). */
export const hasCluster = (clusters: Any[], name: string) => clusters.some((c) => c.name === name);

export interface AccessLogIntent {
  /** CEL expression per provider kind: the built-in `envoy` stdout log and the audit log. */
  stdoutFilter: string;
  auditFilter: string;
}

const celOf = (log: Any) => log.filter?.extensionFilter?.typedConfig?.expression;

/** Problems of one HCM's access logs: both providers present, each with its own CEL filter. */
export function accessLogProblems(h: Hcm, intent: AccessLogIntent): string[] {
  const where = `${h.listener}/${h.chain}`;
  const logs: Any[] = h.hcm.accessLog ?? [];
  const p: string[] = [];
  const files = logs.filter((l) => l.name === 'envoy.access_loggers.file' && l.typedConfig?.path === '/dev/stdout');
  const text = files.filter((l) => !l.typedConfig?.logFormat?.jsonFormat);
  const json = files.filter((l) => l.typedConfig?.logFormat?.jsonFormat);
  if (text.length !== 1) p.push(`${where}: ${text.length} text access logs to /dev/stdout, not 1`);
  else if (celOf(text[0]) !== intent.stdoutFilter)
    p.push(`${where}: stdout access log filter ${JSON.stringify(celOf(text[0]))}, not ${JSON.stringify(intent.stdoutFilter)}`);
  if (json.length !== 1) p.push(`${where}: ${json.length} JSON (audit) access logs, not 1`);
  else {
    if (celOf(json[0]) !== intent.auditFilter)
      p.push(`${where}: audit log filter ${JSON.stringify(celOf(json[0]))}, not ${JSON.stringify(intent.auditFilter)}`);
    if (!json[0].typedConfig.logFormat.jsonFormat.source_principal) p.push(`${where}: audit log without source_principal`);
  }
  return p;
}

/** Istio's Prometheus names of the Telemetry metric selectors (pilot/pkg/model/telemetry.go metricToPrometheusMetric). */
export const PROMETHEUS_METRIC: Record<string, string> = {
  REQUEST_COUNT: 'requests_total',
  REQUEST_DURATION: 'request_duration_milliseconds',
  REQUEST_SIZE: 'request_bytes',
  RESPONSE_SIZE: 'response_bytes',
  TCP_OPENED_CONNECTIONS: 'tcp_connections_opened_total',
  TCP_CLOSED_CONNECTIONS: 'tcp_connections_closed_total',
  TCP_SENT_BYTES: 'tcp_sent_bytes_total',
  TCP_RECEIVED_BYTES: 'tcp_received_bytes_total',
  GRPC_REQUEST_MESSAGES: 'request_messages_total',
  GRPC_RESPONSE_MESSAGES: 'response_messages_total',
};

/**
 * Tags each metric should lose on one side (CLIENT or SERVER): every override of the Telemetry's metrics
 * block that matches the metric (or ALL_METRICS) and the side (or CLIENT_AND_SERVER), merged.
 */
export function expectedRemovals(metrics: Any[], side: 'CLIENT' | 'SERVER'): Record<string, string[]> {
  const out: Record<string, Set<string>> = {};
  for (const m of metrics)
    for (const o of m.overrides ?? []) {
      const mode = o.match?.mode ?? 'CLIENT_AND_SERVER';
      if (mode !== 'CLIENT_AND_SERVER' && mode !== side) continue;
      const names = !o.match?.metric || o.match.metric === 'ALL_METRICS' ? Object.keys(PROMETHEUS_METRIC) : [o.match.metric];
      for (const n of names)
        for (const [tag, op] of Object.entries<Any>(o.tagOverrides ?? {}))
          if (op.operation === 'REMOVE') {
            const metric = PROMETHEUS_METRIC[n]!;
            out[metric] = (out[metric] ?? new Set<string>()).add(tag);
          }
    }
  return Object.fromEntries(
    Object.entries(out)
      .map(([k, v]) => [k, [...v].sort()] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** The `istio.stats` filter's removals in one HCM: metric name -> sorted tags_to_remove. */
export function statsRemovals(h: Hcm): Record<string, string[]> | undefined {
  const f = (h.hcm.httpFilters ?? []).find((x: Any) => x.name === 'istio.stats');
  if (!f) return undefined;
  const cfg = f.typedConfig?.value ?? f.typedConfig ?? {};
  const metrics: Any[] = cfg.metrics ?? [];
  return Object.fromEntries(
    metrics
      .filter((m) => m.tagsToRemove?.length)
      .map((m): [string, string[]] => [m.name, [...m.tagsToRemove].sort()])
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}
