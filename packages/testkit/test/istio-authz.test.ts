// Each case is one rule of Istio's semantics (sources in src/istio-authz.ts) on hand-written policies.
import { describe, expect, it } from 'vitest';
import {
  type AuthorizationPolicy,
  type AuthzRequest,
  evaluate,
  type MeshPolicies,
  mtlsModeFor,
  type PeerAuthentication,
  type Rule,
  stringMatch,
  type Workload,
} from '../src/istio-authz.ts';

const ROOT = 'istio-system';
const app: Workload = { namespace: 'shop', labels: { app: 'cart', version: 'v1' }, sidecar: true };
const other: Workload = { namespace: 'shop', labels: { app: 'other' }, sidecar: true };
const elsewhere: Workload = { namespace: 'billing', labels: { app: 'cart' }, sidecar: true };
const frontend = 'cluster.local/ns/shop/sa/frontend';
const intruder = 'cluster.local/ns/intruder/sa/default';

const ap = (
  name: string,
  namespace: string,
  spec: AuthorizationPolicy['spec'],
  annotations?: Record<string, string>,
): AuthorizationPolicy => ({
  metadata: { name, namespace, ...(annotations ? { annotations } : {}) },
  spec,
});
const pa = (name: string, namespace: string, spec: PeerAuthentication['spec']): PeerAuthentication => ({
  metadata: { name, namespace },
  spec,
});
const mesh = (authorizationPolicies: AuthorizationPolicy[], peerAuthentications: PeerAuthentication[] = []): MeshPolicies => ({
  rootNamespace: ROOT,
  authorizationPolicies,
  peerAuthentications,
});
const req = (over: Partial<AuthzRequest> = {}): AuthzRequest => ({ principal: frontend, destination: app, port: 8080, ...over });
const allowOnly = (...rules: Rule[]) => mesh([ap('p', 'shop', { selector: { matchLabels: { app: 'cart' } }, rules })]);
const allowed = (m: MeshPolicies, r: Partial<AuthzRequest> = {}) => evaluate(m, req(r)).allowed;

describe('string matching (matcher/string.go)', () => {
  it('exact, prefix, suffix and presence', () => {
    expect(stringMatch('abc', 'abc')).toBe(true);
    expect(stringMatch('abc', 'abcd')).toBe(false);
    expect(stringMatch('abc*', 'abcd')).toBe(true);
    expect(stringMatch('*abc', 'xabc')).toBe(true);
    expect(stringMatch('*abc', 'abcx')).toBe(false);
    expect(stringMatch('*', 'x')).toBe(true);
    expect(stringMatch('*', '')).toBe(false);
    expect(stringMatch('*', undefined)).toBe(false);
    expect(stringMatch('a*c', 'abc')).toBe(false); // an inner * is literal
  });
});

describe('sidecar capture', () => {
  const strict = mesh([ap('deny-all', 'shop', {})], [pa('default', ROOT, { mtls: { mode: 'STRICT' } })]);
  it('a destination without a sidecar enforces nothing', () => {
    expect(evaluate(strict, req({ principal: undefined, destination: { ...app, sidecar: false } }))).toMatchObject({
      allowed: true,
      stage: 'not-injected',
    });
  });
  it('15090, 15021 and the status port 15020 bypass Envoy, even under STRICT with an allow-nothing policy', () => {
    for (const port of [15090, 15021, 15020])
      expect(evaluate(strict, req({ principal: undefined, port }))).toMatchObject({ allowed: true, stage: 'not-captured' });
    expect(evaluate(strict, req({ principal: undefined, port: 8080 })).stage).toBe('mtls');
  });
  it('excludeInboundPorts, includeInboundPorts and status.sidecar.istio.io/port annotations', () => {
    const annotated = (annotations: Record<string, string>) => ({ ...app, annotations });
    expect(
      allowed(strict, { principal: undefined, destination: annotated({ 'traffic.sidecar.istio.io/excludeInboundPorts': '9000, 8080' }) }),
    ).toBe(true);
    expect(
      allowed(strict, { principal: undefined, destination: annotated({ 'traffic.sidecar.istio.io/includeInboundPorts': '9000' }) }),
    ).toBe(true);
    expect(
      allowed(strict, { principal: undefined, destination: annotated({ 'traffic.sidecar.istio.io/includeInboundPorts': '8080' }) }),
    ).toBe(false);
    expect(
      allowed(strict, { principal: undefined, port: 15020, destination: annotated({ 'status.sidecar.istio.io/port': '15999' }) }),
    ).toBe(false);
  });
});

