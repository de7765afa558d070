// A small evaluator of Istio's sidecar-mode access decision for one connection or request: which
// PeerAuthentication mode the destination port gets, whether the source can pass it, and what the
// AuthorizationPolicies selecting the destination decide. It follows the istio.io/istio module at
// the pseudo-version pinned in tools/versions.env (ISTIO_MODULE_VERSION, commit eed52ebb66ad) and
// the istio.io/api reference it ships with (security/v1beta1/authorization_policy.proto,
// peer_authentication.proto: the "Authorization Policy" and "PeerAuthentication" reference pages):
//
// * Capture: pods with a sidecar redirect inbound TCP to Envoy except 15090 (Envoy's Prometheus
//   listener), 15021 (health) and the status port (15020, pilot-agent), plus the
//   traffic.sidecar.istio.io/excludeInboundPorts annotation; with includeInboundPorts set to a
//   list only those ports are redirected (manifests/charts/istio-control/istio-discovery/files/
//   injection-template.yaml, the `-d "15090,15021,<statusPort>"` argument;
//   tools/istio-iptables/pkg/capture/run.go). Ports Envoy never sees get neither mTLS nor authz.
// * PeerAuthentication (pilot/pkg/model/authentication.go getConfigsForWorkload,
//   pilot/pkg/security/authn/policy_applier.go ComposePeerAuthentication): candidates are the
//   policies of the workload's namespace and of the root namespace whose selector is a subset of the
//   pod labels; the oldest mesh-wide (root namespace, no selector or empty matchLabels), namespace-wide
//   and workload policy of each level wins; a workload policy in the root namespace is ignored; UNSET
//   inherits mesh -> namespace -> workload, default PERMISSIVE; portLevelMtls of the workload policy
//   overrides per target port (the pod's port: pilot/pkg/networking/core/listener_inbound.go
//   `ForPort(cc.port.TargetPort)`, and ports of no Service get their own passthrough chain,
//   pilot/pkg/networking/plugin/authn/authentication.go ForPassthrough), UNSET there inheriting the
//   workload mode.
// * Auto mTLS (pilot/pkg/xds/endpoints/mtls_checker.go checkMtlsEnabled): a client sidecar sends
//   mTLS to a pod with a sidecar unless that pod's effective mode for the port is DISABLE. A source
//   without a sidecar always sends plaintext. STRICT refuses plaintext in the TLS handshake, before
//   any authorization filter runs; PERMISSIVE and DISABLE accept it, without a peer identity.
// * AuthorizationPolicy selection (pilot/pkg/model/authorization.go ListAuthorizationPolicies,
//   policyattachment.go ShouldAttachPolicy): policies of the root namespace and of the workload's
//   namespace; no selector = every workload of that namespace (of the mesh in the root namespace);
//   a selector must be a subset of the pod labels; a policy with targetRef(s) never applies to a
//   sidecar; `istio.io/dry-run: "true"` policies are not enforced (pilot/pkg/security/authz/builder/
//   builder.go isDryRun: shadow rules only).
// * Decision (authorization_policy.proto, head comment): CUSTOM policies first (a matching one
//   defers to its ext_authz provider, which may deny; istio-authz/custom.ts has how istiod builds them,
//   undefined providers included), then DENY (any match denies), then ALLOW: with no enforced ALLOW
//   policy the request is allowed, otherwise it must match one. AUDIT decides nothing.
// * Matching (pilot/pkg/security/authz/model/model.go New, Generate; generator.go; matcher/*.go):
//   a policy matches when one of its rules does; no rules matches nothing ("match never" in
//   builder.go, i.e. an ALLOW policy without rules allows nothing); a rule matches when one `from`,
//   one `to` (absent = any) and every `when` match; within a source or operation every field must
//   match, a field's values are ORed and its notValues negate their OR (hosts: istio-authz/hosts.ts). Strings: `*` presence,
//   `*x` suffix, `x*` prefix, otherwise exact. principals match the peer certificate's SPIFFE ID,
//   namespaces the regex `.*/ns/<ns>/.*` over it, serviceAccounts
//   `spiffe://.+/ns/<ns>/(.+/|)sa/<sa>(/.+)?`. Without a peer certificate (plaintext) every
//   identity matcher is false, so `principals`/`namespaces` never match a plaintext source and
//   `notPrincipals`/`notNamespaces` always do (Istio renders them as Envoy RBAC `authenticated`
//   principals, and envoyproxy/envoy source/extensions/filters/common/rbac/matchers.cc
//   AuthenticatedMatcher::matches returns false when the connection has no TLS).
// * JWT (istio-authz/jwt.ts, with its sources): RequestAuthentication's jwt_authn refuses an invalid token
//   (401) and passes a request without one; requestPrincipals and request.auth.* match the validated token
//   in DENY and ALLOW rules, never in CUSTOM ones (ext_authz runs before jwt_authn).
// * HTTP-only fields (methods, paths, hosts, requestPrincipals, request.* conditions) on a TCP
//   connection (model.go checkError): an ALLOW rule containing one is dropped whole; in DENY and
//   CUSTOM rules the field is ignored, which widens the rule.
//
// Anything else a policy may say that this file does not evaluate throws, naming the policy and the
// field, rather than deciding silently. See UNMODELLED below.

