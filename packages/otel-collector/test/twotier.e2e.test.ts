// The default topology (two-tier): the generated load-balancing config (static resolver of loopback
// samplers in place of the k8s resolver) in front of as many collectors running the generated sampler
// config as the default samplerReplicas. Spans of one trace come from several services (sidecars),
// each span in its own request, so only trace-id routing can bring a trace together on one sampler.

import { defaultConfig, durationSeconds } from '@meshobs/config';
import { resolveModel } from '@meshobs/model';
import { COLLECTOR_METRICS } from '@meshobs/signals';
import { missingTools, stopAll, waitUntil } from '@meshobs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorConfigFile, renderCollector, SAMPLER_CONFIG_FILE } from '../src/index.ts';
import {
  type Collector,
  freePorts,
  localize,
  metricSum,
  readSpans,
  type Sink,
  type SpanSpec,
  seededIds,
  sendSpans,
  startCollector,
  startSink,
  withinFourSigma,
} from './harness.ts';

const SPANS_PER_TRACE = 4;
const TRACES = 900;
/** Traces sent straight to the samplers, one sidecar per sampler, as a Service without trace-id routing would. */
const CONTROL_TRACES = 60;

interface Trace {
  id: string;
  cls: 'ordinary' | 'health';
  spans: SpanSpec[];
}

/** Seeded ids: which traces the health share keeps, and which sampler each goes to, are the same on every run. */
function makeTraces(seed: string, n: number, healthEvery: number): Trace[] {
  const ids = seededIds(seed);
  const out: Trace[] = [];
  for (let i = 0; i < n; i++) {
    const id = ids.traceId();
    const root = ids.spanId();
    const cls = healthEvery && i % healthEvery === 0 ? 'health' : 'ordinary';
    const path = cls === 'health' ? '/healthz' : '/api/orders';
    const spans: SpanSpec[] = [{ traceId: id, spanId: root, name: 'root', attributes: { 'url.path': path } }];
    for (let k = 1; k < SPANS_PER_TRACE; k++) spans.push({ traceId: id, spanId: ids.spanId(), parentSpanId: root, name: `child-${k}` });
    out.push({ id, cls, spans });
  }
  return out;
}

/** Span k of every trace comes from the sidecar of service "svc-k". */
const serviceOf = (k: number) => `svc-${k}`;

async function sendAll(requests: Array<() => Promise<number>>) {
  for (let i = 0; i < requests.length; i += 50) {
    const statuses = await Promise.all(requests.slice(i, i + 50).map((send) => send()));
    expect(statuses.every((s) => s === 200)).toBe(true);
  }
}

