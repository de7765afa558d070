// The mesh edge of the bundle (config `ingress`, docs/edge-ingress.md): every Gateway is HTTPS-only with
// TLS 1.3 minimum, and no UI host on the ingress gateway is reachable without the sign-in, decided by the
// authorization evaluator (packages/testkit istio-authz) over the rendered policies and mesh config.
import { type MeshobsConfigInput, parseConfig, uiHosts } from '@meshobs/config';
import { meshConfig } from '@meshobs/istio';
import { assembleBundle, edgeGatewayRef, gatewayTlsProblems, type KubeObject } from '@meshobs/kube';
import { type AuthorizationPolicy, evaluate, type MeshPolicies, type Workload } from '@meshobs/testkit';
import { describe, expect, it } from 'vitest';
import { renderComponents, validateRendered } from '../src/render.ts';

const render = (input: MeshobsConfigInput) => {
  const config = parseConfig(input);
  return { config, objects: renderComponents(config).flatMap((c) => c.objects) };
};
const ofKind = (objects: KubeObject[], kind: string) => objects.filter((o) => o.kind === kind && /\.istio\.io\//.test(o.apiVersion));

const PROFILES: Record<string, MeshobsConfigInput> = {
  default: {},
  'demo, Grafana, cert-manager': {
    demo: { enabled: true },
    ingress: { hosts: { demo: ['shop.example.com'] }, ui: { grafana: true }, tls: { certManager: { issuer: 'letsencrypt' } } },
    profile: { operators: { certManager: true } },
  },
};

describe('every Gateway serves HTTPS with TLS 1.3 minimum and redirects HTTP', () => {
  for (const [name, input] of Object.entries(PROFILES))
    it(name, () => {
      const gateways = ofKind(render(input).objects, 'Gateway');
      expect(gateways.length).toBeGreaterThan(0);
      expect(gateways.flatMap(gatewayTlsProblems)).toEqual([]);
    });

  it('mutations: TLS 1.2 allowed, plain HTTP, no servers', () => {
    const [gw] = ofKind(render({}).objects, 'Gateway');
    const servers = (gw as any).spec.servers as any[];
    const mutate = (s: any[]) => gatewayTlsProblems({ ...gw!, spec: { ...(gw as any).spec, servers: s } } as KubeObject);
    const https = servers.find((s) => s.port.protocol === 'HTTPS');
    const http = servers.find((s) => s.port.protocol === 'HTTP');
    expect(mutate([http, { ...https, tls: { ...https.tls, minProtocolVersion: 'TLSV1_2' } }]).join()).toMatch(
      /minProtocolVersion is TLSV1_2/,
    );
    const { minProtocolVersion: _, ...noMin } = https.tls;
    expect(mutate([http, { ...https, tls: noMin }]).join()).toMatch(/unset \(TLS 1.2 allowed\)/);
    expect(mutate([{ ...http, tls: undefined }, https]).join()).toMatch(/plain HTTP without tls.httpsRedirect/);
    expect(mutate([]).join()).toMatch(/no servers/);
  });
});

describe('the cert-manager Certificate', () => {
  it('issues the TLS Secret in the gateway namespace for every named host, passes its schema, and sits in the overlay without cert-manager', async () => {
    const input = PROFILES['demo, Grafana, cert-manager']!;
    const { objects } = render(input);
    const cert = objects.find((o) => o.kind === 'Certificate') as any;
    expect(cert.metadata).toMatchObject({ name: 'meshobs-ingress-tls', namespace: 'istio-system' });
    expect(cert.spec).toEqual({
      secretName: 'meshobs-ingress-tls',
      dnsNames: ['jaeger.example.com', 'kiali.example.com', 'grafana.example.com', 'shop.example.com'],
      issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer', group: 'cert-manager.io' },
    });
    expect(await validateRendered(objects)).toEqual([]);
    const files = assembleBundle(renderComponents(parseConfig({ ...input, profile: { operators: { certManager: false } } })));
    expect([...files.keys()].filter((f) => /certificate-/.test(f))).toEqual([
      'overlays/cert-manager/certificate-istio-system-meshobs-ingress-tls.yaml',
    ]);
    expect(render({}).objects.some((o) => o.kind === 'Certificate')).toBe(false);
  });
});

describe('no UI without sign-in', () => {
  /** The ingress gateway pod as the policies see it (gateway chart labels plus istio.gatewayLabel). */
  const gatewayPod = (objects: KubeObject[]): Workload => {
    const gw = ofKind(objects, 'Gateway')[0] as any;
    return { namespace: 'istio-system', labels: { app: 'istio-ingressgateway', ...gw.spec.selector }, sidecar: true, gateway: true };
  };
  const meshOf = (config: ReturnType<typeof parseConfig>, objects: KubeObject[]): MeshPolicies => ({
    rootNamespace: config.namespaces.istio,
    authorizationPolicies: objects.filter((o) => o.kind === 'AuthorizationPolicy') as unknown as AuthorizationPolicy[],
    peerAuthentications: [],
    extensionProviders: meshConfig(config).extensionProviders as unknown as MeshPolicies['extensionProviders'],
  });
  /** Every host a VirtualService serves on the edge Gateway. */
  const routedHosts = (config: ReturnType<typeof parseConfig>, objects: KubeObject[]) =>
    ofKind(objects, 'VirtualService')
      .filter((vs: any) => vs.spec.gateways.includes(edgeGatewayRef(config)))
      .flatMap((vs: any) => vs.spec.hosts as string[]);
  /** Each routed host that is not a demo host (as browsers send it, with a port, in upper case) that the gateway lets through while the provider says no. */
  const openHosts = (config: ReturnType<typeof parseConfig>, objects: KubeObject[]) => {
    const mesh = meshOf(config, objects);
    const pod = gatewayPod(objects);
    const demo = config.demo.enabled ? config.ingress.hosts.demo : [];
    return routedHosts(config, objects)
      .filter((h) => !demo.includes(h))
      .flatMap((host) =>
        [host, `${host}:443`, host.toUpperCase()].filter(
          (authority) =>
            evaluate(mesh, {
              destination: pod,
              port: 443,
              http: { method: 'GET', path: '/', host: authority },
              extAuthz: { [config.ingress.signIn.provider]: 'deny' },
            }).allowed,
        ),
      );
  };

  for (const [name, input] of Object.entries(PROFILES))
    it(`${name}: every UI host on the gateway asks the sign-in, which alone lets it through`, () => {
      const { config, objects } = render(input);
      const hosts = uiHosts(config).map((h) => h.host);
      expect(hosts.length).toBeGreaterThanOrEqual(2);
      // Every host on the edge is a UI host or a demo host, and every UI host is routed there.
      const demo = config.demo.enabled ? config.ingress.hosts.demo : [];
      expect(new Set(routedHosts(config, objects))).toEqual(new Set([...hosts, ...demo]));
      expect(openHosts(config, objects)).toEqual([]);
      const mesh = meshOf(config, objects);
      for (const host of hosts)
        expect(
          evaluate(mesh, {
            destination: gatewayPod(objects),
            port: 443,
            http: { method: 'GET', path: '/', host },
            extAuthz: { [config.ingress.signIn.provider]: 'allow' },
          }).allowed,
        ).toBe(true);
    });

  it('plain HTTP on the gateway (pod port 80 or 8080) is left to the redirect, any other port asks the sign-in', () => {
    const { config, objects } = render({});
    const host = uiHosts(config)[0]!.host;
    const at = (port: number) =>
      evaluate(meshOf(config, objects), {
        destination: gatewayPod(objects),
        port,
        http: { method: 'GET', path: '/', host },
        extAuthz: { [config.ingress.signIn.provider]: 'deny' },
      });
    expect(at(80).allowed).toBe(true); // not asked: the router answers with the HTTPS redirect
    expect(at(8080).allowed).toBe(true);
    for (const port of [443, 8443, 9443]) expect(at(port), String(port)).toMatchObject({ allowed: false, stage: 'custom' });
  });

  it('the default bundle routes Jaeger and Kiali through the gateway and renders no ingress-nginx Ingress', () => {
    const { config, objects } = render({});
    expect(uiHosts(config).map((h) => h.ui)).toEqual(['jaeger', 'kiali']);
    expect(objects.filter((o) => o.kind === 'Ingress')).toEqual([]);
  });

  it('mutations: without the CUSTOM policy, or with its provider missing from the mesh config', () => {
    const { config, objects } = render({});
    const noPolicy = objects.filter((o) => !((o as any).spec?.action === 'CUSTOM'));
    expect(openHosts(config, noPolicy).length).toBeGreaterThan(0);
    // A CUSTOM policy naming a provider the mesh config lacks still denies (fail closed): the evaluator says so.
    const mesh = { ...meshOf(config, objects), extensionProviders: [] };
    const host = uiHosts(config)[0]!.host;
    expect(
      evaluate(mesh, { destination: gatewayPod(objects), port: 443, http: { method: 'GET', path: '/', host }, extAuthz: {} }),
    ).toMatchObject({ allowed: false, stage: 'custom' });
    // A host left out of the policy is open.
    const narrowed = objects.map((o) =>
      (o as any).spec?.action === 'CUSTOM'
        ? { ...o, spec: { ...(o as any).spec, rules: [{ to: [{ operation: { hosts: [host] } }] }] } }
        : o,
    );
    expect(openHosts(config, narrowed as KubeObject[]).length).toBeGreaterThan(0);
  });
});

describe('config: the edge refuses what would break or open it', () => {
  it('demo.ingressHosts is refused with the new field written out', () => {
    expect(() => parseConfig({ demo: { ingressHosts: ['shop.example.com'] } })).toThrow(
      /demo\.ingressHosts: moved to ingress\.hosts\.demo.*ingress: \{ hosts: \{ demo: \["shop\.example\.com"\] \} \}/s,
    );
  });
  it('an ingress-nginx Ingress on a class that ignores its auth annotations is refused', () => {
    expect(() => parseConfig({ jaeger: { query: { ingress: { enabled: true, className: 'istio' } } } })).toThrow(
      /jaeger\.query\.ingress\.className.*served by istiod.*would be ignored/s,
    );
    expect(parseConfig({ jaeger: { query: { ingress: { enabled: true } } } }).jaeger.query.ingress.className).toBe('nginx');
  });
  it('a UI served by the gateway needs an https:// external URL and a host of its own', () => {
    expect(() => parseConfig({ kiali: { externalUrl: 'http://kiali.example.com' } })).toThrow(/kiali\.externalUrl.*not an https:\/\/ URL/s);
    expect(() => parseConfig({ ingress: { hosts: { jaeger: 'kiali.example.com' } } })).toThrow(
      /kiali\.externalUrl.*also served by ingress\.hosts\.jaeger/s,
    );
  });
});