describe('PeerAuthentication', () => {
  const mode = (pas: PeerAuthentication[], w: Workload = app, port = 8080) => mtlsModeFor(mesh([], pas), w, port).mode;
  it('defaults to PERMISSIVE', () => expect(mode([])).toBe('PERMISSIVE'));
  it('mesh-wide (root namespace, no selector) < namespace-wide < workload', () => {
    const meshStrict = pa('default', ROOT, { mtls: { mode: 'STRICT' } });
    const nsPermissive = pa('default', 'shop', { mtls: { mode: 'PERMISSIVE' } });
    const wlDisable = pa('cart', 'shop', { selector: { matchLabels: { app: 'cart' } }, mtls: { mode: 'DISABLE' } });
    expect(mode([meshStrict])).toBe('STRICT');
    expect(mode([meshStrict, nsPermissive])).toBe('PERMISSIVE');
    expect(mode([meshStrict, nsPermissive, wlDisable])).toBe('DISABLE');
    expect(mode([meshStrict, nsPermissive, wlDisable], other)).toBe('PERMISSIVE');
    expect(mode([meshStrict, nsPermissive, wlDisable], elsewhere)).toBe('STRICT'); // namespace policies stay in their namespace
  });
  it('an empty matchLabels is namespace-wide; a selector policy in the root namespace is ignored', () => {
    expect(mode([pa('x', 'shop', { selector: { matchLabels: {} }, mtls: { mode: 'STRICT' } })], other)).toBe('STRICT');
    expect(mode([pa('x', ROOT, { selector: { matchLabels: { app: 'cart' } }, mtls: { mode: 'STRICT' } })])).toBe('PERMISSIVE');
  });
  it('UNSET inherits from the parent level', () => {
    expect(
      mode([
        pa('default', ROOT, { mtls: { mode: 'STRICT' } }),
        pa('cart', 'shop', { selector: { matchLabels: { app: 'cart' } }, mtls: { mode: 'UNSET' } }),
      ]),
    ).toBe('STRICT');
    expect(
      mode([pa('default', ROOT, { mtls: { mode: 'STRICT' } }), pa('cart', 'shop', { selector: { matchLabels: { app: 'cart' } } })]),
    ).toBe('STRICT');
  });
  it('the oldest policy of a level wins (list order is creation order)', () => {
    const a = pa('a', 'shop', { selector: { matchLabels: { app: 'cart' } }, mtls: { mode: 'STRICT' } });
    const b = pa('b', 'shop', { selector: { matchLabels: { version: 'v1' } }, mtls: { mode: 'DISABLE' } });
    expect(mode([a, b])).toBe('STRICT');
    expect(mode([b, a])).toBe('DISABLE');
  });
  it('portLevelMtls overrides per pod port; UNSET there inherits the workload mode', () => {
    const wl = pa('cart', 'shop', {
      selector: { matchLabels: { app: 'cart' } },
      mtls: { mode: 'STRICT' },
      portLevelMtls: { '9090': { mode: 'PERMISSIVE' }, '9091': {} },
    });
    expect(mode([wl], app, 9090)).toBe('PERMISSIVE');
    expect(mode([wl], app, 9091)).toBe('STRICT');
    expect(mode([wl], app, 8080)).toBe('STRICT');
    const inherit = pa('cart', 'shop', { selector: { matchLabels: { app: 'cart' } }, portLevelMtls: { '9090': { mode: 'DISABLE' } } });
    expect(mode([pa('default', ROOT, { mtls: { mode: 'STRICT' } }), inherit], app, 8080)).toBe('STRICT');
    expect(mode([pa('default', ROOT, { mtls: { mode: 'STRICT' } }), inherit], app, 9090)).toBe('DISABLE');
  });
  it('STRICT refuses plaintext before authorization; PERMISSIVE admits it without identity; DISABLE drops the identity', () => {
    const allowAll = ap('all', 'shop', { rules: [{}] });
    const withMode = (m: 'STRICT' | 'PERMISSIVE' | 'DISABLE', policies = [allowAll]) =>
      mesh(policies, [pa('default', ROOT, { mtls: { mode: m } })]);
    expect(evaluate(withMode('STRICT'), req({ principal: undefined }))).toMatchObject({ allowed: false, stage: 'mtls' });
    expect(evaluate(withMode('STRICT'), req())).toMatchObject({ allowed: true, stage: 'allow', mtls: 'STRICT' });
    expect(evaluate(withMode('PERMISSIVE'), req({ principal: undefined }))).toMatchObject({ allowed: true, mtls: 'PERMISSIVE' });
    const needsIdentity = ap('id', 'shop', { rules: [{ from: [{ source: { principals: ['*'] } }] }] });
    expect(allowed(withMode('PERMISSIVE', [needsIdentity]))).toBe(true);
    expect(allowed(withMode('DISABLE', [needsIdentity]))).toBe(false);
  });
});

