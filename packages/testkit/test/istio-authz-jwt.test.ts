// JWT in the evaluator (src/istio-authz/jwt.ts, with the Istio sources): RequestAuthentication, requestPrincipals
// and request.auth.* conditions. Before this, every one of these policies threw "not modelled".
import { describe, expect, it } from 'vitest';
import {
  type AuthorizationPolicy,
  type AuthzRequest,
  evaluate,
  type Jwt,
  type MeshPolicies,
  type RequestAuthentication,
  requestPrincipalMatches,
  type Workload,
} from '../src/istio-authz.ts';

const ROOT = 'istio-system';
const api: Workload = { namespace: 'shop', labels: { app: 'api' }, sidecar: true };
const gateway = 'cluster.local/ns/istio-system/sa/istio-ingressgateway';
const ISS = 'https://sso.example.com';
const token = (over: Partial<Jwt> = {}): Jwt => ({ iss: ISS, sub: 'alice', aud: ['shop-api'], ...over });
const ra = (spec: RequestAuthentication['spec'], namespace = 'shop'): RequestAuthentication => ({
  metadata: { name: 'jwt', namespace },
  spec,
});
const ap = (name: string, spec: AuthorizationPolicy['spec']): AuthorizationPolicy => ({ metadata: { name, namespace: 'shop' }, spec });
const RA = ra({
  selector: { matchLabels: { app: 'api' } },
  jwtRules: [{ issuer: ISS, jwksUri: `${ISS}/jwks.json`, audiences: ['shop-api'] }],
});
const mesh = (policies: AuthorizationPolicy[], ras: RequestAuthentication[] = [RA]): MeshPolicies => ({
  rootNamespace: ROOT,
  authorizationPolicies: policies,
  peerAuthentications: [],
  requestAuthentications: ras,
});
const get = (path = '/', jwt?: Jwt): AuthzRequest => ({
  principal: gateway,
  destination: api,
  port: 9898,
  http: { method: 'GET', path },
  ...(jwt ? { jwt } : {}),
});
/** The "require a token" idiom: ALLOW only requests with a validated token. */
const requireToken = ap('require', {
  selector: { matchLabels: { app: 'api' } },
  rules: [{ from: [{ source: { requestPrincipals: ['*'] } }] }],
});

describe('RequestAuthentication (policy_applier.go: provider OR allow_missing)', () => {
  it('refuses an invalid token with 401 before any DENY or ALLOW, and lets a request without one through unauthenticated', () => {
    const open = mesh([]);
    expect(evaluate(open, get('/', token()))).toMatchObject({ allowed: true, stage: 'no-allow-policy' });
    expect(evaluate(open, get('/'))).toMatchObject({ allowed: true });
    expect(evaluate(open, get('/', token({ valid: false })))).toMatchObject({ allowed: false, stage: 'jwt' });
    expect(evaluate(open, get('/', token({ iss: 'https://evil.example.com' })))).toMatchObject({ allowed: false, stage: 'jwt' });
    expect(evaluate(open, get('/', token({ aud: ['other'] })))).toMatchObject({ allowed: false, stage: 'jwt' });
  });
  it('applies only where selected (workload namespace or root, selector subset); elsewhere a token gives no identity', () => {
    const elsewhere = ra({ selector: { matchLabels: { app: 'other' } }, jwtRules: [{ issuer: ISS }] });
    expect(evaluate(mesh([requireToken], [elsewhere]), get('/', token()))).toMatchObject({ allowed: false, stage: 'allow' });
    expect(evaluate(mesh([requireToken], [ra({ jwtRules: [{ issuer: ISS }] }, ROOT)]), get('/', token())).allowed).toBe(true);
    expect(evaluate(mesh([requireToken], [ra({ jwtRules: [{ issuer: ISS }] }, 'billing')]), get('/', token())).allowed).toBe(false);
  });
  it('throws on fields it does not model', () => {
    const fromHeaders = ra({ jwtRules: [{ issuer: ISS, fromHeaders: [{ name: 'x-token' }] }] });
    expect(() => evaluate(mesh([], [fromHeaders]), get('/', token()))).toThrow(/not modelled: jwtRules field fromHeaders/);
  });
});

