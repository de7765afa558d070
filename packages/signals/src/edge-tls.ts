// TLS handshakes at the ingress gateway: what the edge refuses before any request exists (a client offering
// only TLS 1.2 against the Gateway's TLS 1.3 minimum, no shared cipher, a certificate the client rejects).
//
// Upstream facts (envoyproxy/envoy v1.40.0, istio/istio at the pinned commit eed52ebb66ad):
// - Envoy counts each downstream TLS context's handshakes under its listener's scope as
//   `listener.<address>.ssl.<stat>` (source/common/tls/stats.h ALL_SSL_STATS, prefix "ssl." in stats.cc):
//   `handshake` on every completed handshake (ContextImpl::logHandshake), `connection_error` when a
//   connection fails on a TLS error that no other counter takes (source/common/tls/ssl_socket.cc
//   drainErrorQueue: client-certificate failures go to `fail_verify_*`, socket errors to the connection
//   stats). The edge Gateway terminates SIMPLE TLS (no client certificate), so these two are the whole
//   picture there.
// - Istio's proxies export none of them by default: the bootstrap's stats matcher keeps only its required
//   prefixes and whatever proxyStatsMatcher adds (pkg/bootstrap/config.go getStatsOptions,
//   tools/packaging/common/envoy_bootstrap.json stats_matcher). The bundle adds EDGE_TLS_STATS_REGEX on the
//   ingress gateway's pods only (INGRESS_GATEWAY_PROXY_STATS_MATCHER, a pod annotation).
// - Istio's bootstrap sets use_all_default_tags: false and its own tag `listener_address` for the
//   `listener.<address>.` part (envoy_bootstrap.json stats_tags): on /stats/prometheus the series are
//   envoy_listener_ssl_handshake{listener_address="0.0.0.0_8443"}. Upstream Envoy's default extractor would
//   name the label envoy_listener_address instead (checked on the real binary by
//   packages/istio/test/edge-tls.e2e.test.ts).
import type { MeshobsConfig } from '@meshobs/config';
import { PROXY_STATS_MATCHER } from './circuit-breaker.ts';
import { gatewaysOf } from './gateways.ts';
import { jobMatcher } from './jobs.ts';
import { ENVOY_LISTENER_METRICS } from './metrics.ts';
import { type Matcher, sumRate } from './promql.ts';

/**
 * ProxyConfig.ProxyStatsMatcher inclusion regex for the two stats above: Envoy matches a safe_regex
 * against the whole stat name (RE2), so neither the per-cipher/version/curve `ssl.*` stats nor a cluster's
 * upstream `cluster.<name>.ssl.*` stats are kept. Per gateway pod: two series per TLS listener.
 */
export const EDGE_TLS_STATS_REGEX = 'listener\\..*\\.ssl\\.(handshake|connection_error)';

/**
 * The ingress gateway's proxyStatsMatcher, as its `proxy.istio.io/config` pod annotation. The annotation's
 * proxyStatsMatcher REPLACES the mesh default's (pilot-agent applies it with jsonpb, which sets a present
 * message field anew: pilot/cmd/pilot-agent/config/config.go getMeshConfig "Merging is done by
 * replacement", pkg/config/mesh/mesh.go MergeProxyConfig), so the circuit-breaker suffixes of the mesh
 * default are repeated here.
 */
export const INGRESS_GATEWAY_PROXY_STATS_MATCHER = {
  inclusionSuffixes: [...PROXY_STATS_MATCHER.inclusionSuffixes],
  inclusionRegexps: [EDGE_TLS_STATS_REGEX],
} as const;

/** The label Istio's bootstrap gives the listener's address (envoy_bootstrap.json stats_tags). */
export const LISTENER_ADDRESS = 'listener_address';

/** Per ingress gateway pod label and TLS listener. */
export const EDGE_TLS_LABELS = ['namespace', 'istio', LISTENER_ADDRESS] as const;

/** Matcher for the ingress gateway's pods; undefined when it is disabled. */
export const ingressGatewayPodMatcher = (config: Pick<MeshobsConfig, 'istio'>): string | undefined => {
  const ingress = gatewaysOf(config).find((g) => g.kind === 'ingress');
  return ingress ? `istio="${ingress.istioLabel}"` : undefined;
};

/**
 * TLS handshakes at the ingress gateway's listeners, per EDGE_TLS_LABELS: completed, failed, attempted
 * (both), and the failed share. Undefined when the ingress gateway is disabled.
 */
export function edgeTlsHandshakes(config: Pick<MeshobsConfig, 'istio' | 'prometheus'>, window: string) {
  const pods = ingressGatewayPodMatcher(config);
  if (!pods) return undefined;
  const ms: Matcher[] = [jobMatcher(config, 'envoy'), pods];
  const completed = sumRate(ENVOY_LISTENER_METRICS.sslHandshake, window, EDGE_TLS_LABELS, ...ms);
  const failed = sumRate(ENVOY_LISTENER_METRICS.sslConnectionError, window, EDGE_TLS_LABELS, ...ms);
  const attempted = `(${failed} + ${completed})`;
  return { completed, failed, attempted, failedShare: `${failed}\n/\n${attempted}` };
}
