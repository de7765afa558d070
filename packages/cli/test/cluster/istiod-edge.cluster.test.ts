// Istio's own verdict on the demo's JWT (demo.jwt): istiod (pilot-discovery of the pinned istio.io/istio
// module, as in istiod.cluster.test.ts) runs against a real API server holding the bundle with a
// RequestAuthentication, and the test reads the inbound HTTP filters it generates for the demo front end:
// - envoy.filters.http.jwt_authn with the configured issuer and audiences, the issuer's keys inlined (istiod
//   fetches the JWKS itself unless PILOT_JWT_ENABLE_REMOTE_JWKS: pilot/pkg/model/jwks_resolver.go), and the
//   requirement {provider OR allow_missing} (pilot/pkg/security/authn/policy_applier.go);
// - jwt_authn before the RBAC filters (pilot/pkg/networking/core/listener_builder.go), and a DENY RBAC filter
//   carrying the require-jwt policy.
// The JWKS is served by this test on 127.0.0.1 (an RSA key generated here): istiod's fetch never leaves the host.
// The same istiod shows the owned namespaces' Sidecar resources at work: the demo's proxies get clusters for
// what the demo calls (its backend, the collector) and none for the rest of the mesh (Jaeger query, the API
// server), the collector's the other way round.
// Each check is shown failing: without the RequestAuthentication the filter disappears, without the
// require-jwt policy the DENY rule, without the Sidecar the demo's proxies get every cluster of the mesh.
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseConfig } from '@meshobs/config';
import { resolveModel } from '@meshobs/model';
import { missingTools, waitUntil } from '@meshobs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import repoConfig from '../../../../meshobs.config.ts';
import { type ApiServer, buildBundle, crdFiles, renderedObjects, startClusterLike } from './cluster-kit.ts';
import type { Obj } from './flows.ts';
import { inboundHcms } from './istiod-config.ts';
import { applyMesh, chartMeshConfig, type Istiod, podStatus, startIstiod, type Workload, workloadsOf } from './istiod-kit.ts';

type Any = any;
const skip = missingTools('pilot-discovery', 'helm', 'etcd', 'kube-apiserver', 'kubectl');
const ISSUER = 'https://sso.example.com';
const REGENERATE_MS = 30_000;
const JWT_FILTER = 'envoy.filters.http.jwt_authn';
const RBAC_FILTER = 'envoy.filters.http.rbac';
const GITHUB = 'api.github.com';