describe('requestPrincipals (generator.go requestPrincipalGenerator)', () => {
  const who = { iss: ISS, sub: 'alice', claims: {} };
  it('matches <iss>/<sub>, split at the last "/", with * forms on either side', () => {
    expect(requestPrincipalMatches('*', who)).toBe(true);
    expect(requestPrincipalMatches(`${ISS}/alice`, who)).toBe(true);
    expect(requestPrincipalMatches(`${ISS}/bob`, who)).toBe(false);
    expect(requestPrincipalMatches(`${ISS}/*`, who)).toBe(true);
    expect(requestPrincipalMatches(`${ISS}/al*`, who)).toBe(true);
    expect(requestPrincipalMatches('https://other.example.com/*', who)).toBe(false);
    expect(requestPrincipalMatches('*/alice', who)).toBe(true);
    expect(requestPrincipalMatches('*.example.com/alice', who)).toBe(true);
    expect(requestPrincipalMatches('*ice', who)).toBe(true); // no "/": any issuer, subject suffix
    expect(requestPrincipalMatches('issuer-prefix*', { ...who, iss: 'issuer-prefix-1' })).toBe(true); // no "/": issuer prefix
    // A URL issuer has "/" in it: "https://sso*" splits into iss "https:/" and sub "sso*", and matches nothing here.
    expect(requestPrincipalMatches('https://sso*', who)).toBe(false);
    expect(requestPrincipalMatches('*', undefined)).toBe(false);
  });
  it('requires a token: ALLOW requestPrincipals ["*"] admits a validated token only', () => {
    expect(evaluate(mesh([requireToken]), get('/', token()))).toMatchObject({ allowed: true, stage: 'allow' });
    expect(evaluate(mesh([requireToken]), get('/'))).toMatchObject({ allowed: false, stage: 'allow' });
  });
  it('DENY notRequestPrincipals ["*"] with the gateway as source refuses tokenless gateway calls only, except the public paths', () => {
    const deny = ap('require-jwt', {
      selector: { matchLabels: { app: 'api' } },
      action: 'DENY',
      rules: [
        { from: [{ source: { principals: [gateway], notRequestPrincipals: ['*'] } }], to: [{ operation: { notPaths: ['/healthz'] } }] },
      ],
    });
    const m = mesh([deny]);
    expect(evaluate(m, get('/'))).toMatchObject({ allowed: false, stage: 'deny' });
    expect(evaluate(m, get('/healthz'))).toMatchObject({ allowed: true });
    expect(evaluate(m, get('/', token()))).toMatchObject({ allowed: true });
    expect(evaluate(m, { ...get('/'), principal: 'cluster.local/ns/shop/sa/backend' })).toMatchObject({ allowed: true });
  });
});

describe('request.auth.* conditions (generator.go request*Generator)', () => {
  const byClaim = (key: string, values: string[]) =>
    mesh([ap('claim', { selector: { matchLabels: { app: 'api' } }, rules: [{ when: [{ key, values }] }] })]);
  it('matches string and list claims, nested claims, audiences and the principal', () => {
    const t = token({ claims: { groups: ['dev', 'admin'], role: 'ops', org: { team: 'books' } } });
    expect(evaluate(byClaim('request.auth.claims[groups]', ['admin']), get('/', t)).allowed).toBe(true);
    expect(evaluate(byClaim('request.auth.claims[groups]', ['root']), get('/', t)).allowed).toBe(false);
    expect(evaluate(byClaim('request.auth.claims[role]', ['op*']), get('/', t)).allowed).toBe(true);
    expect(evaluate(byClaim('request.auth.claims[org][team]', ['books']), get('/', t)).allowed).toBe(true);
    expect(evaluate(byClaim('request.auth.audiences', ['shop-api']), get('/', t)).allowed).toBe(true);
    expect(evaluate(byClaim('request.auth.principal', [`${ISS}/alice`]), get('/', t)).allowed).toBe(true);
    expect(evaluate(byClaim('request.auth.claims[groups]', ['admin']), get('/')).allowed).toBe(false);
  });
});
