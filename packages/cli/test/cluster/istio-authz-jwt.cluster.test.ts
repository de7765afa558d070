// The flow contract for the edge policies of what the bundle owns, evaluated like istio-authz-flows.cluster.test.ts
// (the rendered bundle's AuthorizationPolicies, PeerAuthentications and now RequestAuthentications, by
// @meshobs/testkit's evaluator, whose JWT part follows istio/istio at the pinned commit, src/istio-authz/jwt.ts):
// - demo.jwt: through the ingress gateway a valid token is required except on the public paths, an invalid one
//   is refused everywhere, and calls from inside the mesh are not asked for one;
// - deny-all: every namespace the bundle owns has one, none the user owns, and each declared flow still passes
//   by its explicit allow (the required flows of flows.ts).
// What rests on the evaluator alone: Istio's proxy cannot run here, so the token's validation is an input
// (claims and validity), not a signature check against a JWKS.
import { execFileSync } from 'node:child_process';
import { parseConfig } from '@meshobs/config';
import { resolveModel } from '@meshobs/model';
import {
  type AuthorizationPolicy,
  type AuthzRequest,
  evaluate,
  type Jwt,
  type MeshPolicies,
  missingTools,
  type PeerAuthentication,
  type RequestAuthentication,
  requireTool,
} from '@meshobs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import repoConfig from '../../../../meshobs.config.ts';
import { buildBundle } from './cluster-kit.ts';
import { type Flow, isHttp, type Obj, type Peer, probeFlows, requiredFlows } from './flows.ts';

const skip = missingTools('kubectl');
const ISSUER = 'https://sso.example.com';
const overrides = {
  demo: {
    ...repoConfig.demo,
    jwt: { issuer: ISSUER, jwksUri: `${ISSUER}/.well-known/jwks.json`, audiences: ['podinfo'], publicPaths: ['/healthz', '/version'] },
  },
};
const principalOf = (p: Peer) => (p.sidecar ? `cluster.local/ns/${p.namespace}/sa/${p.serviceAccount ?? 'default'}` : undefined);