describe.skipIf(missingTools('otelcol-meshobs'))('two-tier (the default): load balancing by trace id in front of the samplers', () => {
  const config = defaultConfig();
  const bundle = renderCollector(resolveModel(config));
  let sink: Sink;
  let lb: Collector;
  let samplers: Collector[];

  const decided = async () =>
    (await Promise.all(samplers.map(async (s) => metricSum(await s.metrics(), COLLECTOR_METRICS.tailSamplingGlobalTracesSampled)))).reduce(
      (a, b) => a + b,
      0,
    );
  const keptDecisions = async () =>
    (
      await Promise.all(
        samplers.map(async (s) => metricSum(await s.metrics(), COLLECTOR_METRICS.tailSamplingGlobalTracesSampled, { sampled: 'true' })),
      )
    ).reduce((a, b) => a + b, 0);
  const storedSpans = () => sink.files.reduce((n, f) => n + readSpans(f).length, 0);
  const decisionTimeout = durationSeconds(config.tracing.tailSampling.decisionWait) * 1000 + 60_000;

  /** Trace id -> the samplers whose output holds its spans, and its span count. */
  function stored(ids: Set<string>) {
    const owners = new Map<string, Set<number>>();
    const counts = new Map<string, number>();
    for (const [i, f] of sink.files.entries()) {
      for (const s of readSpans(f).filter((x) => ids.has(x.traceId))) {
        owners.set(s.traceId, (owners.get(s.traceId) ?? new Set()).add(i));
        counts.set(s.traceId, (counts.get(s.traceId) ?? 0) + 1);
      }
    }
    return { owners, counts };
  }

  beforeAll(async () => {
    expect(config.tracing.collector.mode).toBe('two-tier');
    expect(config.tracing.collector.samplerReplicas).toBeGreaterThanOrEqual(2);
    // One sink process, one receiver+file per sampler: a trace split across samplers shows up in two files.
    sink = await startSink('twotier-sink', config.tracing.collector.samplerReplicas);
    const samplerYaml = collectorConfigFile(bundle, SAMPLER_CONFIG_FILE);
    samplers = [];
    for (const [i, endpoint] of sink.endpoints.entries()) {
      const ports = await freePorts();
      const cfg = localize(samplerYaml, ports, { exportTo: endpoint });
      // Test-only: OTLP/HTTP on the sampler too, for the control below (the bundle's samplers take gRPC only).
      cfg.receivers.otlp.protocols.http = { endpoint: `127.0.0.1:${ports.otlpHttp}` };
      samplers.push(await startCollector(`sampler-${i}`, cfg, ports));
    }
    const lbPorts = await freePorts();
    const backends = samplers.map((s) => `127.0.0.1:${s.ports.otlpGrpc}`);
    lb = await startCollector('load-balancer', localize(collectorConfigFile(bundle), lbPorts, { backends }), lbPorts);
  });
  afterAll(stopAll);

  it('routes every span of a trace to one sampler; kept traces are complete; health share in its band; every sampler works', async () => {
    const traces = makeTraces('twotier', TRACES, 3);
    // Each span in its own request from its own service, in two waves more than one batch timeout
    // apart, so the spans of one trace cross the load balancer in different batches.
    const http = `127.0.0.1:${lb.ports.otlpHttp}`;
    for (const wave of [
      [0, 2],
      [2, SPANS_PER_TRACE],
    ] as const)
      await sendAll(traces.flatMap((t) => t.spans.slice(...wave).map((s, j) => () => sendSpans(http, serviceOf(wave[0] + j), [s]))));

    await waitUntil(async () => (await decided()) >= traces.length, decisionTimeout, 'every trace decided', 1000);
    // Wait for every span of every kept trace, not just for what has been exported so far: under
    // load one sampler's batch can still be in flight when another's has landed.
    await waitUntil(
      async () => {
        const kept = await keptDecisions();
        return kept > 0 && storedSpans() >= kept * SPANS_PER_TRACE;
      },
      60_000,
      'every span of every kept trace at the sink',
      1000,
    );

    const { owners, counts } = stored(new Set(traces.map((t) => t.id)));
    const split = [...owners.values()].filter((o) => o.size > 1).length;
    const incomplete = [...counts.values()].filter((n) => n !== SPANS_PER_TRACE).length;
    const n = (cls: string) => traces.filter((t) => t.cls === cls).length;
    const kept = (cls: string) => traces.filter((t) => t.cls === cls && counts.has(t.id)).length;
    const perSampler = samplers.map((_, i) => [...owners.values()].filter((o) => o.has(i)).length);
    const health = withinFourSigma(kept('health'), n('health'), config.tracing.sampling.healthCheckPercent);
    console.log(
      `two-tier, ${samplers.length} samplers: kept traces per sampler ${perSampler.join(' / ')}; kept ordinary ${kept('ordinary')}/${n('ordinary')}, ` +
        `health ${kept('health')}/${n('health')} (expected ${health.mean.toFixed(0)}, 4σ [${health.low.toFixed(0)}, ${health.high.toFixed(0)}]); split ${split}; incomplete ${incomplete}`,
    );
    expect(split).toBe(0);
    expect(incomplete).toBe(0);
    expect(kept('ordinary')).toBe(n('ordinary'));
    expect(health.ok, `health kept ${kept('health')} outside [${health.low}, ${health.high}]`).toBe(true);
    for (const k of perSampler) expect(k).toBeGreaterThan(0);
    for (const s of samplers) expect(metricSum(await s.metrics(), COLLECTOR_METRICS.receiverAcceptedSpans)).toBeGreaterThan(0);
    expect(metricSum(await lb.metrics(), COLLECTOR_METRICS.loadBalancerBackends)).toBe(samplers.length);
  });

  it('control: the same samplers fed per sidecar, without trace-id routing, split every trace', async () => {
    // What several replicas behind a plain Service do: each sidecar's connection lands on one replica.
    const traces = makeTraces('twotier-control', CONTROL_TRACES, 0);
    const before = await decided();
    await sendAll(
      traces.flatMap((t) =>
        t.spans.map((s, k) => () => sendSpans(`127.0.0.1:${samplers[k % samplers.length]!.ports.otlpHttp}`, serviceOf(k), [s])),
      ),
    );
    // Each trace is decided once per sampler that saw a piece of it.
    const pieces = CONTROL_TRACES * Math.min(SPANS_PER_TRACE, samplers.length);
    await waitUntil(async () => (await decided()) - before >= pieces, decisionTimeout, 'every piece decided', 1000);
    const ids = new Set(traces.map((t) => t.id));
    await waitUntil(
      async () => [...stored(ids).counts.values()].reduce((a, b) => a + b, 0) >= CONTROL_TRACES * SPANS_PER_TRACE,
      60_000,
      'control spans at the sink',
      1000,
    );
    const split = [...stored(ids).owners.values()].filter((o) => o.size > 1).length;
    console.log(`control without trace-id routing: ${split}/${CONTROL_TRACES} traces split across samplers`);
    expect(split).toBe(CONTROL_TRACES);
  });
});