describe('AuthorizationPolicy selection', () => {
  const denyAll = { action: 'DENY' as const, rules: [{}] };
  it('a namespace-wide policy covers its namespace only', () => {
    const m = mesh([ap('d', 'shop', denyAll)]);
    expect(allowed(m)).toBe(false);
    expect(allowed(m, { destination: other })).toBe(false);
    expect(allowed(m, { destination: elsewhere })).toBe(true);
  });
  it('a root-namespace policy covers the mesh, its selector matching in every namespace', () => {
    expect(allowed(mesh([ap('d', ROOT, denyAll)]), { destination: elsewhere })).toBe(false);
    const m = mesh([ap('d', ROOT, { ...denyAll, selector: { matchLabels: { app: 'cart' } } })]);
    expect(allowed(m, { destination: elsewhere })).toBe(false);
    expect(allowed(m, { destination: other })).toBe(true);
  });
  it('a selector must be a subset of the pod labels', () => {
    expect(allowed(mesh([ap('d', 'shop', { ...denyAll, selector: { matchLabels: { app: 'cart', version: 'v1' } } })]))).toBe(false);
    expect(allowed(mesh([ap('d', 'shop', { ...denyAll, selector: { matchLabels: { app: 'cart', version: 'v2' } } })]))).toBe(true);
  });
  it('targetRef(s) policies never attach to a sidecar; dry-run policies are not enforced', () => {
    expect(allowed(mesh([ap('d', 'shop', { ...denyAll, targetRefs: [{ kind: 'Service', name: 'cart' }] })]))).toBe(true);
    expect(allowed(mesh([ap('d', 'shop', denyAll, { 'istio.io/dry-run': 'true' })]))).toBe(true);
    expect(allowed(mesh([ap('d', 'shop', denyAll, { 'istio.io/dry-run': 'yes' })]))).toBe(false); // not a Go bool: enforced
    expect(allowed(mesh([ap('a', 'shop', { rules: [] }, { 'istio.io/dry-run': 'true' })]))).toBe(true); // no enforced ALLOW policy
  });
  it('Gateway API gateway workloads are refused (targetRefs, not modelled)', () => {
    expect(() => evaluate(mesh([]), req({ destination: { ...app, labels: { 'gateway.networking.k8s.io/gateway-name': 'gw' } } }))).toThrow(
      /not modelled/,
    );
  });
});