describe.skipIf(skip)('Istio edge policies of the bundle: JWT on the demo front end, deny-all in owned namespaces', () => {
  const config = parseConfig({ ...repoConfig, ...overrides });
  const model = resolveModel(config);
  const ROOT = config.namespaces.istio;
  let objects: Obj[];
  let policies: AuthorizationPolicy[];
  const of = <T>(kind: string) => objects.filter((o) => o.kind === kind) as unknown as T[];

  beforeAll(async () => {
    const bundle = await buildBundle('authz-jwt', overrides);
    const rendered = execFileSync(requireTool('kubectl'), ['kustomize', bundle], { encoding: 'utf8', maxBuffer: 64 << 20 });
    objects = parseAllDocuments(rendered).map((d) => d.toJS());
    policies = of<AuthorizationPolicy>('AuthorizationPolicy');
  });

  const mesh = (over: Partial<MeshPolicies> = {}): MeshPolicies => ({
    rootNamespace: ROOT,
    authorizationPolicies: policies,
    peerAuthentications: [
      { metadata: { name: 'default', namespace: ROOT }, spec: { mtls: { mode: 'STRICT' } } },
      ...of<PeerAuthentication>('PeerAuthentication'),
    ],
    requestAuthentications: of<RequestAuthentication>('RequestAuthentication'),
    ...over,
  });
  const request = (f: Flow, path: string, jwt?: Jwt): AuthzRequest => ({
    principal: principalOf(f.from),
    destination: { namespace: f.to.namespace, labels: f.to.labels, annotations: f.to.annotations, sidecar: f.to.sidecar },
    port: f.port,
    http: { method: 'GET', path },
    ...(jwt ? { jwt } : {}),
  });
  const good: Jwt = { iss: ISSUER, sub: 'alice', aud: ['podinfo'] };
  const gatewayFlows = () =>
    requiredFlows(config, objects).filter((f) => / routes .* to /.test(f.why) && f.to.labels.app === config.demo.name);
  /** The backend tier calling the front end (a caller the front end's ALLOW policy names), from inside the mesh. */
  const backendFlow = (): Flow => {
    const backend = requiredFlows(config, objects).find((f) => f.to.labels.app === config.demo.backendName)!.to;
    const toFront = gatewayFlows()[0]!;
    return { why: 'the backend calls the front end', from: backend, to: toFront.to, port: toFront.port };
  };

  it('renders one RequestAuthentication and one require-jwt DENY policy, on the front end only', () => {
    expect(of<RequestAuthentication>('RequestAuthentication').map((r) => `${r.metadata.namespace}/${r.metadata.name}`)).toEqual([
      `${config.demo.namespace}/${config.demo.name}`,
    ]);
    expect(policies.filter((p) => p.spec?.action === 'DENY').map((p) => p.metadata.name)).toEqual([`${config.demo.name}-require-jwt`]);
  });

  it('through the ingress gateway: a token is required except on the public paths; an invalid token is refused everywhere', () => {
    const flows = gatewayFlows();
    expect(flows.length).toBeGreaterThanOrEqual(2); // both install methods' gateway identities, each front-end version
    for (const f of flows) {
      expect(evaluate(mesh(), request(f, '/'))).toMatchObject({ allowed: false, stage: 'deny' });
      expect(evaluate(mesh(), request(f, '/env', good))).toMatchObject({ allowed: true, stage: 'allow' });
      expect(evaluate(mesh(), request(f, '/healthz'))).toMatchObject({ allowed: true, stage: 'allow' });
      expect(evaluate(mesh(), request(f, '/version'))).toMatchObject({ allowed: true, stage: 'allow' });
      expect(evaluate(mesh(), request(f, '/healthz', { ...good, valid: false }))).toMatchObject({ allowed: false, stage: 'jwt' });
      expect(evaluate(mesh(), request(f, '/', { ...good, aud: ['other'] }))).toMatchObject({ allowed: false, stage: 'jwt' });
    }
  });

  it('inside the mesh: the backend calls the front end without a token', () => {
    expect(evaluate(mesh(), request(backendFlow(), '/echo'))).toMatchObject({ allowed: true, stage: 'allow' });
  });

  it('can fail: without the RequestAuthentication no token counts, and without the DENY policy none is required', () => {
    const f = gatewayFlows()[0]!;
    expect(evaluate(mesh({ requestAuthentications: [] }), request(f, '/env', good))).toMatchObject({ allowed: false, stage: 'deny' });
    const noDeny = mesh({ authorizationPolicies: policies.filter((p) => p.spec?.action !== 'DENY') });
    expect(evaluate(noDeny, request(f, '/env'))).toMatchObject({ allowed: true });
  });

  it('puts a deny-all in each namespace the bundle owns and in no other', () => {
    const denyAll = policies.filter((p) => p.metadata.name === 'deny-all');
    expect(denyAll.map((p) => p.spec)).toEqual(denyAll.map(() => ({})));
    expect(denyAll.map((p) => p.metadata.namespace).sort()).toEqual(model.namespaces.owned.map((n) => n.name).sort());
    // The demo's: the pipeline's namespace holds the user's search-engine Secrets, so it is not the bundle's.
    expect(denyAll.map((p) => p.metadata.namespace)).toEqual([model.config.demo.namespace]);
  });

  it('every declared flow passes the deny-all by its explicit allow; a workload without its allow is cut off', () => {
    const flows = [...requiredFlows(config, objects), ...probeFlows(config, objects)].filter((f) => f.to.sidecar);
    const asSeen = (f: Flow) => {
      const r = request(f, '/healthz', good);
      if (!isHttp(config, objects, f.to, f.port)) delete r.http;
      return r;
    };
    const denied = flows
      .map((f) => ({ f, v: evaluate(mesh(), asSeen(f)) }))
      .filter(({ v }) => !v.allowed)
      .map(({ f, v }) => `${f.why}: ${v.reason}`);
    expect(denied).toEqual([]);
    // Mutation: drop the backend's own ALLOW; with deny-all its callers are refused, without it they would pass.
    const f = flows.find((x) => x.to.labels.app === config.demo.backendName && x.from.labels.app === config.demo.name)!;
    const withoutAllow = policies.filter((p) => !(p.metadata.name === config.demo.backendName && p.spec?.action === 'ALLOW'));
    expect(evaluate(mesh({ authorizationPolicies: withoutAllow }), request(f, '/echo'))).toMatchObject({ allowed: false, stage: 'allow' });
    const neither = withoutAllow.filter((p) => p.metadata.name !== 'deny-all');
    expect(evaluate(mesh({ authorizationPolicies: neither }), request(f, '/echo'))).toMatchObject({
      allowed: true,
      stage: 'no-allow-policy',
    });
  });
});
