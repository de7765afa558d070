// Upstream Envoy 1.40 as the judge of Envoy-only facts, with what istiod generated from the bundle
// (fixtures/istiod-generated.json, recorded and kept current by the cluster tier's istiod test):
// 1. spans: the demo pod's inbound tracing block (OpenTelemetry tracer, custom tags, sampling) sends
//    spans through a wire tap into a real collector; their attributes carry the bundle's tags as Istio
//    names them, and the tap measures one span's size on the wire;
// 2. the sampling split: Envoy's spans through the bundle's own collector config (tail sampling) keep
//    100 % / 10 % / 1 % of ordinary / health-check / /metrics traces, with trace ids chosen by the test
//    (traceparent), so the outcome is fixed;
// 3. stats: the client cluster istiod generated from the bundle's DestinationRule, forced to overflow,
//    with the stats configuration of Istio's bootstrap and the bundle's proxyStatsMatcher: every envoy_*
//    metric the alerts and panels read exists, with the cluster_name label they select on.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { durationSeconds, parseConfig } from '@meshobs/config';
import { CIRCUIT_BREAKER_ENVOY_STATS, COLLECTOR_METRICS, ENVOY_METRICS } from '@meshobs/signals';
import { freePort, missingTools, stopAll, waitUntil } from '@meshobs/testkit';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import repoConfig from '../../../meshobs.config.ts';
import {
  metricSum,
  readSpans,
  type StoredSpan,
  startGeneratedCollector,
  startSink,
  withinFourSigma,
} from '../../otel-collector/test/harness.ts';
import { customTags, meshConfig } from '../src/index.ts';
import {
  type App,
  type Envoy,
  FIXTURE,
  grpcCluster,
  httpListener,
  type IstiodFixture,
  localCluster,
  startApp,
  startEnvoy,
} from './envoy-kit.ts';
import { startWireTap, type WireTap } from './otlp-wire-tap.ts';

type Any = any;

const config = parseConfig(repoConfig);
const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as IstiodFixture;
/** The proxy environment the injection template gives istio-proxy, for a pod of the demo's Deployment. */
const POD_ENV = { POD_NAME: 'podinfo-stable-6c9d7f8b5d-q7x2k', POD_NAMESPACE: 'podinfo', INSTANCE_IP: '10.244.1.17' };
/** The node pilot-agent gives that pod's proxy (istio/istio pkg/bootstrap/config.go): Envoy puts its id on every span. */
const POD_NODE = {
  id: `sidecar~${POD_ENV.INSTANCE_IP}~${POD_ENV.POD_NAME}.${POD_ENV.POD_NAMESPACE}~${POD_ENV.POD_NAMESPACE}.svc.cluster.local`,
  cluster: fixture.demo.serviceCluster,
};
/** The Host a mesh client sends to the demo Service, so the span's http.url is as long as in a cluster. */
const HOST = `podinfo.podinfo.svc.cluster.local:${config.demo.port}`;
/** Istio's inbound cluster name for the demo's port, on the span as upstream_cluster. */
const INBOUND_CLUSTER = `inbound|${config.demo.port}||`;
/** A browser's user agent: the longest of the common ones, so the measured size is not flattered. */
const USER_AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** The tracer's cluster name, as istiod wrote it into the tracing block. */
const tracerCluster = (tracing: Any): string => tracing.provider.typedConfig.grpcService.envoyGrpc.clusterName;

/** An inbound-like listener with istiod's tracing block, routing everything to the app. */
async function tracingEnvoy(name: string, tracing: Any, collectorPort: number, appPort: number): Promise<{ envoy: Envoy; port: number }> {
  const port = await freePort();
  const envoy = await startEnvoy(
    name,
    {
      listeners: [
        httpListener('inbound', port, {
          statPrefix: 'inbound_0.0.0.0_9898',
          tracing,
          routeConfig: {
            virtualHosts: [{ name: 'inbound', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: INBOUND_CLUSTER } }] }],
          },
        }),
      ],
      clusters: [
        grpcCluster(tracerCluster(tracing), collectorPort),
        { ...grpcCluster(INBOUND_CLUSTER, appPort), typedExtensionProtocolOptions: undefined },
      ],
    },
    {},
    POD_ENV,
    POD_NODE,
  );
  return { envoy, port };
}

