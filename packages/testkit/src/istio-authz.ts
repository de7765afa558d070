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
//   defers to its ext_authz provider, which may deny), then DENY (any match denies), then ALLOW: with
//   no enforced ALLOW policy the request is allowed, otherwise it must match one. AUDIT decides nothing.
// * Matching (pilot/pkg/security/authz/model/model.go New, Generate; generator.go; matcher/*.go):
//   a policy matches when one of its rules does; no rules matches nothing ("match never" in
//   builder.go, i.e. an ALLOW policy without rules allows nothing); a rule matches when one `from`,
//   one `to` (absent = any) and every `when` match; within a source or operation every field must
//   match, a field's values are ORed and its notValues negate their OR. Strings: `*` presence,
//   `*x` suffix, `x*` prefix, otherwise exact. principals match the peer certificate's SPIFFE ID,
//   namespaces the regex `.*/ns/<ns>/.*` over it, serviceAccounts
//   `spiffe://.+/ns/<ns>/(.+/|)sa/<sa>(/.+)?`. Without a peer certificate (plaintext) every
//   identity matcher is false, so `principals`/`namespaces` never match a plaintext source and
//   `notPrincipals`/`notNamespaces` always do (Istio renders them as Envoy RBAC `authenticated`
//   principals, and envoyproxy/envoy source/extensions/filters/common/rbac/matchers.cc
//   AuthenticatedMatcher::matches returns false when the connection has no TLS).
// * HTTP-only fields (methods, paths, hosts, requestPrincipals, request.* conditions) on a TCP
//   connection (model.go checkError): an ALLOW rule containing one is dropped whole; in DENY and
//   CUSTOM rules the field is ignored, which widens the rule.
//
// Anything else a policy may say that this file does not evaluate throws, naming the policy and the
// field, rather than deciding silently. See UNMODELLED below.

export type Labels = Record<string, string>;

export interface PolicyMeta {
  name: string;
  namespace: string;
  annotations?: Labels;
}

export interface Source {
  principals?: string[];
  notPrincipals?: string[];
  namespaces?: string[];
  notNamespaces?: string[];
  serviceAccounts?: string[];
  notServiceAccounts?: string[];
  requestPrincipals?: string[];
  notRequestPrincipals?: string[];
  [field: string]: unknown;
}

export interface Operation {
  ports?: string[];
  notPorts?: string[];
  methods?: string[];
  notMethods?: string[];
  paths?: string[];
  notPaths?: string[];
  hosts?: string[];
  notHosts?: string[];
  [field: string]: unknown;
}

export interface Condition {
  key: string;
  values?: string[];
  notValues?: string[];
}

export interface Rule {
  from?: Array<{ source?: Source }>;
  to?: Array<{ operation?: Operation }>;
  when?: Condition[];
}

export interface AuthorizationPolicy {
  kind?: string;
  metadata: PolicyMeta;
  spec?: {
    selector?: { matchLabels?: Labels };
    targetRef?: unknown;
    targetRefs?: unknown[];
    action?: 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';
    provider?: { name: string };
    rules?: Rule[];
  };
}

export type MtlsMode = 'UNSET' | 'DISABLE' | 'PERMISSIVE' | 'STRICT';

export interface PeerAuthentication {
  kind?: string;
  metadata: PolicyMeta;
  spec?: {
    selector?: { matchLabels?: Labels };
    mtls?: { mode?: MtlsMode };
    portLevelMtls?: Record<string, { mode?: MtlsMode }>;
  };
}

/** The mesh's policies, each list in creation order (oldest first): Istio breaks ties by age. */
export interface MeshPolicies {
  rootNamespace: string;
  authorizationPolicies: AuthorizationPolicy[];
  peerAuthentications: PeerAuthentication[];
}

export interface Workload {
  namespace: string;
  labels: Labels;
  /** Pod template annotations (capture exclusions, status port). */
  annotations?: Labels;
  sidecar: boolean;
}

