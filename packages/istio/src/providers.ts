// meshConfig: extension providers (OpenTelemetry + Zipkin to the collector, access-log providers, the UIs' ext_authz sign-in),
// default providers, the proxyStatsMatcher the circuit-breaker alert needs, and the proxies' environment
// (proxyMetadata: the workload certificate lifetime, install.ts).

import type { MeshobsConfig } from '@meshobs/config';
import { endpointsOf, uiHosts } from '@meshobs/config';
import { PROXY_STATS_MATCHER } from '@meshobs/signals';
import { signInProvider } from './ingress.ts';
import { proxyMetadata } from './install.ts';

export const PROVIDERS = {
  otel: 'otel-tracing',
  zipkin: 'zipkin-tracing',
  /** Istio's built-in stdout provider (text format); filtered to errors by the Telemetry resource. */
  accessLog: 'envoy',
  audit: 'audit-log',
  /** Istio's built-in Prometheus metrics provider (the default metrics provider). */
  prometheus: 'prometheus',
} as const;

/** JSON fields of the audit log: who called whom, with which identity, and what the proxy decided. */
const AUDIT_LABELS = {
  start_time: '%START_TIME%',
  authority: '%REQ(:AUTHORITY)%',
  method: '%REQ(:METHOD)%',
  path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
  response_code: '%RESPONSE_CODE%',
  response_code_details: '%RESPONSE_CODE_DETAILS%',
  response_flags: '%RESPONSE_FLAGS%',
  connection_termination_details: '%CONNECTION_TERMINATION_DETAILS%',
  source_principal: '%DOWNSTREAM_PEER_URI_SAN%',
  destination_principal: '%DOWNSTREAM_LOCAL_URI_SAN%',
  source_address: '%DOWNSTREAM_REMOTE_ADDRESS%',
  request_id: '%REQ(X-REQUEST-ID)%',
  user_agent: '%REQ(USER-AGENT)%',
  upstream_cluster: '%UPSTREAM_CLUSTER%',
};

/** One meshConfig.extensionProviders entry: its name and its one kind of provider. */
export type ExtensionProvider = { name: string } & Partial<
  Record<'opentelemetry' | 'zipkin' | 'envoyFileAccessLog' | 'envoyExtAuthzHttp', Record<string, unknown>>
>;

export function meshConfig(config: MeshobsConfig) {
  const c = endpointsOf(config).collector;
  const extensionProviders: ExtensionProvider[] = [
    {
      name: PROVIDERS.otel,
      opentelemetry: {
        service: c.host,
        port: c.otlpGrpcPort,
        // Adds the proxy's environment (OTEL_RESOURCE_ATTRIBUTES) to the span resource.
        resourceDetectors: { environment: {} },
      },
    },
    {
      // For meshes or gateways still on the Zipkin tracer; the collector's zipkin receiver takes it.
      name: PROVIDERS.zipkin,
      zipkin: { service: c.host, port: c.zipkinPort },
    },
    {
      name: PROVIDERS.audit,
      envoyFileAccessLog: { path: '/dev/stdout', logFormat: { labels: AUDIT_LABELS } },
    },
    // The UIs' sign-in (ingress.signIn), named by the CUSTOM policy on the ingress gateway (ingress.ts).
    ...(uiHosts(config).length ? [signInProvider(config)] : []),
  ];
  return {
    // egress.outboundTrafficPolicy: REGISTRY_ONLY refuses calls to hosts no ServiceEntry lists (the build warns);
    // ALLOW_ANY is Istio's default and is left unset (mesh.proto OutboundTrafficPolicy).
    ...(config.egress.outboundTrafficPolicy === 'REGISTRY_ONLY' ? { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } } : {}),
    enableTracing: true,
    // All three kinds, metrics included: Istio's istiod chart adds `defaultProviders.metrics: [prometheus]`
    // only when meshConfig.defaultProviders is unset (istio/istio manifests/charts/istio-control/
    // istio-discovery/templates/_helpers.tpl "default-prometheus" and configmap.yaml at the pinned
    // commit eed52ebb66ad; istioctl renders the same chart), and istiod puts the `istio.stats` filter
    // only on proxies whose Telemetry or default providers name a metrics provider
    // (pilot/pkg/model/telemetry.go mergeMetrics). Without it no proxy reports istio_requests_total.
    defaultProviders: { metrics: [PROVIDERS.prometheus], tracing: [PROVIDERS.otel], accessLogging: [PROVIDERS.accessLog] },
    extensionProviders,
    defaultConfig: {
      // Envoy drops most cluster stats by default; these feed CircuitBreakerTriggered (packages/alerts).
      proxyStatsMatcher: { inclusionSuffixes: [...PROXY_STATS_MATCHER.inclusionSuffixes] },
      // Environment of every istio-proxy container (sidecars and gateways): SECRET_TTL.
      proxyMetadata: proxyMetadata(config),
    },
  };
}
