// The demo's edge: JWT on the front end (demo.jwt, src/manifests/authn.ts) and its routes beyond the weighted
// split (demo.routing, src/manifests/routing.ts). Decisions of the policies: packages/cli/test/cluster/
// istio-authz-jwt.cluster.test.ts; here the objects themselves.
import { parseConfig } from '@meshobs/config';
import { type KubeObject, validateObjects } from '@meshobs/kube';
import { resolveModel } from '@meshobs/model';
import { describe, expect, it } from 'vitest';
import { renderDemo } from '../src/manifests/index.ts';

const JWT = { issuer: 'https://sso.example.com', jwksUri: 'https://sso.example.com/jwks.json', audiences: ['podinfo'] };
const render = (demo: object) => renderDemo(resolveModel(parseConfig({ demo: { enabled: true, ...demo } }))).objects;
const find = (objects: KubeObject[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name) as (KubeObject & { spec: any }) | undefined;

describe('demo JWT', () => {
  const objects = render({ jwt: JWT });
  it('renders a RequestAuthentication and a require-jwt DENY policy on the front end only, schema-valid', async () => {
    expect(await validateObjects(objects)).toEqual([]);
    const ra = find(objects, 'RequestAuthentication', 'podinfo')!;
    expect(ra.spec).toEqual({ selector: { matchLabels: { app: 'podinfo' } }, jwtRules: [{ ...JWT }] });
    const deny = find(objects, 'AuthorizationPolicy', 'podinfo-require-jwt')!;
    expect(deny.spec.action).toBe('DENY');
    expect(deny.spec.rules[0].from[0].source.notRequestPrincipals).toEqual(['*']);
    expect(deny.spec.rules[0].from[0].source.principals).toEqual([
      '*/ns/istio-system/sa/istio-ingressgateway-service-account',
      '*/ns/istio-system/sa/istio-ingressgateway',
    ]);
    expect(deny.spec.rules[0].to[0].operation.notPaths).toEqual(['/healthz', '/readyz', '/version']);
    expect(objects.filter((o) => o.kind === 'RequestAuthentication')).toHaveLength(1);
  });
  it('renders nothing of it without demo.jwt, and refuses bad fields by name', () => {
    expect(render({}).filter((o) => o.kind === 'RequestAuthentication' || o.metadata.name.endsWith('-require-jwt'))).toEqual([]);
    expect(() => parseConfig({ demo: { jwt: { ...JWT, jwksUri: 'ftp://x' } } })).toThrow(/demo\.jwt\.jwksUri/);
    expect(() => parseConfig({ demo: { jwt: { ...JWT, publicPaths: ['healthz'] } } })).toThrow(/demo\.jwt\.publicPaths/);
  });
});

describe('demo routing', () => {
  const vs = (demo: object) => find(render(demo), 'VirtualService', 'podinfo')!.spec.http as any[];
  it('URI prefixes first, then the A/B header, then the weighted split mirroring its share to the canary', () => {
    const http = vs({
      routing: {
        mirrorPercent: 25,
        abHeader: { name: 'x-user-group', value: 'beta' },
        uriRoutes: [{ prefix: '/api/v2', version: 'canary' }],
      },
    });
    expect(http.map((r) => r.name)).toEqual(['uri-0', 'canary-by-header', 'weighted']);
    expect(http[0].match).toEqual([{ uri: { prefix: '/api/v2' } }]);
    expect(http[0].route.map((r: any) => [r.destination.subset, r.weight])).toEqual([['canary', 100]]);
    expect(http[1].match).toEqual([{ headers: { 'x-user-group': { exact: 'beta' } } }]);
    expect(http[2].mirror).toEqual({ host: 'podinfo.podinfo.svc.cluster.local', subset: 'canary', port: { number: 9898 } });
    expect(http[2].mirrorPercentage).toEqual({ value: 25 });
  });
  it('defaults: x-canary header, no mirror, no URI route; the backend and the ingress routes are untouched', () => {
    const http = vs({});
    expect(http.map((r) => r.name)).toEqual(['canary-by-header', 'weighted']);
    expect(http[0].match).toEqual([{ headers: { 'x-canary': { exact: 'true' } } }]);
    expect(http[1].mirror).toBeUndefined();
    const objects = render({ routing: { mirrorPercent: 10 } });
    expect(find(objects, 'VirtualService', 'podinfo-backend')!.spec.http.some((r: any) => r.mirror)).toBe(false);
  });
  it('refuses a route to an unknown version and mirroring without a canary, naming the field', () => {
    expect(() => parseConfig({ demo: { routing: { uriRoutes: [{ prefix: '/a', version: 'beta' }] } } })).toThrow(
      /demo\.routing\.uriRoutes\[0\]\.version.*not one of demo\.versions/,
    );
    expect(() => parseConfig({ demo: { versions: [{ name: 'v1', weight: 100 }], routing: { mirrorPercent: 5 } } })).toThrow(
      /demo\.routing\.mirrorPercent/,
    );
  });
});
