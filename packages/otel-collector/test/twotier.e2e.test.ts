// Two-tier mode: the generated load-balancing config (static resolver of two loopback samplers in
// place of the k8s resolver) in front of two collectors running the generated sampler config.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingTools, sleep, stopAll, waitUntil } from '@meshobs/testkit';
import { parseConfig, durationSeconds } from '@meshobs/spec';
import { collectorConfigFile, renderCollector, SAMPLER_CONFIG_FILE } from '../src/index.ts';
import { COLLECTOR_METRICS } from '../src/metrics.ts';
import { freePorts, localize, metricSum, newSpanId, newTraceId, readSpans, sendSpans, startCollector, startSink, type Collector, type Sink, type SpanSpec } from './harness.ts';

const SPANS_PER_TRACE = 4;

describe.skipIf(missingTools('otelcol-meshobs'))('two-tier: load balancing by trace id in front of two samplers', () => {
  const config = parseConfig({ tracing: { collector: { mode: 'two-tier' } } });
  const bundle = renderCollector(config);
  let sink: Sink;
  let lb: Collector;
  let samplers: Collector[];

  beforeAll(async () => {
    // One sink process, one receiver+file per sampler: a trace split across samplers would show up in both files.
    sink = await startSink('twotier-sink', 2);
    const samplerYaml = collectorConfigFile(bundle, SAMPLER_CONFIG_FILE);
    samplers = [];
    for (const [i, endpoint] of sink.endpoints.entries()) {
      const ports = await freePorts();
      samplers.push(await startCollector(`sampler-${i}`, localize(samplerYaml, ports, { exportTo: endpoint }), ports));
    }
    const lbPorts = await freePorts();
    const lbYaml = collectorConfigFile(bundle);
    const backends = samplers.map((s) => `127.0.0.1:${s.ports.otlpGrpc}`);
    lb = await startCollector('load-balancer', localize(lbYaml, lbPorts, { backends }), lbPorts);
  });
  afterAll(stopAll);

  it('routes every span of a trace to one sampler; kept traces are complete; both samplers work', async () => {
    const traces: Array<{ id: string; cls: 'ordinary' | 'health'; spans: SpanSpec[] }> = [];
    for (let i = 0; i < 600; i++) {
      const id = newTraceId();
      const root = newSpanId();
      const cls = i % 3 === 0 ? 'health' : 'ordinary';
      const path = cls === 'health' ? '/healthz' : '/api/orders';
      const spans: SpanSpec[] = [{ traceId: id, spanId: root, name: 'root', attributes: { 'url.path': path } }];
      for (let k = 1; k < SPANS_PER_TRACE; k++) spans.push({ traceId: id, spanId: newSpanId(), parentSpanId: root, name: `child-${k}` });
      traces.push({ id, cls, spans });
    }
    // Each span in its own request, in two waves more than one batch timeout apart, so the spans
    // of one trace cross the load balancer in different batches.
    const http = `127.0.0.1:${lb.ports.otlpHttp}`;
    for (const wave of [[0, 2], [2, SPANS_PER_TRACE]] as const) {
      const requests = traces.flatMap((t) => t.spans.slice(...wave).map((s) => () => sendSpans(http, 'checkout', [s])));
      for (let i = 0; i < requests.length; i += 50) {
        const statuses = await Promise.all(requests.slice(i, i + 50).map((send) => send()));
        expect(statuses.every((s) => s === 200)).toBe(true);
      }
      await sleep(2500);
    }

    const decided = async () =>
      (await Promise.all(samplers.map(async (s) => metricSum(await s.metrics(), COLLECTOR_METRICS.tailSamplingGlobalTracesSampled)))).reduce((a, b) => a + b, 0);
    await waitUntil(async () => (await decided()) >= traces.length, durationSeconds(config.tracing.tailSampling.decisionWait) * 1000 + 60_000, 'every trace decided', 1000);
    // Wait for every span of every kept trace, not just for what has been exported so far: under
    // load one sampler's batch can still be in flight when the other's has landed.
    const keptSpans = async () =>
      (await Promise.all(samplers.map(async (s) => metricSum(await s.metrics(), COLLECTOR_METRICS.tailSamplingGlobalTracesSampled, { sampled: 'true' }))))
        .reduce((a, b) => a + b, 0) * SPANS_PER_TRACE;
    await waitUntil(
      async () => {
        const expected = await keptSpans();
        return expected > 0 && sink.files.reduce((n, f) => n + readSpans(f).length, 0) >= expected;
      },
      60_000,
      'every span of every kept trace at the sink',
      1000,
    );

    const perSampler = sink.files.map((f) => readSpans(f));
    const owners = new Map<string, Set<number>>();
    const counts = new Map<string, number>();
    perSampler.forEach((spans, i) =>
      spans.forEach((s) => {
        owners.set(s.traceId, (owners.get(s.traceId) ?? new Set()).add(i));
        counts.set(s.traceId, (counts.get(s.traceId) ?? 0) + 1);
      }),
    );
    const split = [...owners.values()].filter((o) => o.size > 1).length;
    const incomplete = [...counts.values()].filter((n) => n !== SPANS_PER_TRACE).length;
    const kept = (cls: string) => traces.filter((t) => t.cls === cls && counts.has(t.id)).length;
    console.log(
      `sampler spans: ${perSampler.map((s) => s.length).join(' / ')}; kept ordinary ${kept('ordinary')}/400, health ${kept('health')}/200; split ${split}; incomplete ${incomplete}`,
    );
    expect(split).toBe(0);
    expect(incomplete).toBe(0);
    expect(kept('ordinary')).toBe(400);
    // 10% of 200: 4 sigma is about +-17.
    expect(Math.abs(kept('health') - 20)).toBeLessThanOrEqual(17);
    for (const spans of perSampler) expect(spans.length).toBeGreaterThan(0);
    for (const s of samplers) expect(metricSum(await s.metrics(), COLLECTOR_METRICS.receiverAcceptedSpans)).toBeGreaterThan(0);
    expect(metricSum(await lb.metrics(), COLLECTOR_METRICS.loadBalancerBackends)).toBe(2);
  });
});
