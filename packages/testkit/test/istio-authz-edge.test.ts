// The evaluator's extensions for the mesh edge: operation.hosts (src/istio-authz/hosts.ts) and how istiod
// builds CUSTOM policies (src/istio-authz/custom.ts), each case one fact of the pinned Istio source that the
// evaluator got wrong (threw, or asked for an answer no provider gives) before.
import { describe, expect, it } from 'vitest';
import { type AuthorizationPolicy, type AuthzRequest, evaluate, hostMatch, type MeshPolicies, type Workload } from '../src/istio-authz.ts';

const ROOT = 'istio-system';
const gateway: Workload = {
  namespace: ROOT,
  labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
  sidecar: true,
  gateway: true,
};
const signIn = (provider = 'oauth2-proxy', annotations?: Record<string, string>): AuthorizationPolicy => ({
  metadata: { name: `sign-in-${provider}`, namespace: ROOT, ...(annotations ? { annotations } : {}) },
  spec: {
    selector: { matchLabels: { istio: 'ingressgateway' } },
    action: 'CUSTOM',
    provider: { name: provider },
    rules: [{ to: [{ operation: { hosts: ['jaeger.example.com', 'jaeger.example.com:*'] } }] }],
  },
});
const oauth2 = { name: 'oauth2-proxy', envoyExtAuthzHttp: { service: 'oauth2-proxy.auth.svc.cluster.local', port: 4180 } };
const mesh = (policies: AuthorizationPolicy[], extensionProviders?: MeshPolicies['extensionProviders']): MeshPolicies => ({
  rootNamespace: ROOT,
  authorizationPolicies: policies,
  peerAuthentications: [],
  ...(extensionProviders ? { extensionProviders } : {}),
});
// The outside world reaches the gateway without a peer certificate.
const get = (host: string, over: Partial<AuthzRequest> = {}): AuthzRequest => ({
  destination: gateway,
  port: 8443,
  http: { method: 'GET', path: '/search', host },
  ...over,
});

describe('operation.hosts: a case-insensitive :authority matcher (matcher/header.go HostMatcher)', () => {
  it('exact, prefix, suffix and presence, ignoring case; a port is part of :authority', () => {
    expect(hostMatch('jaeger.example.com', 'JAEGER.Example.com')).toBe(true); // ignoreCase true
    expect(hostMatch('jaeger.example.com', 'jaeger.example.com:443')).toBe(false);
    expect(hostMatch('jaeger.example.com:*', 'jaeger.example.com:443')).toBe(true);
    expect(hostMatch('*.example.com', 'kiali.EXAMPLE.com')).toBe(true);
    expect(hostMatch('*', 'anything')).toBe(true);
    expect(hostMatch('jaeger.example.com', 'jaeger.example.com.evil')).toBe(false);
  });
  it('a CUSTOM policy on hosts asks its provider for those hosts only', () => {
    const m = mesh([signIn()], [oauth2]);
    expect(evaluate(m, get('jaeger.example.com', { extAuthz: { 'oauth2-proxy': 'deny' } }))).toMatchObject({
      allowed: false,
      stage: 'custom',
    });
    expect(evaluate(m, get('Jaeger.Example.COM:443', { extAuthz: { 'oauth2-proxy': 'deny' } })).allowed).toBe(false);
    // Another host is not matched, so the provider is not asked (no answer needed) and nothing denies.
    expect(evaluate(m, get('shop.example.com')).allowed).toBe(true);
    expect(evaluate(m, get('jaeger.example.com', { extAuthz: { 'oauth2-proxy': 'allow' } })).allowed).toBe(true);
  });
  it('mutation: without the `host:*` form, a request naming the port goes around the sign-in', () => {
    const exactOnly = signIn();
    exactOnly.spec!.rules = [{ to: [{ operation: { hosts: ['jaeger.example.com'] } }] }];
    expect(evaluate(mesh([exactOnly], [oauth2]), get('jaeger.example.com:443')).allowed).toBe(true);
  });
  it('notHosts negate, and a request without a host cannot be decided', () => {
    const notJaeger = signIn();
    notJaeger.spec!.rules = [{ to: [{ operation: { notHosts: ['jaeger.example.com'] } }] }];
    expect(evaluate(mesh([notJaeger], [oauth2]), get('jaeger.example.com')).allowed).toBe(true);
    expect(() => evaluate(mesh([signIn()], [oauth2]), get('x', { http: { method: 'GET', path: '/' } }))).toThrow(/pass http.host/);
  });
});

describe('CUSTOM as istiod builds it (builder/builder.go)', () => {
  it('a provider the mesh config lacks denies every matching request, without asking anyone', () => {
    expect(evaluate(mesh([signIn()], []), get('jaeger.example.com'))).toMatchObject({ allowed: false, stage: 'custom' });
    expect(evaluate(mesh([signIn()], []), get('jaeger.example.com')).reason).toMatch(/not defined in meshConfig.extensionProviders/);
    // A provider entry that is not ext_authz does not count.
    expect(
      evaluate(mesh([signIn()], [{ name: 'oauth2-proxy', zipkin: { service: 'z', port: 9411 } }]), get('jaeger.example.com')).allowed,
    ).toBe(false);
  });
  it('an unreachable provider denies unless failOpen', () => {
    const down = { extAuthz: { 'oauth2-proxy': 'unreachable' as const } };
    expect(evaluate(mesh([signIn()], [oauth2]), get('jaeger.example.com', down)).allowed).toBe(false);
    const open = { ...oauth2, envoyExtAuthzHttp: { ...oauth2.envoyExtAuthzHttp, failOpen: true } };
    expect(evaluate(mesh([signIn()], [open]), get('jaeger.example.com', down)).allowed).toBe(true);
  });
  it('two providers on one workload deny without PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS', () => {
    const opa = { name: 'opa', envoyExtAuthzGrpc: { service: 'opa.opa.svc.cluster.local', port: 9191 } };
    const both = mesh([signIn(), signIn('opa')], [oauth2, opa]);
    const allowBoth = { extAuthz: { 'oauth2-proxy': 'allow' as const, opa: 'allow' as const } };
    expect(evaluate(both, get('jaeger.example.com', allowBoth))).toMatchObject({ allowed: false, stage: 'custom' });
    expect(evaluate({ ...both, multipleCustomProviders: true }, get('jaeger.example.com', allowBoth)).allowed).toBe(true);
  });
  it('dry-run CUSTOM policies are not modelled (istiod still calls their provider)', () => {
    expect(() => evaluate(mesh([signIn('oauth2-proxy', { 'istio.io/dry-run': 'true' })], [oauth2]), get('jaeger.example.com'))).toThrow(
      /dry-run CUSTOM/,
    );
  });
});

describe('gateway workloads: authorization without the sidecar inbound stages', () => {
  it('a mesh-wide STRICT PeerAuthentication does not refuse the outside world at a gateway', () => {
    const strict: MeshPolicies = {
      ...mesh([signIn()], [oauth2]),
      peerAuthentications: [{ metadata: { name: 'default', namespace: ROOT }, spec: { mtls: { mode: 'STRICT' } } }],
    };
    expect(evaluate(strict, get('jaeger.example.com', { extAuthz: { 'oauth2-proxy': 'allow' } })).allowed).toBe(true);
    // Mutation: the same pod treated as a sidecar refuses plaintext in the mTLS stage, before any policy.
    const asSidecar = { ...gateway, gateway: false };
    expect(evaluate(strict, get('jaeger.example.com', { destination: asSidecar })).stage).toBe('mtls');
  });
});
