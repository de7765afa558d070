// Istio's own verdict on the bundle: istiod (pilot-discovery of the pinned istio.io/istio module) runs
// against the real API server holding the bundle's Istio objects and the pods, Services and
// EndpointSlices of its workloads (istiod-kit.ts), with the mesh config Istio's istiod chart renders from
// the bundle's istio/helm-values.yaml (what a cluster installed with it runs). For a demo pod, the
// collector, the samplers, Jaeger and the ingress gateway, an xDS client presents the pod's node and the
// test reads the listeners, clusters and routes istiod generates, then checks them against the bundle's
// intent (istiod-config.ts): tracing provider, sampling and custom tags, access logs, the cardinality
// profile's tag removals on the intended side, the gateway's listener, routes and client clusters, and the
// RBAC rules against @meshobs/testkit's evaluator on the flow contract (envoy-rbac.ts). Each check is also
// shown failing: a mutated object goes into the API server, istiod regenerates, and the check must report
// the expected problem; the object is then restored.
//
// One istiod per file, shared by every test; the mutations run one after the other and each restores
// the original object before the next test starts.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseConfig, uiHosts } from '@meshobs/config';
import { customTags, meshTelemetry } from '@meshobs/istio';
import { KIALI_PORT } from '@meshobs/kiali';
import { uiRouteName } from '@meshobs/kube';
import { resolveModel } from '@meshobs/model';
import {
  type AuthorizationPolicy,
  type AuthzRequest,
  evaluate,
  type MeshPolicies,
  missingTools,
  type PeerAuthentication,
  REPO_ROOT,
  waitUntil,
} from '@meshobs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import repoConfig from '../../../../meshobs.config.ts';
import { type ApiServer, buildBundle, crdFiles, renderedObjects, startClusterLike } from './cluster-kit.ts';
import { evaluateGenerated } from './envoy-rbac.ts';
import { type Flow, forbiddenFlows, isHttp, type Obj, probeFlows, requiredFlows } from './flows.ts';
import {
  accessLogProblems,
  expectedRemovals,
  type Hcm,
  hasCluster,
  hcmsOf,
  inboundHcms,
  statsRemovals,
  type TracingIntent,
  tracingProblems,
} from './istiod-config.ts';
import { applyMesh, chartMeshConfig, type Istiod, type ProxyConfig, startIstiod, type Workload, workloadsOf } from './istiod-kit.ts';

type Any = any;

const skip = missingTools('pilot-discovery', 'helm', 'etcd', 'kube-apiserver', 'kubectl');
const config = parseConfig(repoConfig);
const FIXTURE = join(REPO_ROOT, 'packages', 'istio', 'test', 'fixtures', 'istiod-generated.json');
const SIGN_IN_FIXTURE = join(REPO_ROOT, 'packages', 'istio', 'test', 'fixtures', 'istiod-sign-in.json');
/**
 * A recorded fixture equals what istiod generates now; with MESHOBS_UPDATE_FIXTURES=1 it is written first.
 */
function expectRecorded(file: string, current: object) {
  if (process.env.MESHOBS_UPDATE_FIXTURES === '1') writeFileSync(file, `${JSON.stringify(current, null, 2)}\n`);
  expect(
    JSON.parse(readFileSync(file, 'utf8')),
    `fixtures/${basename(file)} is stale: MESHOBS_UPDATE_FIXTURES=1 npm run test:cluster`,
  ).toEqual(current);
}

/** What packages/istio/test/sign-in.e2e.test.ts reads: the UI hosts and the two sign-in filters, as istiod generated them. */
interface SignInFixture {
  comment: string;
  uiHosts: string[];
  filters: Any[];
}
const ROOT = config.namespaces.istio;
/** Bounded wait for istiod to regenerate after an object changed (debounce 100 ms, then a push). */
const REGENERATE_MS = 30_000;

const meshWidePeerAuthentication = (mode: 'STRICT' | 'PERMISSIVE'): Obj => ({
  apiVersion: 'security.istio.io/v1',
  kind: 'PeerAuthentication',
  metadata: { name: 'default', namespace: ROOT },
  spec: { mtls: { mode } },
});

/**
 * Stand-in Services for what the edge routes to outside the bundle (nothing listens: istiod only needs them in
 * its registry): the user's oauth2-proxy (ingress.signIn; without it istiod renders the CUSTOM policy as a
 * deny, pilot/pkg/model/telemetry_logging.go LookupCluster) and Kiali's Service, which the kiali-operator or
 * the kiali-server chart creates (without it the gateway has no cluster for the Kiali route).
 */
function servicesOutsideTheBundle(): Obj[] {
  const [name, namespace] = config.ingress.signIn.service.split('.');
  const service = (n: string, ns: string, port: number): Obj => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: n, namespace: ns },
    spec: { selector: { app: n }, ports: [{ name: 'http', port, targetPort: port }] },
  });
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace! } },
    service(name!, namespace!, config.ingress.signIn.port),
    service('kiali', config.namespaces.istio, KIALI_PORT),
  ];
}