export interface AuthzRequest {
  /** The source's SPIFFE identity without `spiffe://` (`cluster.local/ns/<ns>/sa/<sa>`) when it has a sidecar; absent = plaintext. */
  principal?: string;
  destination: Workload;
  /** The pod's (target) port. */
  port: number;
  /** Present when the destination port is served as HTTP (gRPC included); absent = TCP. */
  http?: { method: string; path: string };
  /** What each CUSTOM provider (ext_authz) answers; a matching CUSTOM policy without an answer throws. */
  extAuthz?: Record<string, 'allow' | 'deny'>;
}

export type Stage = 'not-injected' | 'not-captured' | 'mtls' | 'custom' | 'deny' | 'allow' | 'no-allow-policy';

export interface Verdict {
  allowed: boolean;
  stage: Stage;
  reason: string;
  /** The effective mTLS mode of the port, when the sidecar saw the connection. */
  mtls?: Exclude<MtlsMode, 'UNSET'>;
  /** `namespace/name[rule]` of the deciding policy rule. */
  policy?: string;
}

/** What this evaluator does not model, for the tests that use it to repeat. */
export const UNMODELLED = [
  'CUSTOM providers: their ext_authz decision is an input (extAuthz), not computed',
  'JWT (RequestAuthentication, requestPrincipals, request.auth.* conditions), request headers, hosts and path templates/normalization on HTTP: they throw',
  'ipBlocks/remoteIpBlocks and source.ip/remote.ip (addresses behind proxies, X-Forwarded-For): they throw',
  'trust domains and trust domain aliases: principals are matched as written',
  'which port is HTTP and which TCP: the caller says it (request.http), Istio infers it from the Service port name/appProtocol or sniffing',
  'DestinationRule tls settings towards the destination (they override auto mTLS); a client sidecar that does not capture the outbound port',
  'ambient mode, waypoints and Gateway API gateways (targetRefs policies): a destination labelled as a Gateway API gateway throws',
  'Sidecar resources (ingress listeners), EnvoyFilters, and the AUDIT action (no effect on decisions)',
] as const;

const BYPASS_PORTS = [15090, 15021];
const DEFAULT_STATUS_PORT = 15020;
const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
const HTTP_ONLY_OPERATION = ['methods', 'notMethods', 'paths', 'notPaths', 'hosts', 'notHosts'] as const;
const HTTP_ONLY_SOURCE = ['requestPrincipals', 'notRequestPrincipals'] as const;
const isHttpOnlyKey = (key: string) => key.startsWith('request.headers') || key.startsWith('request.auth.');

const id = (m: PolicyMeta) => `${m.namespace}/${m.name}`;
const subsetOf = (selector: Labels | undefined, labels: Labels) => Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
const splitPorts = (s: string) =>
  s
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map(Number);

/** Whether Envoy sees inbound connections to `port` of this pod at all. */
export function captured(w: Workload, port: number): boolean {
  const a = w.annotations ?? {};
  const include = a['traffic.sidecar.istio.io/includeInboundPorts'] ?? '*';
  if (include !== '*') return splitPorts(include).includes(port);
  const status = Number(a['status.sidecar.istio.io/port'] ?? DEFAULT_STATUS_PORT);
  const excluded = [...BYPASS_PORTS, ...(status ? [status] : []), ...splitPorts(a['traffic.sidecar.istio.io/excludeInboundPorts'] ?? '')];
  return !excluded.includes(port);
}

const modeOf = (m?: { mode?: MtlsMode }): MtlsMode => m?.mode ?? 'UNSET';