const traceId = (label: string) => createHash('sha256').update(label).digest('hex').slice(0, 32);
const traceparent = (id: string) => `00-${id}-${'0'.repeat(15)}1-01`;

/** One GET over HTTP/1.1 (node:http, so the Host header can be set); resolves with the status. */
function get(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false, timeout: 60_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Sends `n` requests with bounded concurrency; `statuses` fills as the answers come. */
async function send(
  n: number,
  url: (i: number) => string,
  headers: (i: number) => Record<string, string> = () => ({}),
  concurrency = 8,
  statuses: number[] = [],
) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        statuses.push(await get(url(i), { host: HOST, 'user-agent': USER_AGENT, ...headers(i) }));
      }
    }),
  );
  return statuses;
}

describe.skipIf(missingTools('envoy', 'otelcol-meshobs'))(
  'upstream Envoy with the tracing and clusters istiod generated from the bundle',
  () => {
    const closers: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const c of closers.splice(0)) await c();
      await stopAll();
    });
    afterAll(stopAll);

    it('istiod turned the bundle into an OpenTelemetry tracer with every custom tag (the fixture is current: the cluster tier checks it)', () => {
      const t = fixture.demo.inboundTracing;
      expect(t.provider.name).toBe('envoy.tracers.opentelemetry');
      const tags = new Set((t.customTags as Any[]).map((x) => x.tag));
      for (const tag of Object.keys(customTags(config))) expect(tags, tag).toContain(tag);
    });

    it('spans reach the real collector with the bundle tags as Istio names them; one span weighs what the tap measures', async () => {
      const app = await startApp();
      closers.push(app.close);
      const sink = await startSink('envoy-spans-sink');
      const tap: WireTap = await startWireTap(Number(sink.endpoints[0]!.split(':')[1]));
      closers.push(tap.close);
      const { port } = await tracingEnvoy('envoy-spans', fixture.demo.inboundTracing, tap.port, app.port);
      const N = 50;
      const ids = Array.from({ length: N }, (_, i) => traceId(`meshobs-envoy-spans-${i}`));
      const statuses = await send(
        N,
        (i) => `http://127.0.0.1:${port}/api/items/${i}`,
        (i) => ({ traceparent: traceparent(ids[i]!) }),
      );
      expect(statuses.every((s) => s === 200)).toBe(true);
      let spans: StoredSpan[] = [];
      // Envoy's tracer flushes every 5 s (runtime tracing.opentelemetry.flush_interval_ms) or every 5 spans.
      await waitUntil(() => readSpans(sink.files[0]!).length >= N, 60_000, `${N} Envoy spans at the collector`, 500);
      spans = readSpans(sink.files[0]!);
      expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set(ids));
      const span = spans.find((s) => s.traceId === ids[0])!;
      const bundleTags = customTags(config);
      // Literal, environment and header tags, each with its value from its source.
      expect(span.attributes).toMatchObject({
        environment: bundleTags.environment.literal.value,
        cluster_name: bundleTags.cluster_name.literal.value,
        pod_name: POD_ENV.POD_NAME,
        namespace: POD_ENV.POD_NAMESPACE,
        'k8s.pod.name': POD_ENV.POD_NAME,
        'k8s.namespace.name': POD_ENV.POD_NAMESPACE,
        // Envoy's request id (it marks the trace decision in the UUID, so not the caller's value verbatim).
        request_id: span.attributes['guid:x-request-id'],
        user_agent: USER_AGENT,
        'http.url': `http://${HOST}/api/items/0`,
        upstream_cluster: INBOUND_CLUSTER,
        node_id: POD_NODE.id,
      });
      // Istio's own literal tags on every span (tracing.go buildServiceTags).
      expect(Object.keys(span.attributes)).toEqual(
        expect.arrayContaining(['istio.canonical_service', 'istio.mesh_id', 'istio.namespace', 'istio.cluster_id']),
      );
      expect(span.service).toBe(fixture.demo.serviceCluster);
      // Sizes on the wire: every span of every export request.
      const sizes = tap.requests.flatMap((r) => r.spanBytes);
      expect(sizes.length).toBeGreaterThanOrEqual(N);
      const perRequest = tap.requests.map((r) => ({ bytes: r.bytes, spans: r.spanBytes.length }));
      const overhead = perRequest.map((r, i) => r.bytes - tap.requests[i]!.spanBytes.reduce((a, b) => a + b, 0));
      const report = {
        spanBytes: { min: Math.min(...sizes), max: Math.max(...sizes), mean: Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length) },
        requestOverheadBytes: Math.max(...overhead),
        requests: perRequest.length,
        attributes: Object.keys(span.attributes).length,
      };
      console.log(`Envoy span on the wire: ${JSON.stringify(report)}`);
      console.log(`attribute keys of one span as sent: ${JSON.stringify(rawAttributeKeys(sink.files[0]!, ids[0]!))}`);
      // docs/performance.md ("Envoy span size") quotes this measurement; it may move by a few bytes with
      // the tag values, not by a factor.
      expect(report.spanBytes.max).toBeGreaterThan(600);
      expect(report.spanBytes.max).toBeLessThan(2000);
    });

    it('can fail: without a custom tag in the tracing block, its attribute is missing from the span', async () => {
      const app = await startApp();
      closers.push(app.close);
      const sink = await startSink('envoy-mutant-sink');
      const tracing = {
        ...fixture.demo.inboundTracing,
        customTags: fixture.demo.inboundTracing.customTags.filter((t: Any) => t.tag !== 'cluster_name'),
      };
      const { port } = await tracingEnvoy('envoy-mutant', tracing, Number(sink.endpoints[0]!.split(':')[1]), app.port);
      const id = traceId('meshobs-envoy-mutant');
      await send(
        5,
        (i) => `http://127.0.0.1:${port}/x/${i}`,
        () => ({ traceparent: traceparent(id) }),
      );
      let spans: StoredSpan[] = [];
      await waitUntil(() => readSpans(sink.files[0]!).length >= 5, 60_000, 'the spans of the mutant', 500);
      spans = readSpans(sink.files[0]!);
      expect(spans[0]!.attributes).not.toHaveProperty('cluster_name');
      expect(spans[0]!.attributes).toHaveProperty('request_id');
    });

    it('the bundle samples 100 % / 10 % / 1 % of ordinary / health-check / /metrics traces of real Envoy spans', async () => {
      const app = await startApp();
      closers.push(app.close);
      const single = parseConfig({
        ...repoConfig,
        tracing: { ...repoConfig.tracing, collector: { mode: 'single' }, tailSampling: { decisionWait: '2s' } },
      });
      const sink = await startSink('envoy-split-sink');
      const collector = await startGeneratedCollector('envoy-split-collector', single, sink.endpoints[0]!);
      const { port } = await tracingEnvoy('envoy-split', fixture.demo.inboundTracing, collector.ports.otlpGrpc, app.port);
      const s = single.tracing.sampling;
      const classes = [
        { name: 'ordinary', path: '/api/items', n: 200, percent: s.defaultPercent },
        { name: 'health', path: s.healthCheckPaths[0]!, n: 1000, percent: s.healthCheckPercent },
        { name: 'metrics', path: s.metricsPaths[0]!, n: 2000, percent: s.metricsPercent },
      ];
      for (const c of classes)
        await send(
          c.n,
          () => `http://127.0.0.1:${port}${c.path}`,
          (i) => ({ traceparent: traceparent(traceId(`meshobs-envoy-split-${c.name}-${i}`)) }),
        );
      const total = classes.reduce((a, c) => a + c.n, 0);
      await waitUntil(
        async () => metricSum(await collector.metrics(), COLLECTOR_METRICS.tailSamplingGlobalTracesSampled) >= total,
        durationSeconds(single.tracing.tailSampling.decisionWait) * 1000 + 60_000,
        'a decision for every trace',
        1000,
      );
      const m = await collector.metrics();
      const kept = metricSum(m, COLLECTOR_METRICS.tailSamplingGlobalTracesSampled, { sampled: 'true' });
      await waitUntil(() => readSpans(sink.files[0]!).length >= kept, 60_000, 'every kept span at the sink', 500);
      const spans = readSpans(sink.files[0]!);
      const split = classes.map((c) => {
        const ids = new Set(Array.from({ length: c.n }, (_, i) => traceId(`meshobs-envoy-split-${c.name}-${i}`)));
        const got = new Set(spans.filter((x) => ids.has(x.traceId)).map((x) => x.traceId)).size;
        return { ...c, kept: got, bound: withinFourSigma(got, c.n, c.percent) };
      });
      console.log(`sampling split of Envoy spans: ${split.map((c) => `${c.name} ${c.kept}/${c.n}`).join(', ')}`);
      for (const c of split) expect(c.bound.ok, `${c.name}: ${c.kept} of ${c.n}, bounds ${c.bound.low}..${c.bound.high}`).toBe(true);
      expect(split[0]!.kept).toBe(split[0]!.n);
    });

    it('the alerts and panels read envoy_* metrics that exist, labelled cluster_name, with the circuit breaker istiod generated forced to overflow', async () => {
      const stats = await overflowStats(await apps(closers), meshConfig(config).defaultConfig.proxyStatsMatcher.inclusionSuffixes);
      const cluster = fixture.clientCluster.name as string;
      const samples = (name: string) => stats.split('\n').filter((l) => l.startsWith(`${name}{`));
      for (const s of CIRCUIT_BREAKER_ENVOY_STATS) {
        const lines = samples(s.prometheus);
        expect(lines, `${s.prometheus} on /stats/prometheus`).not.toEqual([]);
        expect(
          lines.some((l) => l.includes(`cluster_name="${cluster}"`)),
          `${s.prometheus}{cluster_name="${cluster}"}`,
        ).toBe(true);
      }
      const value = (name: string) => metricSum(stats, name, { cluster_name: cluster });
      expect(value(ENVOY_METRICS.upstreamRqPendingOverflow)).toBeGreaterThan(0);
      expect(value(ENVOY_METRICS.upstreamCxOverflow)).toBeGreaterThan(0);
      expect(value(ENVOY_METRICS.upstreamRqRetryOverflow)).toBeGreaterThan(0);
      expect(value(ENVOY_METRICS.outlierEjectionsActive)).toBeGreaterThan(0);
      // The service dashboard selects a service's clusters by this label (packages/dashboards queries.ts).
      expect(cluster).toMatch(/^outbound[|].*[|]podinfo[.]podinfo[.]svc.*$/);
    });

    it('can fail: without the bundle proxyStatsMatcher, Istio bootstrap keeps none of those stats', async () => {
      const stats = await overflowStats(await apps(closers), []);
      for (const s of CIRCUIT_BREAKER_ENVOY_STATS)
        expect(
          stats.split('\n').filter((l) => l.startsWith(`${s.prometheus}{`)),
          s.prometheus,
        ).toEqual([]);
    });
  },
);