describe.skipIf(skip)('istiod on the bundle: the Envoy configuration it generates for each workload', () => {
  let api: ApiServer;
  let istiod: Istiod;
  let objects: Obj[];
  let workloads: Workload[];
  let telemetry: Obj;
  let mesh: Any;
  const byName = (name: string) => {
    const w = workloads.find((x) => x.name === name);
    if (!w) throw new Error(`no workload ${name} among ${workloads.map((x) => x.name).join(', ')}`);
    return w;
  };
  const e = () => ({
    demo: byName(`${config.demo.name}-${config.demo.versions[0]!.name}`),
    collector: byName(config.tracing.collector.name),
    sampler: byName(`${config.tracing.collector.name}-sampler`),
    jaegerCollector: byName(`${config.jaeger.name}-collector`),
    jaegerQuery: byName(`${config.jaeger.name}-query`),
    gateway: byName(config.istio.gateways.ingress.name),
  });
  const replace = (...objs: Obj[]) => api.kubectl(['replace', '-f', '-'], objs.map((o) => `---\n${stringify(o)}`).join(''));

  beforeAll(async () => {
    const bundle = await buildBundle('istiod', {});
    api = await startClusterLike(crdFiles('istio'));
    objects = renderedObjects(api, bundle) as Obj[];
    workloads = workloadsOf(config, objects);
    telemetry = objects.find((o) => o.kind === 'Telemetry' && o.metadata.name === 'mesh-default')!;
    // The bundle emits no mesh-wide PeerAuthentication; the strictest case is assumed, PERMISSIVE checked too.
    applyMesh(api, config, objects, workloads, [meshWidePeerAuthentication('STRICT'), ...servicesOutsideTheBundle()]);
    const meshYaml = chartMeshConfig(bundle, ROOT);
    mesh = parse(meshYaml);
    istiod = await startIstiod(api, meshYaml);
  });
  afterAll(async () => {
    await istiod?.stop();
    await api?.stop();
  });

  const provider = () => mesh.extensionProviders.find((p: Any) => p.name === telemetry.spec.tracing[0].providers[0].name).opentelemetry;
  const intent = (): TracingIntent => ({
    service: provider().service,
    port: provider().port,
    percent: config.istio.envoySamplingPercent,
    customTags: customTags(config),
  });
  /** Server side (inbound HCMs of the service port) and client side (every outbound HCM) of a sidecar; every HCM of a gateway. */
  const tracedHcms = (w: Workload, cfg: ProxyConfig): Hcm[] =>
    w.type === 'router'
      ? hcmsOf(cfg.listeners)
      : [...inboundHcms(cfg.listeners, w.ports[0]!.containerPort), ...hcmsOf(cfg.listeners).filter((h) => h.direction === 'OUTBOUND')];
  const tracingOf = (w: Workload) => async () => {
    const cfg = await istiod.configOf(w);
    const hcms = tracedHcms(w, cfg);
    if (!hcms.length) return [`${w.name}: no HTTP connection manager`];
    const problems = hcms.flatMap((h) => tracingProblems(h, intent()));
    const cluster = `outbound|${intent().port}||${intent().service}`;
    if (!hasCluster(cfg.clusters, cluster)) problems.push(`${w.name}: no cluster ${cluster} for the tracer`);
    return problems;
  };

  /** Waits (bounded) until `check` reports no problem; the timeout error lists the last ones. */
  async function untilClean(check: () => Promise<string[]>, what: string) {
    let last: string[] = [];
    try {
      await waitUntil(
        async () => {
          last = await check();
          return last.length === 0;
        },
        REGENERATE_MS,
        what,
        200,
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}; still:\n${last.slice(0, 20).join('\n')}`);
    }
  }

  /** Applies `mutated`, waits until `check` reports a problem matching `expected`, restores `original` and waits until it is clean. */
  async function expectDetected(mutated: Obj[], original: Obj[], check: () => Promise<string[]>, expected: RegExp) {
    replace(...mutated);
    let seen: string[] = [];
    try {
      await waitUntil(
        async () => {
          seen = await check();
          return seen.some((p) => expected.test(p));
        },
        REGENERATE_MS,
        `the check to report ${expected} after the mutation`,
        200,
      );
    } finally {
      replace(...original);
      await untilClean(check, 'the check to pass again once the object is restored');
    }
    expect(seen.some((p) => expected.test(p))).toBe(true);
  }
  const withSpec = (o: Obj, spec: Any): Obj => ({ ...o, spec });

  describe('tracing', () => {
    // Envoy samples every request (the HCM's random_sampling; istiod sets no per-route sampling,
    // tracing.go configureSampling): the bundle's 100 / 10 / 1 % split by path is the collector's tail
    // sampling (packages/otel-collector sampling.ts), shown on real Envoy spans by the e2e tier.
    it('the demo pod (server and client side) and the gateway send spans to the collector with the bundle sampling and every custom tag', async () => {
      const { demo, gateway } = e();
      expect(await tracingOf(demo)()).toEqual([]);
      expect(await tracingOf(gateway)()).toEqual([]);
      // Every HCM counted: the demo's inbound port and its outbound listeners.
      const cfg = await istiod.configOf(demo);
      expect(inboundHcms(cfg.listeners, demo.ports[0]!.containerPort).length).toBeGreaterThan(0);
    });

    it('can fail: a provider name no extension provider has', async () => {
      const t = structuredClone(telemetry);
      t.spec.tracing[0].providers = [{ name: `${t.spec.tracing[0].providers[0].name}-typo` }];
      await expectDetected([t], [telemetry], tracingOf(e().demo), /tracer undefined|no tracing/);
    });

    it('can fail: a Telemetry selector that matches nothing (mesh defaults apply: 1 % and no custom tag)', async () => {
      const t = structuredClone(telemetry);
      t.spec.selector = { matchLabels: { app: 'no-such-workload' } };
      await expectDetected([t], [telemetry], tracingOf(e().demo), /custom tag environment missing|randomSampling 1 %/);
    });

    it('can fail: a custom tag removed', async () => {
      const t = structuredClone(telemetry);
      delete t.spec.tracing[0].customTags.user_agent;
      await expectDetected([t], [telemetry], tracingOf(e().demo), /custom tag user_agent missing/);
    });

    it('the recorded fixture the e2e tier runs upstream Envoy with is what istiod generates now', async () => {
      const { demo, gateway } = e();
      const demoCfg = await istiod.configOf(demo);
      const gwCfg = await istiod.configOf(gateway);
      const stable = gwCfg.clusters.find(
        (c: Any) => /^outbound\|\d+\|stable\|/.test(c.name) && c.name.includes(`|${demo.labels.app}.${demo.namespace}.`),
      );
      const route = gwCfg.routes
        .flatMap((r: Any) => (r.virtualHosts ?? []).flatMap((v: Any) => v.routes ?? []))
        .find((r: Any) => ['canary-by-header', 'weighted'].includes(r.name) && (r.route?.weightedClusters || r.route?.cluster));
      const current = {
        comment:
          'Written by packages/cli/test/cluster/istiod.cluster.test.ts from what istiod generates for the bundle of meshobs.config.ts; read by packages/istio/test/envoy.e2e.test.ts. Regenerate with MESHOBS_UPDATE_FIXTURES=1 npm run test:cluster.',
        demo: {
          serviceCluster: `${demo.labels.app}.${demo.namespace}`,
          inboundTracing: inboundHcms(demoCfg.listeners, demo.ports[0]!.containerPort)[0]!.hcm.tracing,
        },
        clientCluster: stable,
        gatewayRoute: { timeout: route.route.timeout, retryPolicy: route.route.retryPolicy },
      };
      expectRecorded(FIXTURE, current);
    });
  });

  describe('the trace pipeline does not trace itself', () => {
    // Every export hop of the pipeline goes through the sidecars of the collector, the samplers and Jaeger;
    // a span for each would be exported in turn. The bundle excludes these workloads from tracing.
    const pipeline = () => [e().collector, e().sampler, e().jaegerCollector, e().jaegerQuery];
    const tracingOn = async () => {
      const out: string[] = [];
      for (const w of pipeline())
        for (const h of hcmsOf((await istiod.configOf(w)).listeners))
          if (h.hcm.tracing) out.push(`${w.name} ${h.listener}/${h.chain}: traces at ${h.hcm.tracing.randomSampling?.value ?? 100} %`);
      return out;
    };

    it('no HTTP connection manager of the collector, the samplers or Jaeger carries a tracing block', async () => {
      expect(await tracingOn()).toEqual([]);
    });

    it("can fail: without the bundle's exclusion the mesh-wide Telemetry traces them", async () => {
      const exclusions = objects.filter((o) => o.kind === 'Telemetry' && o.metadata.name !== telemetry.metadata.name);
      expect(exclusions.map((o) => `${o.metadata.namespace}/${o.metadata.name}`).length).toBeGreaterThan(0);
      for (const o of exclusions) api.kubectl(['delete', 'telemetry.telemetry.istio.io', o.metadata.name, '-n', o.metadata.namespace!]);
      try {
        await waitUntil(async () => (await tracingOn()).length > 0, REGENERATE_MS, 'the pipeline to trace without the exclusion', 200);
      } finally {
        api.kubectl(['create', '-f', '-'], exclusions.map((o) => `---\n${stringify(o)}`).join(''));
      }
      await untilClean(tracingOn, 'the pipeline not to trace again');
    });
  });

  describe('access logging', () => {
    const logIntent = () => ({
      stdoutFilter: telemetry.spec.accessLogging[0].filter.expression,
      auditFilter: telemetry.spec.accessLogging[1].filter.expression,
    });
    const logsOf = (w: Workload) => async () => tracedHcms(w, await istiod.configOf(w)).flatMap((h) => accessLogProblems(h, logIntent()));

    it('every workload logs 4xx/5xx to stdout and the security events to the audit log', async () => {
      for (const w of Object.values(e())) expect(await logsOf(w)(), w.name).toEqual([]);
      expect(logIntent().stdoutFilter).toBe(`response.code >= ${config.tracing.accessLogMinStatus}`);
    });

    it('can fail: a changed filter expression', async () => {
      const t = structuredClone(telemetry);
      t.spec.accessLogging[0].filter.expression = 'response.code >= 500';
      await expectDetected([t], [telemetry], logsOf(e().demo), /stdout access log filter "response.code >= 500"/);
    });
  });

  describe('the cardinality profile', () => {
    const profile = parseConfig({ ...repoConfig, cardinality: { removeUnreadIstioLabels: true } });
    const profileTelemetry = () => meshTelemetry(profile, resolveModel(profile).cardinality) as Obj;
    /** Problems of the stats filters against a Telemetry's metrics block: server removals inbound, client removals outbound and on the gateway. */
    const statsOf = (t: Obj) => async () => {
      const out: string[] = [];
      for (const w of [e().demo, e().gateway]) {
        const cfg = await istiod.configOf(w);
        for (const h of tracedHcms(w, cfg)) {
          const side = h.direction === 'INBOUND' ? 'SERVER' : 'CLIENT';
          const want = expectedRemovals(t.spec.metrics ?? [], side);
          const got = statsRemovals(h);
          if (got === undefined) out.push(`${w.name} ${h.listener}/${h.chain}: no istio.stats filter`);
          else if (JSON.stringify(got) !== JSON.stringify(want))
            out.push(`${w.name} ${h.listener}/${h.chain} (${side}): removes ${JSON.stringify(got)}, not ${JSON.stringify(want)}`);
        }
      }
      return out;
    };

    it('without the profile nothing is removed; with it, each side removes exactly its tags', async () => {
      expect(await statsOf(telemetry)()).toEqual([]);
      const t = profileTelemetry();
      expect(t.spec.metrics?.[0]?.overrides?.length).toBeGreaterThan(1);
      replace(t);
      try {
        await untilClean(statsOf(t), 'the profile tag removals in the stats filters');
        // Both sides carry removals, and they differ (per-metric SERVER and CLIENT overrides).
        const cfg = await istiod.configOf(e().demo);
        const inbound = statsRemovals(inboundHcms(cfg.listeners, e().demo.ports[0]!.containerPort)[0]!)!;
        const outbound = statsRemovals(hcmsOf(cfg.listeners).find((h) => h.direction === 'OUTBOUND')!)!;
        expect(Object.keys(inbound).length).toBeGreaterThan(0);
        expect(inbound).not.toEqual(outbound);
        // can fail: the per-metric overrides on the other side.
        const swapped = structuredClone(t);
        for (const o of swapped.spec.metrics[0].overrides)
          if (o.match.mode !== 'CLIENT_AND_SERVER') o.match.mode = o.match.mode === 'SERVER' ? 'CLIENT' : 'SERVER';
        await expectDetected([swapped], [t], statsOf(t), /\((SERVER|CLIENT)\): removes/);
      } finally {
        replace(telemetry);
        await untilClean(statsOf(telemetry), 'the stats filters without removals again');
      }
    });
  });

  describe('authorization: the RBAC rules istiod generates against the evaluator, on the flow contract', () => {
    const policies = () => objects.filter((o) => o.kind === 'AuthorizationPolicy') as AuthorizationPolicy[];
    const meshOf = (mode: 'STRICT' | 'PERMISSIVE', aps = policies()): MeshPolicies => ({
      rootNamespace: ROOT,
      authorizationPolicies: aps,
      peerAuthentications: [
        meshWidePeerAuthentication(mode) as PeerAuthentication,
        ...(objects.filter((o) => o.kind === 'PeerAuthentication') as PeerAuthentication[]),
      ],
    });
    const principalOf = (f: Flow, plaintext: boolean) =>
      plaintext || !f.from.sidecar ? undefined : `spiffe://cluster.local/ns/${f.from.namespace}/sa/${f.from.serviceAccount ?? 'default'}`;
    /** Every flow into an injected workload, from its identity and (for mesh sources) in plaintext too. */
    const cases = () =>
      [...requiredFlows(config, objects), ...probeFlows(config, objects), ...forbiddenFlows(config, objects)].flatMap((f) =>
        [false, ...(f.from.sidecar ? [true] : [])].map((plaintext) => ({ f, plaintext })),
      );

    /** Each flow where the generated rules and the evaluator disagree. */
    async function disagreements(mode: 'STRICT' | 'PERMISSIVE', evaluatorPolicies = policies()): Promise<string[]> {
      const out: string[] = [];
      let compared = 0;
      let allowed = 0;
      // One dump per workload per comparison.
      const configs = new Map<Workload, Promise<ProxyConfig>>();
      const configOf = (w: Workload) => (configs.has(w) ? configs : configs.set(w, istiod.configOf(w))).get(w)!;
      for (const { f, plaintext } of cases()) {
        const to = workloads.find((w) => w.name === f.to.name && w.namespace === f.to.namespace && w.type === 'sidecar');
        const principal = principalOf(f, plaintext);
        const http = isHttp(config, objects, f.to, f.port);
        const req: AuthzRequest = {
          principal,
          destination: { namespace: f.to.namespace, labels: f.to.labels, annotations: f.to.annotations, sidecar: f.to.sidecar },
          port: f.port,
          ...(http ? { http: { method: 'GET', path: '/' } } : {}),
        };
        const ours = evaluate(meshOf(mode, evaluatorPolicies), req);
        // Ports Envoy never sees and pods without a sidecar: istiod generates nothing that decides them.
        if (!to || ours.stage === 'not-injected' || ours.stage === 'not-captured') continue;
        const cfg = await configOf(to);
        const theirs = evaluateGenerated(cfg.listeners, {
          port: f.port,
          principal,
          ...(http ? { http: { method: 'GET', path: '/' } } : {}),
          destinationIp: to.ip,
        });
        compared++;
        if (theirs.allowed) allowed++;
        if (theirs.allowed !== ours.allowed)
          out.push(
            `${f.why}${plaintext ? ' [plaintext]' : ''} (${f.to.namespace}/${f.to.name}:${f.port}): generated ${theirs.allowed ? 'allows' : 'denies'} (${theirs.reason}), evaluator ${ours.allowed ? 'allows' : 'denies'} (${ours.reason})`,
          );
      }
      expect(compared, 'flows compared').toBeGreaterThan(20);
      console.log(
        `mesh-wide ${mode}: ${compared} flows into sidecars compared, generated rules allow ${allowed}, deny ${compared - allowed}, ${out.length} disagreements`,
      );
      return out;
    }

    it('mesh-wide STRICT: no disagreement', async () => {
      expect(await disagreements('STRICT')).toEqual([]);
    });

    it('mesh-wide PERMISSIVE: no disagreement', async () => {
      // The verdicts on the contract are the same under both modes, so each phase first waits until istiod
      // serves its listeners: PERMISSIVE has a plaintext chain on the demo's port, STRICT none.
      const demo = e().demo;
      const plaintext = async () =>
        evaluateGenerated((await istiod.configOf(demo)).listeners, {
          port: demo.ports[0]!.containerPort,
          http: { method: 'GET', path: '/' },
          destinationIp: demo.ip,
        }).chain !== undefined;
      expect(await plaintext(), 'no plaintext chain under STRICT').toBe(false);
      replace(meshWidePeerAuthentication('PERMISSIVE'));
      try {
        await waitUntil(plaintext, REGENERATE_MS, 'a plaintext filter chain under PERMISSIVE', 200);
        expect(await disagreements('PERMISSIVE')).toEqual([]);
      } finally {
        replace(meshWidePeerAuthentication('STRICT'));
      }
      await waitUntil(async () => !(await plaintext()), REGENERATE_MS, 'no plaintext filter chain under STRICT again', 200);
      expect(await disagreements('STRICT')).toEqual([]);
    });

    it('can fail: istiod given a policy without its metrics rule disagrees with the evaluator reading the bundle', async () => {
      const original = policies().find((p) => p.metadata.name === config.tracing.collector.name)! as Obj;
      const mutated = structuredClone(original);
      mutated.spec.rules = mutated.spec.rules.slice(0, 1);
      replace(mutated);
      let seen: string[] = [];
      try {
        await waitUntil(
          async () => {
            seen = await disagreements('STRICT');
            return seen.length > 0;
          },
          REGENERATE_MS,
          'a disagreement',
          500,
        );
      } finally {
        replace(original);
      }
      expect(seen.join('\n')).toMatch(/scrapes .*otel-collector.*generated denies/);
      await untilClean(() => disagreements('STRICT'), 'agreement again');
    });
  });

  describe('the ingress gateway', () => {
    const gatewayNamed = (name: string) =>
      objects.find((o) => o.kind === 'Gateway' && /\.istio\.io\//.test(o.apiVersion ?? '') && o.metadata.name === name)!;
    /** The bundle's one Gateway on the ingress gateway: the demo's and the UIs' hosts. */
    const edgeGateway = () => gatewayNamed(config.ingress.gatewayName);
    const vsOf = (gw: Obj) =>
      objects.filter(
        (o) =>
          o.kind === 'VirtualService' &&
          (o.spec.gateways ?? []).some((g: string) => g === gw.metadata.name || g === `${gw.metadata.namespace}/${gw.metadata.name}`),
      );
    const drOf = (host: string) => objects.find((o) => o.kind === 'DestinationRule' && o.spec.host === host);
    const seconds = (d: string) => Number(d.replace(/s$/, ''));

    /**
     * The filter chain of a gateway listener that serves a Gateway server: by SNI for HTTPS (the server's
     * hosts are the chain's server names, pilot/pkg/model/gateway.go GetSNIHostsForServer; `*` may also
     * come out as no server names at all), the only one for HTTP.
     */
    const chainOf = (l: Any, server: Any) => {
      const chains: Any[] = l.filterChains ?? [];
      if (server.port.protocol !== 'HTTPS') return chains[0];
      const wild = server.hosts.includes('*');
      return chains.find((c) => {
        const names: string[] = c.filterChainMatch?.serverNames ?? [];
        return wild ? names.length === 0 || names.includes('*') : server.hosts.every((h: string) => names.includes(h));
      });
    };

    /** Problems of the gateway's listeners, TLS, routes and client clusters against a Gateway, its VirtualServices and DestinationRules. */
    const gatewayProblems = async (gw: Obj = edgeGateway()) => {
      const cfg = await istiod.configOf(e().gateway);
      const out: string[] = [];
      for (const server of gw.spec.servers) {
        const port = server.port.number;
        const l = cfg.listeners.find((x: Any) => x.address?.socketAddress?.portValue === port);
        if (!l) {
          out.push(`no listener on ${port}`);
          continue;
        }
        const chain = chainOf(l, server);
        if (!chain) {
          out.push(`listener ${l.name}: no filter chain for ${server.hosts.join(',')}`);
          continue;
        }
        // TLS as the Gateway says (pilot/pkg/networking/core/listener.go applyServerTLSSettings: minProtocolVersion
        // becomes common_tls_context.tls_params.tls_minimum_protocol_version; credentialName the SDS secret
        // kubernetes://<name>, pilot/pkg/model/credentials/resource.go ToResourceName).
        const tls = chain.transportSocket?.typedConfig?.commonTlsContext;
        if (server.port.protocol === 'HTTPS') {
          if (!tls) out.push(`listener ${l.name}: no TLS on the chain for ${server.hosts.join(',')}`);
          else {
            const min = tls.tlsParams?.tlsMinimumProtocolVersion;
            if (server.tls.minProtocolVersion === 'TLSV1_3' && min !== 'TLSv1_3')
              out.push(`listener ${l.name}: TLS minimum ${min}, not TLSv1_3`);
            const sds = (tls.tlsCertificateSdsSecretConfigs ?? []).map((c: Any) => c.name);
            if (!sds.includes(`kubernetes://${server.tls.credentialName}`))
              out.push(`listener ${l.name}: certificate from ${sds.join(',')}, not kubernetes://${server.tls.credentialName}`);
          }
        } else if (tls) out.push(`listener ${l.name}: TLS on the plain HTTP port`);
        const routeName = hcmsOf([{ ...l, filterChains: [chain] }])[0]?.hcm.rds?.routeConfigName;
        const rc = cfg.routes.find((r: Any) => r.name === routeName);
        if (!rc) {
          out.push(`listener ${l.name}: no route ${routeName}`);
          continue;
        }
        const hosts = new Set(server.hosts.map((h: string) => h.toLowerCase()));
        const mine = (rc.virtualHosts ?? []).filter((vh: Any) => vh.domains.some((d: string) => hosts.has(d.replace(/:\d+$/, ''))));
        if (!mine.length) out.push(`${rc.name}: no virtual host for ${[...hosts].join(',')}`);
        for (const vh of mine) {
          const redirect = !!vh.requireTls && vh.requireTls !== 'NONE';
          if (redirect !== !!server.tls?.httpsRedirect)
            out.push(`${rc.name}/${vh.name}: requireTls ${vh.requireTls}, the Gateway's httpsRedirect is ${!!server.tls?.httpsRedirect}`);
        }
        const routes: Any[] = mine.flatMap((v: Any) => v.routes ?? []);
        for (const want of vsOf(gw).flatMap((vs) => vs.spec.http)) {
          const r = routes.find((x) => x.name === want.name);
          if (!r) {
            out.push(`${rc.name}: no route ${want.name}`);
            continue;
          }
          const dests = want.route.map((d: Any) => ({
            name: `outbound|${d.destination.port.number}|${d.destination.subset ?? ''}|${d.destination.host}`,
            weight: d.weight ?? 100,
          }));
          const got = r.route.weightedClusters
            ? r.route.weightedClusters.clusters.map((c: Any) => ({ name: c.name, weight: c.weight }))
            : [{ name: r.route.cluster, weight: 100 }];
          if (JSON.stringify(got) !== JSON.stringify(dests))
            out.push(`${rc.name}/${want.name}: routes to ${JSON.stringify(got)}, not ${JSON.stringify(dests)}`);
          if (want.timeout && seconds(r.route.timeout) !== seconds(want.timeout))
            out.push(`${rc.name}/${want.name}: timeout ${r.route.timeout}, not ${want.timeout}`);
          if (want.retries) {
            const rp = r.route.retryPolicy ?? {};
            if (rp.numRetries !== want.retries.attempts || seconds(rp.perTryTimeout) !== seconds(want.retries.perTryTimeout))
              out.push(
                `${rc.name}/${want.name}: retries ${rp.numRetries} x ${rp.perTryTimeout}, not ${want.retries.attempts} x ${want.retries.perTryTimeout}`,
              );
            for (const on of want.retries.retryOn.split(','))
              if (
                !String(rp.retryOn ?? '')
                  .split(',')
                  .includes(on)
              )
                out.push(`${rc.name}/${want.name}: retryOn ${rp.retryOn} lacks ${on}`);
          }
          for (const d of dests) {
            const c = cfg.clusters.find((x: Any) => x.name === d.name);
            if (!c) {
              out.push(`no cluster ${d.name}`);
              continue;
            }
            const tp = drOf(d.name.split('|')[3]!)?.spec.trafficPolicy;
            if (!tp) continue;
            const th = c.circuitBreakers?.thresholds?.[0] ?? {};
            const want2 = {
              maxConnections: tp.connectionPool.tcp.maxConnections,
              maxPendingRequests: tp.connectionPool.http.http1MaxPendingRequests,
              maxRequests: tp.connectionPool.http.http2MaxRequests,
              maxRetries: tp.connectionPool.http.maxRetries,
            };
            const got2 = {
              maxConnections: th.maxConnections,
              maxPendingRequests: th.maxPendingRequests,
              maxRequests: th.maxRequests,
              maxRetries: th.maxRetries,
            };
            if (JSON.stringify(got2) !== JSON.stringify(want2))
              out.push(`${d.name}: circuit breaker ${JSON.stringify(got2)}, not ${JSON.stringify(want2)}`);
            const od = c.outlierDetection ?? {};
            if (
              od.consecutive5xx !== tp.outlierDetection.consecutive5xxErrors ||
              od.maxEjectionPercent !== tp.outlierDetection.maxEjectionPercent
            )
              out.push(`${d.name}: outlier detection ${JSON.stringify(od)}`);
            // ISTIO_MUTUAL: mTLS with the proxy's own certificate (SDS "default") to injected endpoints.
            const sockets = JSON.stringify(c.transportSocketMatches ?? c.transportSocket ?? null);
            if (tp.tls?.mode === 'ISTIO_MUTUAL' && !/"name":"default"/.test(sockets)) out.push(`${d.name}: no Istio mTLS transport socket`);
          }
        }
      }
      return out;
    };

    it('every host (the demo, the UIs): HTTPS with TLS 1.3 minimum and the configured certificate, HTTP redirected, routes, retries and limits as the VirtualServices and DestinationRules say', async () => {
      expect(edgeGateway().spec.servers.map((s: Any) => s.port.protocol)).toEqual(['HTTP', 'HTTPS']);
      expect(vsOf(edgeGateway()).map((vs) => vs.metadata.name)).toEqual(
        expect.arrayContaining([`${config.demo.name}-ingress`, ...uiHosts(config).map((h) => uiRouteName(h.ui))]),
      );
      expect(await gatewayProblems()).toEqual([]);
    });

    it('can fail: TLS 1.2 allowed, or no redirect', async () => {
      const gw = edgeGateway();
      const tls12 = withSpec(gw, {
        ...gw.spec,
        servers: gw.spec.servers.map((s: Any) =>
          s.port.protocol === 'HTTPS' ? { ...s, tls: { ...s.tls, minProtocolVersion: 'TLSV1_2' } } : s,
        ),
      });
      await expectDetected([tls12], [gw], () => gatewayProblems(), /TLS minimum TLSv1_2/);
      const plain = withSpec(gw, {
        ...gw.spec,
        servers: gw.spec.servers.map((s: Any) => (s.port.protocol === 'HTTP' ? { ...s, tls: undefined } : s)),
      });
      await expectDetected([plain], [gw], () => redirectProblems(gw), /requireTls/);
    });

    /** Virtual hosts of port 80 for the UI hosts that do not redirect to HTTPS. */
    const redirectProblems = async (gw: Obj) => {
      const cfg = await istiod.configOf(e().gateway);
      const hosts = new Set(gw.spec.servers.flatMap((s: Any) => s.hosts));
      return cfg.routes
        .filter((r: Any) => r.name === 'http.80')
        .flatMap((r: Any) => r.virtualHosts ?? [])
        .filter((vh: Any) => vh.domains.some((d: string) => hosts.has(d)) && vh.requireTls !== 'ALL')
        .map((vh: Any) => `http.80/${vh.name}: requireTls ${vh.requireTls ?? 'NONE'}`);
    };

    /**
     * The sign-in on the gateway's HTTP connection managers of the UI hosts (pilot/pkg/security/authz/builder/
     * builder.go buildHTTP with IsCustomBuilder): an RBAC filter whose shadow rules mark the UI hosts
     * (`:authority` matchers, ignoring case) and the ext_authz filter after it, calling the provider's
     * cluster for marked requests only; never the deny a broken provider turns into
     * ("-deny-due-to-bad-CUSTOM-action").
     */
    /** The HTTP filters of the gateway's HTTPS connection manager that serves the UI hosts; undefined without one. */
    const uiHostFilters = async (): Promise<Any[] | undefined> => {
      const cfg = await istiod.configOf(e().gateway);
      const https = edgeGateway().spec.servers.find((s: Any) => s.port.protocol === 'HTTPS');
      const l = cfg.listeners.find((x: Any) => x.address?.socketAddress?.portValue === https.port.number);
      const chain = l && chainOf(l, https);
      const hcm = chain && hcmsOf([{ ...l, filterChains: [chain] }])[0]?.hcm;
      return hcm ? (hcm.httpFilters ?? []) : undefined;
    };
    const signInProblems = async () => {
      const provider = mesh.extensionProviders.find((p: Any) => p.name === config.ingress.signIn.provider)?.envoyExtAuthzHttp;
      const out: string[] = provider ? [] : [`no provider ${config.ingress.signIn.provider} in the mesh config`];
      const filters = await uiHostFilters();
      if (!filters) return [...out, 'no HTTP connection manager for the UI hosts'];
      const text = JSON.stringify(filters);
      if (text.includes('-deny-due-to-bad-CUSTOM-action'))
        out.push('istiod rendered the CUSTOM policy as a deny (provider invalid or undefined)');
      const i = filters.findIndex((f) => f.name === 'envoy.filters.http.ext_authz');
      if (i < 0) return [...out, 'no ext_authz filter'];
      const ext = filters[i].typedConfig;
      const cluster = `outbound|${config.ingress.signIn.port}||${config.ingress.signIn.service}`;
      if (ext.httpService?.serverUri?.cluster !== cluster)
        out.push(`ext_authz calls ${ext.httpService?.serverUri?.cluster}, not ${cluster}`);
      if (ext.failureModeAllow) out.push('ext_authz fails open');
      const rbac = filters[i - 1];
      if (rbac?.name !== 'envoy.filters.http.rbac') out.push(`the filter before ext_authz is ${rbac?.name}, not the marking RBAC`);
      const rules = JSON.stringify(rbac?.typedConfig?.shadowRules ?? {});
      for (const { host } of uiHosts(config))
        for (const m of [`{"exact":"${host}","ignoreCase":true}`, `{"prefix":"${host}:","ignoreCase":true}`])
          if (!rules.includes(m)) out.push(`the ext_authz rules do not mark ${m}`);
      // Plain HTTP is left to the redirect: the marking rules exclude the gateway pod's HTTP ports.
      for (const port of [80, 8080])
        if (!new RegExp(`"notRule":\\{[^]*"destinationPort":${port}\\b`).test(rules))
          out.push(`the ext_authz rules do not exclude port ${port}`);
      return out;
    };

    it('the UIs ask the sign-in: the ext_authz filter to the provider, enabled by RBAC shadow rules on every UI host', async () => {
      expect(await signInProblems()).toEqual([]);
    });

    it('the recorded sign-in filters the e2e tier runs upstream Envoy and oauth2-proxy with are what istiod generates now', async () => {
      const filters = (await uiHostFilters()) ?? [];
      const i = filters.findIndex((f) => f.name === 'envoy.filters.http.ext_authz');
      const current: SignInFixture = {
        comment:
          "Written by packages/cli/test/cluster/istiod.cluster.test.ts from the ingress gateway's HTTPS connection manager istiod generates for the bundle of meshobs.config.ts (the marking RBAC filter and the ext_authz filter of the UIs' sign-in); read by packages/istio/test/sign-in.e2e.test.ts. Regenerate with MESHOBS_UPDATE_FIXTURES=1 npm run test:cluster.",
        uiHosts: uiHosts(config).map(({ host }) => host),
        filters: i > 0 ? filters.slice(i - 1, i + 1) : [],
      };
      expect(current.filters.map((f) => f.name)).toEqual(['envoy.filters.http.rbac', 'envoy.filters.http.ext_authz']);
      expectRecorded(SIGN_IN_FIXTURE, current);
    });

    it('can fail: a CUSTOM policy naming a provider the mesh config lacks, and one that leaves a UI host out', async () => {
      const policy = objects.find((o) => o.kind === 'AuthorizationPolicy' && o.spec?.action === 'CUSTOM')!;
      await expectDetected(
        [withSpec(policy, { ...policy.spec, provider: { name: 'no-such-provider' } })],
        [policy],
        signInProblems,
        /as a deny/,
      );
      const [first] = policy.spec.rules[0].to[0].operation.hosts;
      await expectDetected(
        [withSpec(policy, { ...policy.spec, rules: [{ to: [{ operation: { hosts: [first] } }] }] })],
        [policy],
        signInProblems,
        /do not mark/,
      );
    });

    it('can fail: a Gateway selector that matches no gateway pod', async () => {
      const gw = edgeGateway();
      await expectDetected(
        [withSpec(gw, { ...gw.spec, selector: { istio: 'no-such-gateway' } })],
        [gw],
        () => gatewayProblems(gw),
        /no (listener|filter chain|virtual host)/,
      );
    });

    it('can fail: a DestinationRule limit the cluster does not carry', async () => {
      const vs = vsOf(edgeGateway()).find((v) => drOf(v.spec.http[0].route[0].destination.host))!;
      const dr = drOf(vs.spec.http[0].route[0].destination.host)!;
      const mutated = structuredClone(dr);
      mutated.spec.trafficPolicy.connectionPool.tcp.maxConnections = 7;
      await expectDetected([mutated], [dr], gatewayProblems, /circuit breaker .*"maxConnections":7/);
    });
  });
});
