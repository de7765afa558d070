// The flow contract, Istio half: the same required and forbidden flows as the NetworkPolicy half
// (flows.ts), each evaluated against the rendered bundle's AuthorizationPolicies and
// PeerAuthentications by @meshobs/testkit's istio-authz evaluator (Istio's documented order:
// CUSTOM, DENY, ALLOW; a workload with any ALLOW policy denies what none allows; STRICT refuses
// plaintext before authorization). Source identities: the bundle's injected workloads carry
// `cluster.local/ns/<ns>/sa/<serviceAccountName>` from their rendered pod templates; Prometheus,
// Grafana, Kiali, the ingress controller and the kubelet have no sidecar and arrive in plaintext.
// The bundle emits no mesh-wide PeerAuthentication, so the cluster's is assumed: STRICT (the
// strictest case) and PERMISSIVE (Istio's default) both.
//
// What this does NOT model (the evaluator's UNMODELLED list, plus):
// - CUSTOM (ext_authz) providers' decisions: the bundle's one CUSTOM policy (the UIs' sign-in on the
//   ingress gateway, `hosts` rules) is evaluated with the provider's answer as an input, both ways.
// - request headers: the bundle's policies use none (they would throw). JWT (demo.jwt, off in the repo
//   config) is evaluated, with its flows, in istio-authz-jwt.cluster.test.ts.
// - IP blocks and addresses behind proxies (X-Forwarded-For, numTrustedProxies): none used (they would throw).
// - Envoy's HTTP vs TCP rule downgrade is evaluated, but which protocol a port speaks is taken from
//   the Service port (name prefix or appProtocol), not from Envoy's protocol sniffing.
// - DestinationRule TLS overrides of auto mTLS: the test checks the bundle's only say ISTIO_MUTUAL.
// - ambient mode, waypoints, Gateway API gateways, Sidecar resources, EnvoyFilters; trust domain
//   aliases (identities use cluster.local); Prometheus scraping with mounted Istio certificates.
// - whether the sidecar is running and the connection succeeds at all: only the policy decision.
import { execFileSync } from 'node:child_process';
import { parseConfig, uiHosts } from '@meshobs/config';
import { meshConfig } from '@meshobs/istio';
import { uiRouteName } from '@meshobs/kube';
import {
  type AuthorizationPolicy,
  type AuthzRequest,
  evaluate,
  type MeshPolicies,
  missingTools,
  type PeerAuthentication,
  requireTool,
  type Stage,
  UNMODELLED,
} from '@meshobs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import repoConfig from '../../../../meshobs.config.ts';
import { buildBundle } from './cluster-kit.ts';
import { type Flow, forbiddenFlows, isHttp, type Obj, type Peer, probeFlows, requiredFlows } from './flows.ts';

const skip = missingTools('kubectl');
/** The repo's config, and its single-tier collector variant (one policy less, the collector exports to Jaeger itself). */
const PROFILES = [
  { name: 'default', overrides: {} },
  { name: 'single-tier collector', overrides: { tracing: { ...repoConfig.tracing, collector: { mode: 'single' } } } },
];

const principalOf = (p: Peer) => (p.sidecar ? `cluster.local/ns/${p.namespace}/sa/${p.serviceAccount ?? 'default'}` : undefined);