/** Attribute keys of one span in the order the exporter wrote them, duplicates kept (readSpans folds them). */
function rawAttributeKeys(file: string, traceIdHex: string): string[] {
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean))
    for (const rs of JSON.parse(line).resourceSpans ?? [])
      for (const ss of rs.scopeSpans ?? [])
        for (const sp of ss.spans ?? []) if (sp.traceId === traceIdHex) return sp.attributes.map((a: Any) => a.key);
  return [];
}

/**
 * Istio's bootstrap stats configuration (istio/istio tools/packaging/common/envoy_bootstrap.json and
 * pkg/bootstrap/config.go at the pinned commit eed52ebb66ad): no default tags, the cluster_name tag cut at
 * the `;` istiod ends every cluster's alt_stat_name with, and the inclusion list of required prefixes,
 * RBAC suffixes, the vhost/route regex and the proxyStatsMatcher of meshConfig.defaultConfig.
 */
function istioStatsConfig(suffixes: string[]) {
  return {
    statsConfig: {
      useAllDefaultTags: false,
      statsTags: [{ tagName: 'cluster_name', regex: '^cluster(\\.(.+);)' }],
      statsMatcher: {
        inclusionList: {
          patterns: [
            { prefix: 'reporter=' },
            ...['cluster_manager', 'listener_manager', 'server', 'cluster.xds-grpc', 'wasm'].map((prefix) => ({ prefix })),
            ...['rbac.allowed', 'rbac.denied', 'shadow_allowed', 'shadow_denied', ...suffixes].map((suffix) => ({ suffix })),
            { safeRegex: { regex: 'vhost\\..*\\.route\\..*' } },
            { prefix: 'component' },
            { prefix: 'istio' },
          ],
        },
      },
    },
  };
}

