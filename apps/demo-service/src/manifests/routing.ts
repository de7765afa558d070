// The demo front end's routes beyond the weighted split (demo.routing), as VirtualService HTTP routes
// (istio.io/api networking/v1alpha3/virtual_service.proto: HTTPMatchRequest.uri.prefix and .headers,
// HTTPRoute.mirror and mirrorPercentage). Order matters, first match wins: URI prefixes, then the A/B
// header, then the weighted split, which also mirrors its share to the canary.
// Routing on a JWT claim (`@request.auth.claims.<name>` header match) is not offered here: istiod turns it
// into a match on the jwt_authn filter's dynamic metadata (pilot/pkg/networking/core/route/route.go
// translateMetadataMatch), which exists only where the token is validated (the destination's inbound or
// the ingress gateway), never in a caller sidecar's outbound route.
import type { MeshobsConfig } from '@meshobs/config';
import type { DemoTier as Tier } from '@meshobs/model';

type Routing = MeshobsConfig['demo']['routing'];
type Destination = (subset: string, weight: number) => unknown;

/** The header that sends a request to the canary: demo.routing.abHeader, else `x-canary: true`. */
export const abHeaderOf = (routing?: Routing) => routing?.abHeader ?? { name: 'x-canary', value: 'true' };

/** URI-prefix routes, each to one version, before every other route. */
export function uriRoutes(tier: Tier, routing: Routing | undefined, route: Destination, extra: object): unknown[] {
  return (routing?.uriRoutes ?? []).map((r, i) => ({
    name: `uri-${i}`,
    match: [{ uri: { prefix: r.prefix } }],
    route: [route(tier.versions.find((v) => v.label === r.version)?.subset ?? r.version, 100)],
    ...extra,
  }));
}

/** Mirroring of the weighted route's requests to the canary (a copy whose answer is discarded). */
export function mirrorOf(tier: Tier, routing: Routing | undefined, host: string): object {
  const canary = tier.versions.find((v) => v.canary);
  const percent = routing?.mirrorPercent ?? 0;
  if (!canary || percent <= 0) return {};
  return { mirror: { host, subset: canary.subset, port: { number: tier.port } }, mirrorPercentage: { value: percent } };
}