describe.skipIf(skip).each(PROFILES)(
  'Istio authorization flow contract (AuthorizationPolicy + PeerAuthentication), $name',
  ({ name, overrides }) => {
    const config = parseConfig({ ...repoConfig, ...overrides });
    const ROOT = config.namespaces.istio; // meshConfig.rootNamespace defaults to istiod's namespace
    let objects: Obj[];
    let policies: AuthorizationPolicy[];
    let peerAuthentications: PeerAuthentication[];

    beforeAll(async () => {
      const bundle = await buildBundle(`authz-flows-${name.replace(/\W+/g, '-')}`, overrides);
      const rendered = execFileSync(requireTool('kubectl'), ['kustomize', bundle], { encoding: 'utf8', maxBuffer: 64 << 20 });
      objects = parseAllDocuments(rendered).map((d) => d.toJS());
      policies = objects.filter((o) => o.kind === 'AuthorizationPolicy') as AuthorizationPolicy[];
      peerAuthentications = objects.filter((o) => o.kind === 'PeerAuthentication') as PeerAuthentication[];
    });

    /** The bundle's policies under a mesh-wide PeerAuthentication of the given mode (created before the bundle). */
    const mesh = (mode: 'STRICT' | 'PERMISSIVE'): MeshPolicies => ({
      rootNamespace: ROOT,
      authorizationPolicies: policies,
      peerAuthentications: [{ metadata: { name: 'default', namespace: ROOT }, spec: { mtls: { mode } } }, ...peerAuthentications],
    });

    /** The flow as Istio sees it; `plaintext` drops the source's sidecar (and so its identity). */
    const request = (f: Flow, plaintext = false): AuthzRequest => ({
      principal: plaintext ? undefined : principalOf(f.from),
      destination: { namespace: f.to.namespace, labels: f.to.labels, annotations: f.to.annotations, sidecar: f.to.sidecar },
      port: f.port,
      ...(isHttp(config, objects, f.to, f.port) ? { http: { method: 'GET', path: '/' } } : {}),
    });

    it('reads the policies from the bundle, which emits no mesh-wide PeerAuthentication, one CUSTOM policy (the UI sign-in on the ingress gateway), and DestinationRules that keep auto mTLS', () => {
      expect(policies.length).toBeGreaterThanOrEqual(5);
      expect(peerAuthentications.length).toBeGreaterThanOrEqual(3);
      expect(
        peerAuthentications.filter((p) => p.metadata.namespace === ROOT && !Object.keys(p.spec?.selector?.matchLabels ?? {}).length),
      ).toEqual([]);
      expect(policies.filter((p) => p.spec?.action === 'CUSTOM').map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual([
        `${ROOT}/${config.ingress.gatewayName}-sign-in`,
      ]);
      const tls = objects
        .filter((o) => o.kind === 'DestinationRule')
        .flatMap((d) => [d.spec.trafficPolicy?.tls?.mode, ...(d.spec.subsets ?? []).map((s: any) => s.trafficPolicy?.tls?.mode)]);
      expect(tls.filter((m) => m !== undefined && m !== 'ISTIO_MUTUAL')).toEqual([]);
      expect(UNMODELLED.length).toBeGreaterThan(0);
      // The profile took: two-tier has the samplers' policy, single-tier not.
      expect(policies.some((p) => p.metadata.name === `${config.tracing.collector.name}-sampler`)).toBe(
        config.tracing.collector.mode === 'two-tier',
      );
    });

    for (const mode of ['STRICT', 'PERMISSIVE'] as const) {
      describe(`mesh-wide ${mode}`, () => {
        it('allows every flow the bundle needs, from the identity (or plaintext) each source has', () => {
          const flows = [...requiredFlows(config, objects), ...probeFlows(config, objects)];
          expect(flows.length).toBeGreaterThan(40);
          // Both kinds of source are exercised: sidecar-less ones and mesh identities.
          expect(flows.some((f) => !f.from.sidecar && f.to.sidecar)).toBe(true);
          expect(flows.some((f) => f.from.sidecar && f.to.sidecar)).toBe(true);
          const denied = flows
            .map((f) => ({ f, v: evaluate(mesh(mode), request(f)) }))
            .filter(({ v }) => !v.allowed)
            .map(
              ({ f, v }) => `${f.why} (${f.to.namespace}/${f.to.name}:${f.port} from ${principalOf(f.from) ?? 'plaintext'}): ${v.reason}`,
            );
          expect(denied).toEqual([]);
        });

        it('denies the forbidden flows, with and without a sidecar at the source, except where only NetworkPolicy can', () => {
          // Forbidden flows Istio cannot refuse, and why: the destination has no sidecar, the port never
          // reaches Envoy, or the port is open to plaintext for the sidecar-less scrapers and query
          // clients (a plaintext caller has no identity to tell apart; the NetworkPolicy limits it).
          const gaps: Record<string, Stage> = {
            // A forbidden flow only where the bundle polices the search engine (elasticsearch.networkPolicy).
            ...(config.elasticsearch.networkPolicy
              ? {
                  'an application reaches the search engine': 'not-injected' as Stage,
                  'an application reaches the search engine [plaintext]': 'not-injected' as Stage,
                }
              : {}),
            'the collector reaches the search engine': 'not-injected',
            'the collector reaches the search engine [plaintext]': 'not-injected',
            'a foreign namespace scrapes Envoy stats': 'not-captured',
            'a foreign namespace scrapes Envoy stats [plaintext]': 'not-captured',
            'a foreign namespace scrapes the collector [plaintext]': 'allow',
            'a foreign namespace scrapes Jaeger [plaintext]': 'allow',
            'an application queries Jaeger directly [plaintext]': 'allow',
            'a foreign namespace queries Jaeger [plaintext]': 'allow',
          };
          const flows = forbiddenFlows(config, objects);
          expect(flows.length).toBeGreaterThan(8);
          const cases = flows.flatMap((f) => [
            { name: f.why, req: request(f) },
            ...(f.from.sidecar ? [{ name: `${f.why} [plaintext]`, req: request(f, true) }] : []),
          ]);
          const allowed = Object.fromEntries(
            cases
              .map((c) => ({ c, v: evaluate(mesh(mode), c.req) }))
              .filter(({ v }) => v.allowed)
              .map(({ c, v }) => [c.name, v.stage]),
          );
          expect(allowed).toEqual(gaps);
        });
      });
    }

    describe('the UI hosts at the ingress gateway (CUSTOM ext_authz on operation.hosts)', () => {
      const provider = config.ingress.signIn.provider;
      /** The gateway pod (a gateway: no capture or PeerAuthentication stage) and the rendered mesh config's providers. */
      const atGateway = (host: string, answer?: 'allow' | 'deny' | 'unreachable'): [MeshPolicies, AuthzRequest] => {
        const gw = objects.find((o) => o.kind === 'Gateway' && o.metadata.name === config.ingress.gatewayName)!;
        const m: MeshPolicies = {
          ...mesh('STRICT'),
          extensionProviders: meshConfig(config).extensionProviders as unknown as MeshPolicies['extensionProviders'],
        };
        return [
          m,
          {
            destination: {
              namespace: ROOT,
              labels: { app: config.istio.gateways.ingress.name, ...gw.spec.selector },
              sidecar: true,
              gateway: true,
            },
            port: 443,
            http: { method: 'GET', path: '/', host },
            ...(answer ? { extAuthz: { [provider]: answer } } : {}),
          },
        ];
      };
      /** The hosts of the UI routes (the demo's hosts on the same Gateway have no sign-in). */
      const hosts = () =>
        objects
          .filter((o) => o.kind === 'VirtualService' && uiHosts(config).some(({ ui }) => o.metadata.name === uiRouteName(ui)))
          .flatMap((o) => o.spec.hosts as string[]);

      it('every UI host asks the sign-in: refused on its no, on its failure, and let through only on its yes', () => {
        expect(hosts().sort()).toEqual(
          uiHosts(config)
            .map((h) => h.host)
            .sort(),
        );
        for (const host of hosts())
          for (const authority of [host, `${host}:443`, host.toUpperCase()]) {
            expect(evaluate(...atGateway(authority, 'deny')), authority).toMatchObject({ allowed: false, stage: 'custom' });
            expect(evaluate(...atGateway(authority, 'unreachable')).allowed, authority).toBe(false);
            expect(evaluate(...atGateway(authority, 'allow')).allowed, authority).toBe(true);
          }
      });

      it('other hosts at the gateway never reach the provider (no answer needed)', () => {
        expect(evaluate(...atGateway('shop.example.com')).allowed).toBe(true);
      });

      it('can fail: a provider missing from the mesh config denies (fail closed); the policy left out opens every UI', () => {
        const [m, req] = atGateway(hosts()[0]!);
        expect(evaluate({ ...m, extensionProviders: [] }, req)).toMatchObject({ allowed: false, stage: 'custom' });
        const without = { ...m, authorizationPolicies: m.authorizationPolicies.filter((p) => p.spec?.action !== 'CUSTOM') };
        for (const host of hosts()) expect(evaluate(without, atGateway(host, 'deny')[1]).allowed).toBe(true);
      });
    });

    it('can fail: a DENY-all policy denies the scrapes, plaintext Grafana is refused on a STRICT query port, a rule without from admits apps', () => {
      const flows = requiredFlows(config, objects);
      const grafana = flows.find((f) => f.why === 'Grafana queries Jaeger')!;
      const strictQuery = mesh('STRICT');
      strictQuery.peerAuthentications = strictQuery.peerAuthentications.map((p) =>
        p.metadata.name === `${config.jaeger.name}-query` ? { ...p, spec: { ...p.spec, portLevelMtls: undefined } } : p,
      );
      expect(evaluate(strictQuery, request(grafana))).toMatchObject({ allowed: false, stage: 'mtls' });
      const scrape = flows.find((f) => f.why.startsWith('ServiceMonitor otel-collector'))!;
      const denyAll = mesh('PERMISSIVE');
      denyAll.authorizationPolicies = [
        { metadata: { name: 'deny-all', namespace: config.namespaces.observability }, spec: { action: 'DENY', rules: [{}] } },
        ...policies,
      ];
      expect(evaluate(denyAll, request(scrape))).toMatchObject({ allowed: false, stage: 'deny' });
      // A rule without `from` on the query ports (as the bundle had) lets any mesh identity query traces.
      const direct = forbiddenFlows(config, objects).find((f) => f.why === 'an application queries Jaeger directly')!;
      const open = mesh('STRICT');
      open.authorizationPolicies = policies.map((p) =>
        p.metadata.name === `${config.jaeger.name}-query`
          ? { ...p, spec: { ...p.spec, rules: p.spec!.rules!.map(({ to }) => ({ to })) } }
          : p,
      );
      expect(evaluate(mesh('STRICT'), request(direct)).allowed).toBe(false);
      expect(evaluate(open, request(direct))).toMatchObject({ allowed: true, stage: 'allow' });
    });
  },
);
