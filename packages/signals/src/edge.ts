// What the mesh edge blocks, as series every proxy exports by default (no proxyStatsMatcher needed):
// - Calls refused by REGISTRY_ONLY: the client proxy sends them to the BlackHoleCluster, and Istio's stats
//   filter reports them with destination_service_name="BlackHoleCluster", as istio_requests_total (HTTP)
//   or istio_tcp_connections_opened_total (TCP) (istio.io "Accessing External Services", egress-control
//   task: "Monitor blocked and passthrough traffic"; the cluster name is istio/istio
//   pilot/pkg/util/protoconv + pkg/config/constants BlackHoleCluster).
// - Requests an ext_authz provider refused: Envoy marks them with the response flag UAEX
//   (envoyproxy/envoy source/common/stream_info/utility.h UNAUTHORIZED_EXTERNAL_SERVICE), which Istio's
//   stats filter puts on istio_requests_total's response_flags, at the gateway that asked.
import type { MeshobsConfig } from '@meshobs/config';
import { gatewayPodMatcher } from './gateways.ts';
import { LEVELS, REPORTER } from './labels.ts';
import { ISTIO_METRICS } from './metrics.ts';
import { sumRate } from './promql.ts';

/** The cluster Envoy sends calls to unknown hosts to under REGISTRY_ONLY, as destination_service_name. */
export const BLACKHOLE = 'destination_service_name="BlackHoleCluster"';
/** Envoy's response flag of a request an ext_authz provider denied. */
export const EXT_AUTHZ_DENIED = 'response_flags=~".*UAEX.*"';
/** Per calling workload: who tried to reach an unlisted external host. */
export const BLOCKED_BY = ['source_workload_namespace', 'source_workload'] as const;

/** HTTP requests and TCP connections to the BlackHoleCluster, per calling workload (both reporter="source"). */
export function blackholeRates(window: string) {
  return {
    requests: sumRate(ISTIO_METRICS.requests, window, BLOCKED_BY, REPORTER.source, BLACKHOLE),
    connections: sumRate(ISTIO_METRICS.tcpOpened, window, BLOCKED_BY, REPORTER.source, BLACKHOLE),
  };
}

/** Requests the gateways' ext_authz provider refused, per gateway; undefined when no gateway is enabled. */
export function extAuthzDeniedRate(config: Pick<MeshobsConfig, 'istio'>, window: string): string | undefined {
  const pods = gatewayPodMatcher(config);
  return pods ? sumRate(ISTIO_METRICS.requests, window, LEVELS.gateway, REPORTER.source, pods, EXT_AUTHZ_DENIED) : undefined;
}