describe('actions: CUSTOM, then DENY, then ALLOW', () => {
  const custom = ap('ext', 'shop', { action: 'CUSTOM', provider: { name: 'opa' }, rules: [{ to: [{ operation: { ports: ['8080'] } }] }] });
  const deny = ap('deny', 'shop', { action: 'DENY', rules: [{ from: [{ source: { namespaces: ['intruder'] } }] }] });
  const allow = ap('allow', 'shop', { rules: [{ from: [{ source: { principals: [frontend, intruder] } }] }] });
  it('no policy at all allows; a workload with an ALLOW policy denies what none allows', () => {
    expect(evaluate(mesh([]), req())).toMatchObject({ allowed: true, stage: 'no-allow-policy' });
    expect(allowed(mesh([allow]), { principal: 'cluster.local/ns/shop/sa/other' })).toBe(false);
    expect(allowed(mesh([allow]))).toBe(true);
  });
  it('an ALLOW policy without rules allows nothing; a DENY one denies nothing', () => {
    expect(allowed(mesh([ap('a', 'shop', {})]))).toBe(false);
    expect(allowed(mesh([ap('a', 'shop', { rules: [] })]))).toBe(false);
    expect(allowed(mesh([ap('d', 'shop', { action: 'DENY' })]))).toBe(true);
  });
  it('an empty rule matches everything', () => {
    expect(allowed(mesh([ap('a', 'shop', { rules: [{}] })]), { principal: undefined })).toBe(true);
    expect(allowed(mesh([ap('d', 'shop', { action: 'DENY', rules: [{}] })]))).toBe(false);
  });
  it('DENY wins over ALLOW', () => {
    expect(evaluate(mesh([allow, deny]), req({ principal: intruder }))).toMatchObject({
      allowed: false,
      stage: 'deny',
      policy: 'shop/deny[0]',
    });
    expect(allowed(mesh([allow, deny]))).toBe(true);
  });
  it('CUSTOM comes first and defers to its provider; its answer is an input', () => {
    expect(evaluate(mesh([custom, allow]), req({ extAuthz: { opa: 'deny' } }))).toMatchObject({ allowed: false, stage: 'custom' });
    expect(evaluate(mesh([custom, deny, allow]), req({ principal: intruder, extAuthz: { opa: 'allow' } })).stage).toBe('deny');
    expect(allowed(mesh([custom, allow]), { extAuthz: { opa: 'allow' } })).toBe(true);
    expect(() => evaluate(mesh([custom]), req())).toThrow(/ext_authz provider "opa"/);
    expect(allowed(mesh([custom]), { port: 9090 })).toBe(true); // not matching: the provider is not asked
  });
  it('AUDIT decides nothing', () => {
    expect(allowed(mesh([ap('audit', 'shop', { action: 'AUDIT', rules: [{}] })]))).toBe(true);
  });
});