import { customOutcome } from './istio-authz/custom.ts';
import { authenticate } from './istio-authz/jwt.ts';
import { type AuthorizationPolicy, type AuthzRequest, id, type MeshPolicies, type MtlsMode, type Verdict } from './istio-authz/model.ts';
import { captured, mtlsModeFor } from './istio-authz/mtls.ts';
import { type Ctx, matchingRule } from './istio-authz/rules.ts';
import { policiesFor } from './istio-authz/selection.ts';

export { hostMatch } from './istio-authz/hosts.ts';
export { authenticate, requestAuthenticationsFor, requestPrincipalMatches } from './istio-authz/jwt.ts';
export {
  type AuthorizationPolicy,
  type AuthzRequest,
  type Condition,
  type ExtensionProvider,
  type Jwt,
  type Labels,
  type MeshPolicies,
  type MtlsMode,
  type Operation,
  type PeerAuthentication,
  type PolicyMeta,
  type RequestAuthentication,
  type Rule,
  type Source,
  type Stage,
  UNMODELLED,
  type Verdict,
  type Workload,
} from './istio-authz/model.ts';
export { captured, mtlsModeFor } from './istio-authz/mtls.ts';
export { stringMatch } from './istio-authz/rules.ts';
export { policiesFor } from './istio-authz/selection.ts';

/** Istio's decision for one connection/request to a workload. */
export function evaluate(mesh: MeshPolicies, req: AuthzRequest): Verdict {
  const w = req.destination;
  if (w.gateway) return authorize(mesh, req, undefined);
  if (!w.sidecar)
    return { allowed: true, stage: 'not-injected', reason: 'the destination has no sidecar: no Istio policy is enforced there' };
  if (!captured(w, req.port))
    return {
      allowed: true,
      stage: 'not-captured',
      reason: `port ${req.port} is not redirected to Envoy: neither mTLS nor authorization applies`,
    };
  const { mode, by } = mtlsModeFor(mesh, w, req.port);
  if (mode === 'STRICT' && req.principal === undefined)
    return { allowed: false, stage: 'mtls', mtls: mode, reason: `plaintext refused: STRICT (${by})` };
  return authorize(mesh, req, mode);
}

/**
 * The authorization filters of a sidecar's inbound listener (after its mTLS stage) or of a gateway's
 * listener: both HTTP connection managers get the CUSTOM then the local (DENY, ALLOW) authz filters
 * (istio/istio pilot/pkg/networking/core/listener_builder.go buildHTTPConnectionManager, authzCustomBuilder
 * and authzBuilder). A gateway's listeners come from its Gateway servers (core/gateway.go), whose TLS is the
 * Gateway's own: PeerAuthentication is applied on sidecar inbound listeners only (core/listener_inbound.go).
 */
function authorize(mesh: MeshPolicies, req: AuthzRequest, mode: Exclude<MtlsMode, 'UNSET'> | undefined): Verdict {
  const w = req.destination;
  // A client sidecar sends plaintext to a DISABLE port (auto mTLS), so no identity reaches the filters.
  const principal = mode === 'DISABLE' ? undefined : req.principal;
  const ctxOf = (policy: AuthorizationPolicy, action: Ctx['action']): Ctx => ({
    policy,
    action,
    principal,
    port: req.port,
    http: req.http,
  });
  const applied = policiesFor(mesh, w);
  const custom = customOutcome(mesh, applied.CUSTOM, req, (p) => matchingRule(ctxOf(p, 'CUSTOM')));
  if (custom) return { allowed: false, stage: 'custom', mtls: mode, policy: custom.policy, reason: custom.reason };
  // jwt_authn runs after CUSTOM's ext_authz and before the DENY/ALLOW filters (istio-authz/jwt.ts).
  const authn = req.http ? authenticate(mesh, w, req.jwt) : {};
  if ('refused' in authn) return { allowed: false, stage: 'jwt', mtls: mode, reason: authn.refused };
  const jwtCtx = (p: AuthorizationPolicy, action: 'DENY' | 'ALLOW'): Ctx => ({ ...ctxOf(p, action), jwt: authn.identity });
  for (const p of applied.DENY) {
    const rule = matchingRule(jwtCtx(p, 'DENY'));
    if (rule) return { allowed: false, stage: 'deny', mtls: mode, policy: rule, reason: `DENY ${rule} matches` };
  }
  if (applied.ALLOW.length === 0)
    return { allowed: true, stage: 'no-allow-policy', mtls: mode, reason: 'no ALLOW policy applies to the destination' };
  for (const p of applied.ALLOW) {
    const rule = matchingRule(jwtCtx(p, 'ALLOW'));
    if (rule) return { allowed: true, stage: 'allow', mtls: mode, policy: rule, reason: `ALLOW ${rule} matches` };
  }
  return {
    allowed: false,
    stage: 'allow',
    mtls: mode,
    reason: `no rule of the ALLOW policies ${applied.ALLOW.map((p) => id(p.metadata)).join(', ')} matches ${principal ? principal : 'a plaintext source'} on port ${req.port}`,
  };
}