/**
 * Two endpoints: Envoy ejects a host only while the ejected share, that host included, stays within
 * maxEjectionPercent (envoyproxy/envoy source/common/upstream/outlier_detection_impl.cc ejectHost;
 * docs/intro/arch_overview/outlier.rst), 50 % in the bundle: the only host of a one-endpoint cluster is
 * never ejected (measured here: no ejection with one endpoint).
 */
async function apps(closers: Array<() => Promise<void>>): Promise<App[]> {
  const two = [await startApp(), await startApp()];
  closers.push(...two.map((a) => a.close));
  return two;
}

/** Drives the generated client cluster into every overflow and returns /stats/prometheus. */
async function overflowStats(apps: App[], suffixes: string[]): Promise<string> {
  const port = await freePort();
  const route = fixture.gatewayRoute;
  const envoy = await startEnvoy(
    'envoy-overflow',
    {
      listeners: [
        httpListener('gateway', port, {
          statPrefix: 'outbound_0.0.0.0_80',
          routeConfig: {
            virtualHosts: [
              {
                name: 'podinfo',
                domains: ['*'],
                // istiod's retry conditions and count; its timeouts (10 s, 2 s per try) lengthened so a request
                // the app holds while the pool fills up does not time out first.
                routes: [
                  {
                    match: { prefix: '/' },
                    route: {
                      cluster: fixture.clientCluster.name,
                      timeout: '120s',
                      retryPolicy: { ...route.retryPolicy, perTryTimeout: '120s' },
                    },
                  },
                ],
              },
            ],
          },
        }),
      ],
      clusters: [
        localCluster(
          fixture.clientCluster,
          apps.map((a) => a.port),
        ),
      ],
    },
    istioStatsConfig(suffixes),
  );
  const t = fixture.clientCluster.circuitBreakers.thresholds[0];
  const url = (path: string) => (i: number) => `http://127.0.0.1:${port}/${path}/${i}`;
  const held = () => apps.reduce((n, a) => n + a.held(), 0);
  /** `n` requests at once; `statuses` fills as the answers come. */
  const fire = (n: number, path: string) => {
    const statuses: number[] = [];
    const done = send(n, url(path), () => ({}), n, statuses);
    return { statuses, done };
  };
  const releaseAll = () => {
    for (const a of apps) a.release();
  };
  // 1. Every connection busy: maxConnections requests the app holds (HTTP/1.1, one request per connection).
  const busy = fire(t.maxConnections, 'slow');
  await waitUntil(() => held() === t.maxConnections, 60_000, `${t.maxConnections} requests held upstream`, 50);
  // 2. More requests: no connection may be opened (cx_overflow), maxPendingRequests wait, the rest are refused (UO) at once.
  const extra = 40;
  const queued = fire(t.maxPendingRequests + extra, 'slow');
  await waitUntil(() => queued.statuses.length === extra, 60_000, `the ${extra} requests beyond the pending queue to be refused`, 50);
  expect(
    queued.statuses.every((s) => s === 503),
    'refused by the circuit breaker',
  ).toBe(true);
  releaseAll();
  await busy.done;
  await queued.done;
  // 3. Retries: the app holds failures, so the retries that got one of the maxRetries slots stay active
  //    and every other retry overflows, answering at once.
  for (const a of apps) a.holdFailures(true);
  const failing = 4 * t.maxRetries;
  const failed = fire(failing, 'fail');
  await waitUntil(() => held() === failing, 60_000, `${failing} failing requests held`, 50);
  releaseAll();
  await waitUntil(
    () => held() === t.maxRetries && failed.statuses.length === failing - t.maxRetries,
    60_000,
    'the retries beyond maxRetries to overflow',
    50,
  );
  for (const a of apps) a.holdFailures(false);
  releaseAll();
  await failed.done;
  // 4. Consecutive 5xx: a host is ejected (one of the two: maxEjectionPercent 50).
  await send(20, url('fail'), () => ({}), 1);
  await waitUntil(
    async () =>
      /::health_flags::.*failed_outlier_check/.test(await fetch(`http://127.0.0.1:${envoy.admin}/clusters`).then((r) => r.text())),
    30_000,
    'a host to be ejected',
    50,
  );
  const text = await envoy.stats();
  await envoy.proc.stop();
  return text;
}