describe('rule matching', () => {
  it('principals: suffix match independent of the trust domain; plaintext never matches, notPrincipals always does', () => {
    const m = allowOnly({ from: [{ source: { principals: ['*/ns/shop/sa/frontend'] } }] });
    expect(allowed(m, { principal: 'td.example/ns/shop/sa/frontend' })).toBe(true);
    expect(allowed(m, { principal: 'cluster.local/ns/shop/sa/frontend-2' })).toBe(false);
    expect(allowed(m, { principal: undefined })).toBe(false);
    expect(allowed(allowOnly({ from: [{ source: { principals: ['*'] } }] }), { principal: undefined })).toBe(false);
    const plaintextOnly = allowOnly({ from: [{ source: { notPrincipals: ['*'] } }] });
    expect(allowed(plaintextOnly, { principal: undefined })).toBe(true);
    expect(allowed(plaintextOnly)).toBe(false);
  });
  it('namespaces and notNamespaces come from the peer certificate', () => {
    const m = allowOnly({ from: [{ source: { namespaces: ['shop', 'mon*'] } }] });
    expect(allowed(m)).toBe(true);
    expect(allowed(m, { principal: 'cluster.local/ns/monitoring/sa/prometheus' })).toBe(true);
    expect(allowed(m, { principal: intruder })).toBe(false);
    expect(allowed(m, { principal: undefined })).toBe(false);
    const not = allowOnly({ from: [{ source: { notNamespaces: ['intruder'] } }] });
    expect(allowed(not, { principal: intruder })).toBe(false);
    expect(allowed(not, { principal: undefined })).toBe(true);
  });
  it('serviceAccounts: <ns>/<sa> or the policy namespace', () => {
    const m = allowOnly({ from: [{ source: { serviceAccounts: ['frontend', 'monitoring/prometheus'] } }] });
    expect(allowed(m)).toBe(true);
    expect(allowed(m, { principal: 'cluster.local/ns/monitoring/sa/prometheus' })).toBe(true);
    expect(allowed(m, { principal: 'cluster.local/ns/shop/sa/frontend-x' })).toBe(false);
  });
  it('fields of a source are ANDed, the sources of a rule ORed', () => {
    const and = allowOnly({ from: [{ source: { namespaces: ['shop'], notPrincipals: [frontend] } }] });
    expect(allowed(and)).toBe(false);
    expect(allowed(and, { principal: 'cluster.local/ns/shop/sa/other' })).toBe(true);
    const or = allowOnly({ from: [{ source: { principals: [frontend] } }, { source: { namespaces: ['intruder'] } }] });
    expect(allowed(or, { principal: intruder })).toBe(true);
  });
  it('ports and notPorts are the pod port; from, to and when are ANDed', () => {
    const m = allowOnly({ from: [{ source: { principals: [frontend] } }], to: [{ operation: { ports: ['8080', '9090'] } }] });
    expect(allowed(m)).toBe(true);
    expect(allowed(m, { port: 9090 })).toBe(true);
    expect(allowed(m, { port: 7070 })).toBe(false);
    expect(allowed(m, { principal: intruder })).toBe(false);
    expect(allowed(allowOnly({ to: [{ operation: { notPorts: ['8080'] } }] }))).toBe(false);
    expect(allowed(allowOnly({ to: [{ operation: { notPorts: ['8080'] } }] }), { port: 1 })).toBe(true);
  });
  it('when: source.namespace, source.principal, destination.port, values and notValues', () => {
    expect(allowed(allowOnly({ when: [{ key: 'source.namespace', values: ['shop'] }] }))).toBe(true);
    expect(allowed(allowOnly({ when: [{ key: 'source.namespace', notValues: ['shop'] }] }))).toBe(false);
    expect(
      allowed(
        allowOnly({
          when: [
            { key: 'destination.port', values: ['8080'] },
            { key: 'source.principal', values: [intruder] },
          ],
        }),
      ),
    ).toBe(false);
  });
  it('methods and paths on HTTP: exact, prefix, suffix, presence, query ignored', () => {
    const m = allowOnly({ to: [{ operation: { methods: ['GET'], paths: ['/api/*', '*.json', '/exact'] } }] });
    expect(allowed(m, { http: { method: 'GET', path: '/api/x?y=1' } })).toBe(true);
    expect(allowed(m, { http: { method: 'GET', path: '/a.json' } })).toBe(true);
    expect(allowed(m, { http: { method: 'GET', path: '/exact' } })).toBe(true);
    expect(allowed(m, { http: { method: 'GET', path: '/exactly' } })).toBe(false);
    expect(allowed(m, { http: { method: 'POST', path: '/api/x' } })).toBe(false);
    expect(allowed(allowOnly({ to: [{ operation: { notPaths: ['/admin*'] } }] }), { http: { method: 'GET', path: '/admin/x' } })).toBe(
      false,
    );
  });
  it('on TCP an HTTP-only field drops an ALLOW rule whole, and is ignored (widened) in a DENY rule', () => {
    const allowWithMethod = allowOnly({
      from: [{ source: { principals: [frontend] } }],
      to: [{ operation: { ports: ['8080'] } }, { operation: { methods: ['GET'] } }],
    });
    expect(allowed(allowWithMethod)).toBe(false);
    expect(allowed(allowWithMethod, { http: { method: 'POST', path: '/' } })).toBe(true);
    const denyGet = mesh([ap('d', 'shop', { action: 'DENY', rules: [{ to: [{ operation: { methods: ['GET'], ports: ['8080'] } }] }] })]);
    expect(allowed(denyGet)).toBe(false); // TCP: deny all of port 8080
    expect(allowed(denyGet, { http: { method: 'POST', path: '/' } })).toBe(true);
    const denyHeader = mesh([
      ap('d', 'shop', { action: 'DENY', rules: [{ when: [{ key: 'request.headers[x-user]', values: ['bob'] }] }] }),
    ]);
    expect(allowed(denyHeader)).toBe(false);
  });
  it('fields it does not model throw instead of deciding', () => {
    expect(() => evaluate(allowOnly({ from: [{ source: { ipBlocks: ['10.0.0.0/8'] } }] }), req())).toThrow(/not modelled: source.ipBlocks/);
    expect(() => evaluate(allowOnly({ to: [{ operation: { hosts: ['a'] } }] }), req({ http: { method: 'GET', path: '/' } }))).toThrow(
      /operation.hosts/,
    );
    expect(() =>
      evaluate(allowOnly({ when: [{ key: 'request.auth.unknown', values: ['x'] }] }), req({ http: { method: 'GET', path: '/' } })),
    ).toThrow(/request.auth.unknown/);
    expect(() =>
      evaluate(allowOnly({ to: [{ operation: { paths: ['/a/{*}'] } }] }), req({ http: { method: 'GET', path: '/a/b' } })),
    ).toThrow(/path template/);
  });
});
