import type { MeshobsConfig } from '@meshobs/config';
import { edgeGatewayRef, type KubeObject, withComment } from '@meshobs/kube';
import { serviceHost, type DemoTier as Tier } from '@meshobs/model';
import { abHeaderOf, mirrorOf, uriRoutes } from './routing.ts';
import { tierLabels } from './workload.ts';

export const RETRIES = { attempts: 3, perTryTimeout: '2s', retryOn: '5xx,connect-failure,reset' };
export const TIMEOUT = '10s';

export function destinationRule(tier: Tier): KubeObject {
  return withComment(
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: tier.name, namespace: tier.namespace, labels: tierLabels(tier) },
      spec: {
        host: serviceHost(tier.name, tier.namespace),
        trafficPolicy: {
          loadBalancer: { simple: 'LEAST_REQUEST' },
          connectionPool: {
            tcp: { maxConnections: 100, connectTimeout: '3s' },
            http: {
              http1MaxPendingRequests: 100,
              http2MaxRequests: 1000,
              maxRequestsPerConnection: 100,
              maxRetries: 3,
              idleTimeout: '60s',
            },
          },
          outlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 50 },
          tls: { mode: 'ISTIO_MUTUAL' },
        },
        subsets: tier.versions.map((v) => ({ name: v.subset, labels: { version: v.label } })),
      },
    },
    'Least-request balancing; a pod returning 5 consecutive 5xx is ejected for 30 s, never more than half of them.',
  );
}

/**
 * Routes of the tier's Service; `via` binds them to the mesh (sidecars) or to the ingress gateway; `routing`
 * (demo.routing, routing.ts) adds URI routes, the A/B header and mirroring.
 */
export function virtualService(
  tier: Tier,
  via: { gateway: string; hosts: string[] } = { gateway: 'mesh', hosts: [] },
  routing?: MeshobsConfig['demo']['routing'],
): KubeObject {
  const host = serviceHost(tier.name, tier.namespace);
  const route = (subset: string, weight: number) => ({ destination: { host, subset, port: { number: tier.port } }, weight });
  const canary = tier.versions.find((v) => v.canary);
  const ab = abHeaderOf(routing);
  const http: unknown[] = [...uriRoutes(tier, routing, route, { retries: RETRIES, timeout: TIMEOUT })];
  if (canary)
    http.push({
      name: 'canary-by-header',
      match: [{ headers: { [ab.name]: { exact: ab.value } } }],
      route: [route(canary.subset, 100)],
      retries: RETRIES,
      timeout: TIMEOUT,
    });
  http.push({
    name: 'weighted',
    route: tier.versions.map((v) => route(v.subset, v.weight)),
    ...mirrorOf(tier, routing, host),
    retries: RETRIES,
    timeout: TIMEOUT,
  });
  return withComment(
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: via.gateway === 'mesh' ? tier.name : `${tier.name}-ingress`, namespace: tier.namespace, labels: tierLabels(tier) },
      // Kept apart: a wildcard ingress host bound to "mesh" would capture every call in the mesh.
      spec: via.gateway === 'mesh' ? { hosts: [host], gateways: ['mesh'], http } : { hosts: via.hosts, gateways: [via.gateway], http },
    },
    canary
      ? `${ab.name}: ${ab.value} goes to ${canary.subset}; everything else is split ${tier.versions.map((v) => `${v.subset} ${v.weight}%`).join(' / ')}${routing?.mirrorPercent ? `, ${routing.mirrorPercent}% mirrored to ${canary.subset}` : ''}.`
      : 'Retries and timeout for the backend tier.',
  );
}

/**
 * The same routes for requests entering through the ingress gateway, bound to the bundle's edge Gateway
 * (packages/istio/src/ingress.ts: HTTPS only, TLS 1.3 minimum, HTTP redirected) for ingress.hosts.demo.
 */
export const ingressVirtualService = (config: MeshobsConfig, tier: Tier): KubeObject =>
  virtualService(tier, { gateway: edgeGatewayRef(config), hosts: config.ingress.hosts.demo });