/** The effective mTLS mode of one port of a workload, and which policy set it. */
export function mtlsModeFor(mesh: MeshPolicies, w: Workload, port: number): { mode: Exclude<MtlsMode, 'UNSET'>; by: string } {
  let meshCfg: PeerAuthentication | undefined;
  let nsCfg: PeerAuthentication | undefined;
  let workloadCfg: PeerAuthentication | undefined;
  // First (oldest) one of each level wins: the list is in creation order.
  for (const pa of mesh.peerAuthentications) {
    const ns = pa.metadata.namespace;
    if (ns !== w.namespace && ns !== mesh.rootNamespace) continue;
    const selector = pa.spec?.selector?.matchLabels;
    if (!subsetOf(selector, w.labels)) continue;
    if (!selector || Object.keys(selector).length === 0) {
      if (ns === mesh.rootNamespace) meshCfg ??= pa;
      else nsCfg ??= pa;
    } else if (ns !== mesh.rootNamespace) workloadCfg ??= pa;
  }
  let mode: Exclude<MtlsMode, 'UNSET'> = 'PERMISSIVE';
  let by = 'default (no PeerAuthentication)';
  for (const [cfg, level] of [
    [meshCfg, 'mesh-wide'],
    [nsCfg, 'namespace-wide'],
    [workloadCfg, 'workload'],
  ] as const) {
    const m = modeOf(cfg?.spec?.mtls);
    if (cfg && m !== 'UNSET') {
      mode = m;
      by = `${level} ${id(cfg.metadata)}`;
    }
  }
  const perPort = workloadCfg?.spec?.portLevelMtls?.[String(port)];
  if (workloadCfg && perPort) {
    const m = modeOf(perPort);
    if (m !== 'UNSET') return { mode: m, by: `portLevelMtls ${port} of ${id(workloadCfg.metadata)}` };
  }
  return { mode, by };
}

/** The authorization policies that apply to a workload, enforced ones only, by action. */
export function policiesFor(mesh: MeshPolicies, w: Workload): Record<'CUSTOM' | 'DENY' | 'ALLOW' | 'AUDIT', AuthorizationPolicy[]> {
  if (w.labels[GATEWAY_NAME_LABEL] !== undefined)
    throw new Error(`not modelled: ${GATEWAY_NAME_LABEL} workloads (Gateway API gateways use targetRefs policies)`);
  const out = {
    CUSTOM: [] as AuthorizationPolicy[],
    DENY: [] as AuthorizationPolicy[],
    ALLOW: [] as AuthorizationPolicy[],
    AUDIT: [] as AuthorizationPolicy[],
  };
  for (const p of mesh.authorizationPolicies) {
    const ns = p.metadata.namespace;
    if (ns !== mesh.rootNamespace && ns !== w.namespace) continue;
    if (p.spec?.targetRef || (p.spec?.targetRefs?.length ?? 0) > 0) continue; // targetRef policies never attach to a sidecar
    if (!subsetOf(p.spec?.selector?.matchLabels, w.labels)) continue;
    if (isDryRun(p)) continue;
    const action = p.spec?.action ?? 'ALLOW';
    if (!(action in out)) continue; // unsupported actions are ignored by istiod (logged)
    out[action].push(p);
  }
  return out;
}

// strconv.ParseBool: anything else is an error, logged, and the policy enforced.
function isDryRun(p: AuthorizationPolicy): boolean {
  return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(p.metadata.annotations?.['istio.io/dry-run'] ?? '');
}

/** Istio's string match: `*` presence, `*x` suffix, `x*` prefix, else exact (matcher/string.go StringMatcherWithPrefix). */
export function stringMatch(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (pattern === '*') return value.length > 0;
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  return value === pattern;
}

const quote = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// The identity matchers, all over the URI SAN `spiffe://<principal>`; undefined = no peer certificate.
const identity = {
  principal: (pattern: string, principal?: string) => principal !== undefined && stringMatch(pattern, principal),
  namespace: (pattern: string, principal?: string) =>
    principal !== undefined && new RegExp(`^.*/ns/${pattern.split('*').map(quote).join('.*')}/.*$`).test(`spiffe://${principal}`),
  serviceAccount: (policyNamespace: string) => (value: string, principal?: string) => {
    const [ns, sa] = value.includes('/') ? value.split('/', 2) : [policyNamespace, value];
    return (
      principal !== undefined && new RegExp(`^spiffe://.+/ns/${quote(ns!)}/(.+/|)sa/${quote(sa!)}(/.+)?$`).test(`spiffe://${principal}`)
    );
  },
};