describe.skipIf(skip)('istiod on the edge of what the bundle owns: the demo JWT filters and the Sidecar resources', () => {
  let jwks: Server;
  let api: ApiServer;
  let istiod: Istiod;
  let objects: Obj[];
  let demo: Workload;
  let collector: Workload;
  let userApp: Workload;
  let egressGateway: Workload;
  let config: ReturnType<typeof parseConfig>;
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }) as Any;

  beforeAll(async () => {
    jwks = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [{ ...key, kid: 'meshobs-test', alg: 'RS256', use: 'sig' }] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const port = (jwks.address() as AddressInfo).port;
    const overrides = {
      demo: { ...repoConfig.demo, jwt: { issuer: ISSUER, jwksUri: `http://127.0.0.1:${port}/jwks.json`, audiences: ['podinfo'] } },
      // Routed through the egress gateway; istiod resolves no name of them (Envoy would, STRICT_DNS).
      egress: { hosts: [{ name: 'github', host: GITHUB }] },
    };
    config = parseConfig({ ...repoConfig, ...overrides });
    const model = resolveModel(config);
    const bundle = await buildBundle('istiod-edge', overrides);
    api = await startClusterLike(crdFiles('istio'));
    objects = renderedObjects(api, bundle) as Obj[];
    const workloads = workloadsOf(config, objects);
    demo = workloads.find((w) => w.name === `${config.demo.name}-${config.demo.versions[0]!.name}`)!;
    collector = workloads.find((w) => w.name === config.tracing.collector.name)!;
    // A workload of a namespace the user owns (no Sidecar of the bundle there) and the egress gateway with the
    // gateway chart's Service (ports 80/443, manifests/charts/gateway/values.yaml), as a cluster runs them.
    const egw = model.egress.gateway;
    userApp = {
      name: 'user-app',
      namespace: 'default',
      pod: 'user-app-0',
      ip: '192.0.2.200',
      labels: { app: 'user-app', 'security.istio.io/tlsMode': 'istio' },
      annotations: {},
      serviceAccount: 'default',
      ports: [{ name: 'http', containerPort: 8080 }],
      type: 'sidecar',
    };
    egressGateway = {
      name: egw.name,
      namespace: egw.namespace,
      pod: `${egw.name}-0`,
      ip: '192.0.2.201',
      labels: { ...egw.selector, 'service.istio.io/canonical-name': egw.name, 'sidecar.istio.io/inject': 'true' },
      annotations: { 'inject.istio.io/templates': 'gateway' },
      serviceAccount: egw.name,
      ports: [{ name: 'https', containerPort: 443 }],
      type: 'router',
    };
    const extraPod = (w: Workload): Obj => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: w.pod, namespace: w.namespace, labels: w.labels, annotations: w.annotations },
      spec: { nodeName: 'node-0', serviceAccountName: w.serviceAccount, containers: [{ name: 'app', image: 'stand-in' }] },
    });
    const egressService: Obj = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: egw.name, namespace: egw.namespace },
      spec: {
        type: 'ClusterIP',
        selector: egw.selector,
        ports: [
          { name: 'http2', port: 80, targetPort: 80 },
          { name: 'https', port: 443, targetPort: 443 },
        ],
      },
    };
    const egressSa: Obj = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: egw.name, namespace: egw.namespace } };
    applyMesh(api, config, objects, workloads, [
      egressService,
      egressSa,
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: userApp.serviceAccount, namespace: userApp.namespace } },
      extraPod(userApp),
      extraPod(egressGateway),
      {
        apiVersion: 'security.istio.io/v1',
        kind: 'PeerAuthentication',
        metadata: { name: 'default', namespace: config.namespaces.istio },
        spec: { mtls: { mode: 'STRICT' } },
      },
    ]);
    for (const w of [userApp, egressGateway])
      api.kubectl(['apply', '--server-side', '--subresource=status', '-f', '-'], stringify(podStatus(w)));
    istiod = await startIstiod(api, chartMeshConfig(bundle, config.namespaces.istio));
  });
  afterAll(async () => {
    await istiod?.stop();
    await api?.stop();
    await new Promise((resolve) => (jwks ? jwks.close(resolve) : resolve(undefined)));
  });

  /** Problems of the front end's inbound HTTP filters against the bundle's JWT intent. */
  async function jwtProblems(): Promise<string[]> {
    const cfg = await istiod.configOf(demo);
    const hcms = inboundHcms(cfg.listeners, config.demo.port);
    if (!hcms.length) return ['no inbound HTTP connection manager on the demo port'];
    const out: string[] = [];
    for (const { chain, hcm } of hcms) {
      const names: string[] = (hcm.httpFilters ?? []).map((f: Any) => f.name);
      const jwt = (hcm.httpFilters ?? []).find((f: Any) => f.name === JWT_FILTER)?.typedConfig;
      if (!jwt) {
        out.push(`${chain}: no ${JWT_FILTER}`);
        continue;
      }
      const providers = Object.values(jwt.providers ?? {}) as Any[];
      const p = providers.find((x) => x.issuer === ISSUER);
      if (!p) out.push(`${chain}: no provider for ${ISSUER}`);
      else {
        if (JSON.stringify(p.audiences) !== JSON.stringify(['podinfo'])) out.push(`${chain}: audiences ${JSON.stringify(p.audiences)}`);
        const inline = p.localJwks?.inlineString ?? '';
        if (!inline.includes(key.n)) out.push(`${chain}: the issuer's key is not inlined (${inline.slice(0, 80)})`);
      }
      const any = JSON.stringify(jwt.rules ?? jwt.requirementMap ?? {});
      if (!any.includes('allowMissing')) out.push(`${chain}: requirement without allow_missing: ${any.slice(0, 200)}`);
      const rbac = names.indexOf(RBAC_FILTER);
      if (rbac >= 0 && names.indexOf(JWT_FILTER) > rbac) out.push(`${chain}: ${JWT_FILTER} after ${RBAC_FILTER}`);
      const deny = (hcm.httpFilters ?? []).filter((f: Any) => f.name === RBAC_FILTER && f.typedConfig?.rules?.action === 'DENY');
      if (!deny.some((f: Any) => Object.keys(f.typedConfig.rules.policies ?? {}).some((k) => k.includes('require-jwt'))))
        out.push(`${chain}: no DENY RBAC policy from ${config.demo.name}-require-jwt`);
    }
    return out;
  }

  it('the front end validates tokens of the issuer with its inlined keys before the RBAC filters, and denies tokenless gateway calls', async () => {
    let last: string[] = [];
    await waitUntil(
      async () => {
        last = await jwtProblems();
        return last.length === 0;
      },
      REGENERATE_MS,
      `istiod to generate the JWT filter (still: ${last.join('; ')})`,
      200,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}\n${last.join('\n')}`);
    });
    expect(last).toEqual([]);
  });

  /** Deletes an object, waits until the check reports `expected`, re-creates it and waits until it is clean. */
  async function withoutObject(kind: string, o: Obj, expected: string) {
    api.kubectl(['delete', kind, o.metadata.name, '-n', o.metadata.namespace!]);
    let seen: string[] = [];
    try {
      await waitUntil(
        async () => {
          seen = await jwtProblems();
          return seen.some((p) => p.includes(expected));
        },
        REGENERATE_MS,
        `the check to report "${expected}"`,
        200,
      );
    } finally {
      api.kubectl(['create', '-f', '-'], `---\n${stringify(o)}`);
    }
    expect(seen.some((p) => p.includes(expected))).toBe(true);
    await waitUntil(async () => (await jwtProblems()).length === 0, REGENERATE_MS, 'the check to pass again', 200);
  }

  it('can fail: without the RequestAuthentication there is no JWT filter', async () => {
    await withoutObject('requestauthentication', objects.find((o) => o.kind === 'RequestAuthentication')!, `no ${JWT_FILTER}`);
  });

  /** Outbound clusters (`outbound|port||host`) of a proxy, by host. */
  const outboundHosts = async (w: Workload) =>
    new Set(
      (await istiod.configOf(w)).clusters
        .map((c: Any) => String(c.name).split('|'))
        .filter((p) => p[0] === 'outbound')
        .map((p) => p[3]!),
    );
  const svc = (name: string, ns: string) => `${name}.${ns}.svc.cluster.local`;
  const obs = () => config.namespaces.observability;
  async function sidecarProblems(): Promise<string[]> {
    const out: string[] = [];
    const d = await outboundHosts(demo);
    for (const h of [svc(config.demo.backendName, config.demo.namespace), svc(config.tracing.collector.name, obs())])
      if (!d.has(h)) out.push(`demo: no cluster for ${h}, which it calls`);
    for (const h of [svc(`${config.jaeger.name}-query`, obs()), 'kubernetes.default.svc.cluster.local'])
      if (d.has(h)) out.push(`demo: a cluster for ${h}, which it never calls`);
    const c = await outboundHosts(collector);
    for (const h of [svc(`${config.jaeger.name}-collector`, obs()), 'kubernetes.default.svc.cluster.local'])
      if (!c.has(h)) out.push(`collector: no cluster for ${h}, which it calls`);
    // The collector's namespace (the pipeline's) gets no Sidecar: it is not the bundle's (the user's search-engine
    // Secrets, often the search engine, live there), so its proxies keep every cluster; only what it calls is checked.
    return out;
  }

  /** Where a proxy sends a TLS connection with SNI `host` on port 443: the tcp_proxy cluster of the matching chain. */
  async function sniRoute(w: Workload, host: string): Promise<string | undefined> {
    const cfg = await istiod.configOf(w);
    for (const l of cfg.listeners)
      for (const c of l.filterChains ?? []) {
        const m = c.filterChainMatch ?? {};
        if (!(m.serverNames ?? []).includes(host)) continue;
        if (m.destinationPort !== undefined && m.destinationPort !== 443) continue;
        if (l.address?.socketAddress?.portValue !== 443 && m.destinationPort !== 443) continue;
        const tcp = (c.filters ?? []).find((f: Any) => f.name === 'envoy.filters.network.tcp_proxy');
        if (tcp) return tcp.typedConfig.cluster;
      }
    return undefined;
  }
  const egressProblems = async () => {
    const out: string[] = [];
    const g = resolveModel(config).egress.gateway;
    const fromApp = await sniRoute(userApp, GITHUB);
    if (fromApp !== `outbound|443||${g.serviceHost}`) out.push(`user sidecar sends SNI ${GITHUB} to ${fromApp}, not the egress gateway`);
    const fromGateway = await sniRoute(egressGateway, GITHUB);
    if (fromGateway !== `outbound|443||${GITHUB}`) out.push(`egress gateway sends SNI ${GITHUB} to ${fromGateway}, not the host`);
    return out;
  };

  it("a user's workload sends the listed host's TLS to the egress gateway, which passes it through to the host by SNI", async () => {
    let last: string[] = [];
    await waitUntil(
      async () => {
        last = await egressProblems();
        return last.length === 0;
      },
      REGENERATE_MS,
      'the egress routes',
      200,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}\n${last.join('\n')}`);
    });
    expect(last).toEqual([]);
  });

  it('can fail: without the egress VirtualService the sidecar sends the host straight out', async () => {
    const vs = objects.find((o) => o.kind === 'VirtualService' && o.metadata.name === 'github-egress')!;
    api.kubectl(['delete', 'virtualservice', vs.metadata.name, '-n', vs.metadata.namespace!]);
    let seen: string[] = [];
    try {
      await waitUntil(
        async () => {
          seen = await egressProblems();
          return seen.some((p) => p.startsWith('user sidecar'));
        },
        REGENERATE_MS,
        'the route to bypass the egress gateway',
        200,
      );
    } finally {
      api.kubectl(['create', '-f', '-'], `---\n${stringify(vs)}`);
    }
    expect(seen.some((p) => p.startsWith('user sidecar'))).toBe(true);
    await waitUntil(async () => (await egressProblems()).length === 0, REGENERATE_MS, 'the egress routes to come back', 200);
  });

  it("the owned namespace's Sidecar gives the demo's proxies the clusters of what they call, and no other", async () => {
    let last: string[] = [];
    await waitUntil(
      async () => {
        last = await sidecarProblems();
        return last.length === 0;
      },
      REGENERATE_MS,
      'the Sidecar scoping',
      200,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}\n${last.join('\n')}`);
    });
    expect(last).toEqual([]);
  });

  it("can fail: without the demo's Sidecar its proxies get clusters it never calls", async () => {
    const sidecar = objects.find((o) => o.kind === 'Sidecar' && o.metadata.namespace === config.demo.namespace)!;
    api.kubectl(['delete', 'sidecar', sidecar.metadata.name, '-n', sidecar.metadata.namespace!]);
    let seen: string[] = [];
    try {
      await waitUntil(
        async () => {
          seen = await sidecarProblems();
          return seen.some((p) => p.includes('which it never calls'));
        },
        REGENERATE_MS,
        'the unscoped clusters to appear',
        200,
      );
    } finally {
      api.kubectl(['create', '-f', '-'], `---\n${stringify(sidecar)}`);
    }
    expect(seen.some((p) => p.includes('which it never calls'))).toBe(true);
    await waitUntil(async () => (await sidecarProblems()).length === 0, REGENERATE_MS, 'the scoping to come back', 200);
  });

  it('can fail: without the require-jwt policy there is no DENY rule', async () => {
    const deny = objects.find((o) => o.kind === 'AuthorizationPolicy' && o.metadata.name.endsWith('-require-jwt'))!;
    await withoutObject('authorizationpolicy', deny, 'no DENY RBAC policy');
  });
});
