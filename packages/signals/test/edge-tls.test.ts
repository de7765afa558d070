// The ingress gateway's TLS handshake signals and the stats matcher that exports them: narrow (only the two
// listener stats), whole-name like Envoy's safe_regex, and the circuit-breaker suffixes kept.
import { parseConfig } from '@meshobs/config';
import { describe, expect, it } from 'vitest';
import { EDGE_TLS_STATS_REGEX, edgeTlsHandshakes, INGRESS_GATEWAY_PROXY_STATS_MATCHER, PROXY_STATS_MATCHER } from '../src/index.ts';

/** Envoy's safe_regex of a stats matcher matches the whole stat name (RE2 FullMatch). */
const kept = (stat: string) => new RegExp(`^(?:${EDGE_TLS_STATS_REGEX})$`).test(stat);

describe('edge TLS stats matcher', () => {
  it('keeps the two listener TLS stats of any listener address', () => {
    expect(kept('listener.0.0.0.0_8443.ssl.handshake')).toBe(true);
    expect(kept('listener.0.0.0.0_8443.ssl.connection_error')).toBe(true);
    expect(kept('listener.[__]_8443.ssl.handshake')).toBe(true);
  });

  it('keeps nothing else: per-cipher and version stats, upstream TLS, other listener stats', () => {
    for (const stat of [
      'listener.0.0.0.0_8443.ssl.ciphers.TLS_AES_128_GCM_SHA256',
      'listener.0.0.0.0_8443.ssl.versions.TLSv1.3',
      'listener.0.0.0.0_8443.ssl.session_reused',
      'listener.0.0.0.0_8443.ssl.handshake_x',
      'listener.0.0.0.0_8443.downstream_cx_total',
      'cluster.outbound|443||api.github.com.ssl.handshake',
      'cluster.outbound|443||api.github.com.ssl.connection_error',
    ])
      expect(kept(stat), stat).toBe(false);
  });

  it('repeats the mesh default suffixes: the annotation replaces the mesh proxyStatsMatcher', () => {
    expect(INGRESS_GATEWAY_PROXY_STATS_MATCHER.inclusionSuffixes).toEqual([...PROXY_STATS_MATCHER.inclusionSuffixes]);
    expect(INGRESS_GATEWAY_PROXY_STATS_MATCHER.inclusionRegexps).toEqual([EDGE_TLS_STATS_REGEX]);
  });
});

describe('edge TLS handshake signals', () => {
  it('select the configured ingress gateway pods and the envoy job, per listener', () => {
    const s = edgeTlsHandshakes(parseConfig({ istio: { gateways: { ingress: { name: 'edge-gateway' } } } }), '5m')!;
    expect(s.failed).toBe(
      'sum by (namespace, istio, listener_address) (rate(envoy_listener_ssl_connection_error{job="envoy-stats", istio="edge-gateway"}[5m]))',
    );
    expect(s.completed).toContain('envoy_listener_ssl_handshake{job="envoy-stats", istio="edge-gateway"}');
    expect(s.failedShare).toBe(`${s.failed}\n/\n(${s.failed} + ${s.completed})`);
  });

  it('are undefined without an ingress gateway', () => {
    expect(edgeTlsHandshakes(parseConfig({ istio: { gateways: { ingress: { enabled: false } } } }), '5m')).toBeUndefined();
  });
});
