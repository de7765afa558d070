// Controlled egress and default deny (egress.*, src/egress.ts, src/default-deny.ts) as rendered objects.
import { parseConfig } from '@meshobs/config';
import { type KubeObject, validateObjects } from '@meshobs/kube';
import { resolveModel } from '@meshobs/model';
import { describe, expect, it } from 'vitest';
import { EGRESS_GATEWAY_OBJECT, istioOperator, renderIstio } from '../src/index.ts';

const byKind = (objects: KubeObject[], kind: string) => objects.filter((o) => o.kind === kind) as Array<KubeObject & { spec: any }>;
const HOSTS = [
  { name: 'github', host: 'api.github.com' },
  { name: 'slack', host: 'hooks.slack.com', port: 443, protocol: 'TLS' as const },
  { name: 'legacy', host: 'legacy.example.com', port: 80, protocol: 'HTTP' as const },
  { name: 'db', host: 'db.example.com', port: 5432, protocol: 'TCP' as const, addresses: ['192.0.2.10/32'] },
];
const render = (egress: object, extra: object = {}) => renderIstio(resolveModel(parseConfig({ egress, ...extra })));

describe('controlled egress', () => {
  const bundle = render({ hosts: HOSTS }, { demo: { enabled: true } });

  it('renders schema-valid ServiceEntries (MESH_EXTERNAL, DNS, exported), one per host, in an owned namespace', async () => {
    expect(await validateObjects(bundle.objects)).toEqual([]);
    const se = byKind(bundle.objects, 'ServiceEntry');
    expect(se.map((s) => [s.metadata.namespace, s.spec.hosts, s.spec.location, s.spec.resolution, s.spec.exportTo])).toEqual(
      HOSTS.map((h) => ['observability', [h.host], 'MESH_EXTERNAL', h.protocol === 'TCP' ? 'NONE' : 'DNS', ['*']]),
    );
    expect(se.map((s) => s.spec.ports[0].protocol)).toEqual(['HTTPS', 'TLS', 'HTTP', 'TCP']);
  });

  it('routes HTTPS/TLS by SNI through a PASSTHROUGH server of the egress gateway, HTTP by Host, TCP directly', () => {
    const [gw] = byKind(bundle.objects, 'Gateway');
    expect(gw!.metadata.namespace).toBe('observability');
    expect(gw!.spec.selector).toEqual({ app: 'istio-egressgateway', istio: 'egressgateway' });
    expect(gw!.spec.servers).toEqual([
      { port: { number: 443, name: 'tls', protocol: 'TLS' }, hosts: ['api.github.com', 'hooks.slack.com'], tls: { mode: 'PASSTHROUGH' } },
      { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['legacy.example.com'] },
    ]);
    const vs = byKind(bundle.objects, 'VirtualService');
    expect(vs.map((v) => v.metadata.name)).toEqual(['github-egress', 'slack-egress', 'legacy-egress']);
    const github = vs[0]!.spec;
    expect(github.gateways).toEqual(['mesh', 'observability/meshobs-egress']);
    expect(github.tls).toEqual([
      {
        match: [{ gateways: ['mesh'], port: 443, sniHosts: ['api.github.com'] }],
        route: [{ destination: { host: 'istio-egressgateway.istio-system.svc.cluster.local', port: { number: 443 } } }],
      },
      {
        match: [{ gateways: ['observability/meshobs-egress'], port: 443, sniHosts: ['api.github.com'] }],
        route: [{ destination: { host: 'api.github.com', port: { number: 443 } } }],
      },
    ]);
    expect(vs[2]!.spec.http[0].route[0].destination.port.number).toBe(80);
  });

  it('viaGateway false: ServiceEntries only', () => {
    const direct = render({ hosts: HOSTS, viaGateway: false });
    expect(byKind(direct.objects, 'ServiceEntry')).toHaveLength(4);
    // The edge's ingress Gateway and UI routes stay (edge-ingress); nothing of the egress gateway.
    expect(byKind(direct.objects, 'Gateway').filter((g) => g.metadata.name === EGRESS_GATEWAY_OBJECT)).toEqual([]);
    expect(byKind(direct.objects, 'VirtualService').filter((v) => v.metadata.name.endsWith('-egress'))).toEqual([]);
  });

  it('REGISTRY_ONLY is an opt-in in the mesh config, and the build warns naming the field', () => {
    const config = parseConfig({ egress: { outboundTrafficPolicy: 'REGISTRY_ONLY' } });
    expect(istioOperator(config).spec.meshConfig).toMatchObject({ outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } });
    expect(render({ outboundTrafficPolicy: 'REGISTRY_ONLY' }).warnings.join('\n')).toMatch(/egress.outboundTrafficPolicy is REGISTRY_ONLY/);
    expect('outboundTrafficPolicy' in istioOperator(parseConfig({})).spec.meshConfig).toBe(false);
    expect(render({}).warnings.join('\n')).not.toMatch(/REGISTRY_ONLY/);
  });

  it('Sidecar resources only in owned namespaces, each listing what its workloads call', () => {
    const sidecars = byKind(bundle.objects, 'Sidecar');
    // The demo's namespace only: the pipeline's is not the bundle's (the user's search-engine Secrets, often the
    // search engine, live there), and a namespace-wide Sidecar would bind the user's workloads there too.
    expect(sidecars.map((s) => [s.metadata.namespace, s.spec.egress[0].hosts])).toEqual([
      ['podinfo', ['./*', 'observability/otel-collector.observability.svc.cluster.local']],
    ]);
    // A user's services' namespaces never get one.
    const users = render({}, { demo: { enabled: true }, services: [{ name: 'reviews', namespace: 'bookinfo' }] });
    expect(byKind(users.objects, 'Sidecar').map((s) => s.metadata.namespace)).toEqual(['podinfo']);
    expect(byKind(render({}).objects, 'Sidecar')).toEqual([]);
    expect(byKind(render({ sidecars: false }, { demo: { enabled: true } }).objects, 'Sidecar')).toEqual([]);
  });

  it('refuses hosts routed through a disabled egress gateway, naming the field', () => {
    expect(() => parseConfig({ egress: { hosts: HOSTS }, istio: { gateways: { egress: { enabled: false } } } })).toThrow(
      /egress.viaGateway/,
    );
    expect(() => parseConfig({ egress: { hosts: [HOSTS[0], { ...HOSTS[0], host: 'x.example.com' }] } })).toThrow(/duplicates name/);
    expect(() => parseConfig({ egress: { hosts: [{ name: 'db', host: 'db.example.com', port: 5432, protocol: 'TCP' }] } })).toThrow(
      /egress\.hosts\[0\]\.addresses: is required for a TCP host/,
    );
    expect(byKind(bundle.objects, 'ServiceEntry')[3]!.spec.addresses).toEqual(['192.0.2.10/32']);
  });
});

describe('default deny in the namespaces the bundle owns', () => {
  it('one empty-spec AuthorizationPolicy per owned namespace, none in a user namespace', () => {
    const bundle = renderIstio(
      resolveModel(parseConfig({ demo: { enabled: true }, services: [{ name: 'reviews', namespace: 'bookinfo' }] })),
    );
    const deny = byKind(bundle.objects, 'AuthorizationPolicy').filter((p) => p.metadata.name === 'deny-all');
    // Only the demo's namespace is the bundle's (the pipeline's holds the user's search-engine Secrets).
    expect(deny.map((p) => [p.metadata.namespace, p.spec])).toEqual([['podinfo', {}]]);
  });
});