interface Ctx {
  policy: AuthorizationPolicy;
  action: 'CUSTOM' | 'DENY' | 'ALLOW';
  principal?: string;
  port: number;
  http?: { method: string; path: string };
}

class RuleDropped extends Error {}

/** values ORed, notValues negating their OR; an absent (or dropped) field matches. */
function field(values: string[] | undefined, notValues: string[] | undefined, test: (v: string) => boolean): boolean {
  if (values?.length && !values.some(test)) return false;
  if (notValues?.length && notValues.some(test)) return false;
  return true;
}

/** On TCP an HTTP-only field drops an ALLOW rule whole and is ignored by DENY/CUSTOM rules (model.go checkError). */
function httpOnly(ctx: Ctx, where: string, present: boolean): 'evaluate' | 'ignore' {
  if (!present) return 'ignore';
  if (ctx.http) return 'evaluate';
  if (ctx.action === 'ALLOW') throw new RuleDropped(`${where} is HTTP only`);
  return 'ignore';
}

function unmodelled(ctx: Ctx, what: string): never {
  throw new Error(`not modelled: ${what} in AuthorizationPolicy ${id(ctx.policy.metadata)}`);
}

const KNOWN_SOURCE = new Set([
  'principals',
  'notPrincipals',
  'namespaces',
  'notNamespaces',
  'serviceAccounts',
  'notServiceAccounts',
  ...HTTP_ONLY_SOURCE,
]);
const KNOWN_OPERATION = new Set(['ports', 'notPorts', ...HTTP_ONLY_OPERATION]);

function sourceMatches(ctx: Ctx, s: Source): boolean {
  for (const k of Object.keys(s)) if (!KNOWN_SOURCE.has(k) && (s[k] as unknown[] | undefined)?.length) unmodelled(ctx, `source.${k}`);
  if (httpOnly(ctx, 'requestPrincipals', !!(s.requestPrincipals?.length || s.notRequestPrincipals?.length)) === 'evaluate')
    unmodelled(ctx, 'source.requestPrincipals (JWT)');
  const sa = identity.serviceAccount(ctx.policy.metadata.namespace);
  return (
    field(s.principals, s.notPrincipals, (v) => identity.principal(v, ctx.principal)) &&
    field(s.namespaces, s.notNamespaces, (v) => identity.namespace(v, ctx.principal)) &&
    field(s.serviceAccounts, s.notServiceAccounts, (v) => sa(v, ctx.principal))
  );
}

function portValue(ctx: Ctx, v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) unmodelled(ctx, `port "${v}" (istiod drops the rule)`);
  return n;
}

