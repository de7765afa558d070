// JWT authentication of the demo front end (demo.jwt): a RequestAuthentication telling its sidecar which
// issuer and keys to trust, and a DENY policy refusing requests that arrive through the ingress gateway
// without a valid token, except on the public paths. Istio at the pinned commit eed52ebb66ad:
// - RequestAuthentication alone refuses a request whose token is invalid (bad signature, expired, unknown
//   issuer, wrong audience) but lets a request without a token through: istiod gives Envoy's jwt_authn
//   filter the requirement {provider OR allow_missing} (pilot/pkg/security/authn/policy_applier.go
//   convertToEnvoyJwtConfig). Only an AuthorizationPolicy on requestPrincipals makes a token mandatory.
// - requestPrincipals are `<iss>/<sub>` of the validated token; `*` matches any (pilot/pkg/security/authz/
//   model/generator.go requestPrincipalGenerator), so `notRequestPrincipals: ["*"]` is "no valid token".
// - Calls from inside the mesh (the backend tier) carry no token and are not asked for one: the DENY rule
//   names the ingress gateway's identities, and fields of one source are ANDed.
import type { MeshobsConfig } from '@meshobs/config';
import { type KubeObject, withComment } from '@meshobs/kube';
import type { DemoTier as Tier } from '@meshobs/model';
import { ingressGatewayPrincipals } from './security.ts';
import { tierLabels } from './workload.ts';

export function requestAuthentication(config: MeshobsConfig, tier: Tier): KubeObject[] {
  const jwt = config.demo.jwt;
  if (!jwt || !tier.exposed) return [];
  return [
    withComment(
      {
        apiVersion: 'security.istio.io/v1',
        kind: 'RequestAuthentication',
        metadata: { name: tier.name, namespace: tier.namespace, labels: tierLabels(tier) },
        spec: {
          selector: { matchLabels: { app: tier.name } },
          jwtRules: [{ issuer: jwt.issuer, jwksUri: jwt.jwksUri, ...(jwt.audiences.length ? { audiences: jwt.audiences } : {}) }],
        },
      },
      `Tokens of ${jwt.issuer} are checked against its keys; a request with an invalid token is refused (401).`,
    ),
    withComment(
      {
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name: `${tier.name}-require-jwt`, namespace: tier.namespace, labels: tierLabels(tier) },
        spec: {
          selector: { matchLabels: { app: tier.name } },
          action: 'DENY',
          rules: [
            {
              from: [{ source: { principals: ingressGatewayPrincipals(config), notRequestPrincipals: ['*'] } }],
              // The port named: a DENY rule of HTTP fields only would also deny every TCP port of the pod (IST0133).
              to: [{ operation: { ports: [String(tier.port)], ...(jwt.publicPaths.length ? { notPaths: jwt.publicPaths } : {}) } }],
            },
          ],
        },
      },
      `Through the ingress gateway, ${tier.name} answers only requests with a valid token${jwt.publicPaths.length ? `, except on ${jwt.publicPaths.join(', ')}` : ''} (403 otherwise).`,
    ),
  ];
}
