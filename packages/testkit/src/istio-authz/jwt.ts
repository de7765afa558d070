// JWT in Istio's sidecar decision (the "JWT" point of istio-authz.ts): which RequestAuthentications apply,
// what Envoy's jwt_authn filter does with the request's token, and how requestPrincipals and request.auth.*
// conditions match the validated token. istio/istio at the pinned commit eed52ebb66ad:
// * Selection: like AuthorizationPolicies, the workload's namespace and the root namespace, a selector a
//   subset of the pod labels, targetRef policies never on a sidecar (pilot/pkg/model/authentication.go
//   getConfigsForWorkload -> ShouldAttachPolicy, policyattachment.go). Every applicable policy's jwtRules
//   become providers of one jwt_authn filter.
// * Requirement: {any provider OR allow_missing} (pilot/pkg/security/authn/policy_applier.go
//   convertToEnvoyJwtConfig): no token passes without an identity; a token no provider accepts (unknown
//   issuer, bad signature or expiry, audience not listed) is refused with 401. Without an applicable
//   RequestAuthentication there is no jwt_authn filter and a token gives no identity.
// * Filter order (pilot/pkg/networking/core/listener_builder.go): CUSTOM's ext_authz, then jwt_authn, then
//   the DENY/ALLOW RBAC filters, so only DENY and ALLOW rules see the token's identity.
// * requestPrincipals / request.auth.principal: `<iss>/<sub>`, split at the last "/"; `*` any; `*x` suffix and
//   `x*` prefix apply to iss or sub as requestPrincipalGenerator says (pilot/pkg/security/authz/model/
//   generator.go). request.auth.audiences, .presenter, .claims[a][b]: the claim (a string or any element of a
//   list) matched by Istio's string matcher (generator.go requestAudiencesGenerator, requestPresenterGenerator,
//   requestClaimGenerator; matcher/string.go StringMatcher).
import { type AuthorizationPolicy, id, type Jwt, type MeshPolicies, type RequestAuthentication, subsetOf, type Workload } from './model.ts';
import { stringMatch } from './rules.ts';

/** The validated token's identity, as the RBAC filter sees it through jwt_authn's metadata. */
export interface JwtIdentity {
  iss: string;
  sub: string;
  claims: Record<string, unknown>;
}

export function requestAuthenticationsFor(mesh: MeshPolicies, w: Workload): RequestAuthentication[] {
  return (mesh.requestAuthentications ?? []).filter((ra) => {
    const ns = ra.metadata.namespace;
    if (ns !== mesh.rootNamespace && ns !== w.namespace) return false;
    if (ra.spec?.targetRef || (ra.spec?.targetRefs?.length ?? 0) > 0) return false;
    return subsetOf(ra.spec?.selector?.matchLabels, w.labels);
  });
}

/** What jwt_authn does with the request: refuse it (401), or pass it with or without an identity. */
export function authenticate(mesh: MeshPolicies, w: Workload, jwt: Jwt | undefined): { refused: string } | { identity?: JwtIdentity } {
  const applied = requestAuthenticationsFor(mesh, w);
  if (!jwt || applied.length === 0) return {};
  for (const ra of applied)
    for (const f of Object.keys(ra.spec ?? {}))
      if (!['selector', 'jwtRules'].includes(f)) throw new Error(`not modelled: RequestAuthentication ${id(ra.metadata)} field ${f}`);
  const rules = applied.flatMap((ra) => (ra.spec?.jwtRules ?? []).map((r) => ({ ra, r })));
  for (const { ra, r } of rules)
    for (const f of Object.keys(r))
      if (!['issuer', 'jwksUri', 'audiences', 'forwardOriginalToken'].includes(f))
        throw new Error(`not modelled: jwtRules field ${f} of RequestAuthentication ${id(ra.metadata)}`);
  const provider = rules.find(({ r }) => r.issuer === jwt.iss);
  if (!provider) return { refused: `401: the token's issuer ${jwt.iss} is none of the RequestAuthentications' issuers` };
  if (jwt.valid === false) return { refused: `401: the token does not verify against ${provider.r.jwksUri ?? 'the issuer keys'}` };
  const aud = jwt.aud ?? [];
  const wanted = provider.r.audiences ?? [];
  if (wanted.length && !aud.some((a) => wanted.includes(a)))
    return { refused: `401: the token's audiences (${aud.join(', ') || 'none'}) are none of ${wanted.join(', ')}` };
  return { identity: { iss: jwt.iss, sub: jwt.sub, claims: { ...(jwt.claims ?? {}), iss: jwt.iss, sub: jwt.sub, aud } } };
}

/** requestPrincipalGenerator.extendedPrincipal: one value against `<iss>/<sub>`. */
export function requestPrincipalMatches(value: string, who: JwtIdentity | undefined): boolean {
  if (!who) return false; // no jwt_authn metadata: every metadata matcher fails
  const idx = value.lastIndexOf('/');
  const found = idx >= 0;
  const [iss, sub] = found ? [value.slice(0, idx), value.slice(idx + 1)] : [value, ''];
  const any = (s: string) => s.length > 0; // regex ".+"
  const exact = (p: string) => (s: string) => s === p;
  let mi: (s: string) => boolean;
  let ms: (s: string) => boolean;
  if (value === '*') [mi, ms] = [any, any];
  else if (value.startsWith('*')) {
    if (found) [mi, ms] = [iss === '*' ? any : (s) => s.endsWith(iss.slice(1)), exact(sub)];
    else [mi, ms] = [any, (s) => s.endsWith(value.slice(1))];
  } else if (value.endsWith('*')) {
    if (found) [mi, ms] = [exact(iss), sub === '*' ? any : (s) => s.startsWith(sub.slice(0, -1))];
    else [mi, ms] = [(s) => s.startsWith(value.slice(0, -1)), any];
  } else [mi, ms] = [exact(iss), exact(sub)];
  return mi(who.iss) && ms(who.sub);
}

const CLAIMS = /^request\.auth\.claims((\[[^\][]+\])+)$/;

/** The claim path of a `request.auth.*` key other than principal, or undefined if the key is not one. */
function claimPath(key: string): string[] | undefined {
  if (key === 'request.auth.audiences') return ['aud'];
  if (key === 'request.auth.presenter') return ['azp'];
  const m = CLAIMS.exec(key);
  return m ? [...m[1]!.matchAll(/\[([^\][]+)\]/g)].map((x) => x[1]!) : undefined;
}

/** One value of a `request.auth.*` condition against the validated token. */
export function authConditionMatches(policy: AuthorizationPolicy, key: string, value: string, who: JwtIdentity | undefined): boolean {
  if (key === 'request.auth.principal') return requestPrincipalMatches(value, who);
  const path = claimPath(key);
  if (!path) throw new Error(`not modelled: condition ${key} in AuthorizationPolicy ${id(policy.metadata)}`);
  if (!who) return false;
  let v: unknown = who.claims;
  for (const p of path) v = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[p] : undefined;
  const values = Array.isArray(v) ? v : [v];
  return values.some((x) => typeof x === 'string' && stringMatch(value, x));
}