function operationMatches(ctx: Ctx, o: Operation): boolean {
  for (const k of Object.keys(o)) if (!KNOWN_OPERATION.has(k) && (o[k] as unknown[] | undefined)?.length) unmodelled(ctx, `operation.${k}`);
  // HTTP-only fields first: on TCP one of them drops an ALLOW rule whatever the other fields say.
  const hosts = httpOnly(ctx, 'hosts', !!(o.hosts?.length || o.notHosts?.length));
  const methods = httpOnly(ctx, 'methods', !!(o.methods?.length || o.notMethods?.length));
  const paths = httpOnly(ctx, 'paths', !!(o.paths?.length || o.notPaths?.length));
  if (hosts === 'evaluate') unmodelled(ctx, 'operation.hosts');
  if (!field(o.ports, o.notPorts, (v) => portValue(ctx, v) === ctx.port)) return false;
  // Header matcher on :method (matcher/header.go HeaderMatcher): `*` means present, which a request always is.
  if (methods === 'evaluate' && !field(o.methods, o.notMethods, (v) => stringMatch(v, ctx.http!.method))) return false;
  if (paths === 'evaluate') {
    const path = ctx.http!.path.replace(/[?#].*$/, ''); // Envoy's path matcher ignores the query and fragment
    const test = (v: string) => (/[{}]/.test(v) ? unmodelled(ctx, `path template "${v}"`) : stringMatch(v, path));
    if (!field(o.paths, o.notPaths, test)) return false;
  }
  return true;
}

function conditionMatches(ctx: Ctx, c: Condition): boolean {
  const sa = identity.serviceAccount(ctx.policy.metadata.namespace);
  const tests: Record<string, (v: string) => boolean> = {
    'source.principal': (v) => identity.principal(v, ctx.principal),
    'source.namespace': (v) => identity.namespace(v, ctx.principal),
    'source.serviceAccount': (v) => sa(v, ctx.principal),
    'destination.port': (v) => portValue(ctx, v) === ctx.port,
  };
  const test = tests[c.key];
  if (test) return field(c.values, c.notValues, test);
  if (isHttpOnlyKey(c.key) && httpOnly(ctx, c.key, true) === 'ignore') return true;
  return unmodelled(ctx, `condition ${c.key}`);
}

function ruleMatches(ctx: Ctx, r: Rule): boolean {
  try {
    // Every part is evaluated (no short circuit): istiod translates the whole rule, and one HTTP-only
    // field on TCP drops an ALLOW rule wherever it sits.
    const froms = (r.from ?? []).map((f) => sourceMatches(ctx, f.source ?? {}));
    const tos = (r.to ?? []).map((t) => operationMatches(ctx, t.operation ?? {}));
    const whens = (r.when ?? []).map((c) => conditionMatches(ctx, c));
    const from = froms.length === 0 || froms.some(Boolean);
    const to = tos.length === 0 || tos.some(Boolean);
    const when = whens.every(Boolean);
    return from && to && when;
  } catch (e) {
    if (e instanceof RuleDropped) return false;
    throw e;
  }
}

/** The first rule of a policy matching the request, as `namespace/name[index]`. */
function matchingRule(ctx: Ctx): string | undefined {
  const rules = ctx.policy.spec?.rules ?? [];
  const i = rules.findIndex((r) => ruleMatches(ctx, r ?? {}));
  return i < 0 ? undefined : `${id(ctx.policy.metadata)}[${i}]`;
}

/** Istio's decision for one connection/request to a workload. */
export function evaluate(mesh: MeshPolicies, req: AuthzRequest): Verdict {
  const w = req.destination;
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
  for (const p of applied.CUSTOM) {
    const rule = matchingRule(ctxOf(p, 'CUSTOM'));
    if (!rule) continue;
    const provider = p.spec?.provider?.name ?? '';
    const answer = req.extAuthz?.[provider];
    if (!answer)
      throw new Error(`not modelled: CUSTOM policy ${rule} defers to ext_authz provider "${provider}"; pass its answer in extAuthz`);
    if (answer === 'deny')
      return {
        allowed: false,
        stage: 'custom',
        mtls: mode,
        policy: rule,
        reason: `ext_authz provider "${provider}" denied (CUSTOM ${rule})`,
      };
  }
  for (const p of applied.DENY) {
    const rule = matchingRule(ctxOf(p, 'DENY'));
    if (rule) return { allowed: false, stage: 'deny', mtls: mode, policy: rule, reason: `DENY ${rule} matches` };
  }
  if (applied.ALLOW.length === 0)
    return { allowed: true, stage: 'no-allow-policy', mtls: mode, reason: 'no ALLOW policy applies to the destination' };
  for (const p of applied.ALLOW) {
    const rule = matchingRule(ctxOf(p, 'ALLOW'));
    if (rule) return { allowed: true, stage: 'allow', mtls: mode, policy: rule, reason: `ALLOW ${rule} matches` };
  }
  return {
    allowed: false,
    stage: 'allow',
    mtls: mode,
    reason: `no rule of the ALLOW policies ${applied.ALLOW.map((p) => id(p.metadata)).join(', ')} matches ${principal ? principal : 'a plaintext source'} on port ${req.port}`,
  };
}
