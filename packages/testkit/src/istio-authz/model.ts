// The policy and request shapes the Istio authorization evaluator reads (istio-authz.ts has the
// semantics and their sources), and the helpers every part of it shares.

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

/** An entry of meshConfig.extensionProviders, as far as CUSTOM policies read it (istio-authz/custom.ts). */
export interface ExtensionProvider {
  name: string;
  envoyExtAuthzHttp?: { service?: string; port?: number; failOpen?: boolean };
  envoyExtAuthzGrpc?: { service?: string; port?: number; failOpen?: boolean };
  [kind: string]: unknown;
}

export interface RequestAuthentication {
  kind?: string;
  metadata: PolicyMeta;
  spec?: {
    selector?: { matchLabels?: Labels };
    targetRef?: unknown;
    targetRefs?: unknown[];
    jwtRules?: Array<{ issuer?: string; jwksUri?: string; audiences?: string[]; [field: string]: unknown }>;
    [field: string]: unknown;
  };
}

/** The mesh's policies, each list in creation order (oldest first): Istio breaks ties by age. */
export interface MeshPolicies {
  rootNamespace: string;
  authorizationPolicies: AuthorizationPolicy[];
  peerAuthentications: PeerAuthentication[];
  /** meshConfig.extensionProviders; when given, a CUSTOM policy naming no ext_authz provider of it denies (custom.ts). */
  extensionProviders?: ExtensionProvider[];
  /** istiod's PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS (default false). */
  multipleCustomProviders?: boolean;
  /** RequestAuthentications (JWT); none when absent. */
  requestAuthentications?: RequestAuthentication[];
}

/** A bearer token in the request's Authorization header, as its payload says. */
export interface Jwt {
  iss: string;
  sub: string;
  aud?: string[];
  /** Other claims (group, role, nested objects). */
  claims?: Record<string, unknown>;
  /** Whether its signature and expiry verify against the issuer's keys (default true). */
  valid?: boolean;
}

export interface Workload {
  namespace: string;
  labels: Labels;
  /** Pod template annotations (capture exclusions, status port). */
  annotations?: Labels;
  sidecar: boolean;
  /**
   * An Istio gateway (ingress/egress): its listeners are the Gateway servers, with the TLS the Gateway
   * says, so neither inbound capture nor PeerAuthentication applies; AuthorizationPolicies do (istio-authz.ts).
   */
  gateway?: boolean;
}

export interface AuthzRequest {
  /** The source's SPIFFE identity without `spiffe://` (`cluster.local/ns/<ns>/sa/<sa>`) when it has a sidecar; absent = plaintext. */
  principal?: string;
  destination: Workload;
  /** The pod's (target) port. */
  port: number;
  /**
   * Present when the destination port is served as HTTP (gRPC included); absent = TCP. `host` is the
   * :authority as the client sent it (needed only by policies with operation.hosts).
   */
  http?: { method: string; path: string; host?: string };
  /** The request's bearer token (HTTP only); absent = none. */
  jwt?: Jwt;
  /**
   * What each CUSTOM provider (ext_authz) answers: allow, deny, or unreachable (then its failOpen decides);
   * a matching CUSTOM policy whose provider is defined but not answered throws.
   */
  extAuthz?: Record<string, 'allow' | 'deny' | 'unreachable'>;
}

export type Stage = 'not-injected' | 'not-captured' | 'mtls' | 'custom' | 'jwt' | 'deny' | 'allow' | 'no-allow-policy';

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
  'CUSTOM providers: their ext_authz decision is an input (extAuthz), not computed; dry-run CUSTOM policies throw',
  'JWT: the token is an input (its claims and whether it verifies), not parsed or checked against a JWKS; tokens outside the Authorization header, jwtRules fields beyond issuer/jwksUri/audiences and RequestAuthentication fields beyond selector/jwtRules throw',
  'hosts: the :authority is an input (request.http.host); how a client or a gateway rewrites it is not modelled',
  'request headers and path templates/normalization on HTTP: they throw',
  'ipBlocks/remoteIpBlocks and source.ip/remote.ip (addresses behind proxies, X-Forwarded-For): they throw',
  'trust domains and trust domain aliases: principals are matched as written',
  'which port is HTTP and which TCP: the caller says it (request.http), Istio infers it from the Service port name/appProtocol or sniffing',
  'DestinationRule tls settings towards the destination (they override auto mTLS); a client sidecar that does not capture the outbound port',
  'ambient mode, waypoints and Gateway API gateways (targetRefs policies): a destination labelled as a Gateway API gateway throws',
  'Sidecar resources (ingress listeners), EnvoyFilters, and the AUDIT action (no effect on decisions)',
] as const;

/** `namespace/name` of a policy. */
export const id = (m: PolicyMeta) => `${m.namespace}/${m.name}`;

/** A label selector matches when each of its labels is on the workload (no selector matches all). */
export const subsetOf = (selector: Labels | undefined, labels: Labels) => Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
