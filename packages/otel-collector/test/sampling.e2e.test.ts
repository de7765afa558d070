// Tail sampling end to end: the generated config in the real collector, traces sent over OTLP/HTTP
// with ids from a seed (the probabilistic policies hash the trace id: the same ids give the same kept
// share on every run), kept traces counted in a second real collector's file exporter.
import { durationSeconds, parseConfig } from '@meshobs/config';
import { COLLECTOR_METRICS, SAMPLING_POLICIES } from '@meshobs/signals';
import { missingTools, sleep, stopAll, waitUntil } from '@meshobs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Collector,
  metricSum,
  readSpans,
  type Sink,
  type SpanSpec,
  seededIds,
  sendSpans,
  startGeneratedCollector,
  startSink,
  withinFourSigma,
} from './harness.ts';

const TRACES = 3000;
/** Traces per OTLP request, and the pace per class (what telemetrygen --rate=600 sent before). */
const PER_REQUEST = 100;
const TRACES_PER_SECOND = 600;

/** One class of traffic: a service name (to count at the sink) and the span attributes it carries. */
const CLASSES: Array<{ service: string; percent: number; attrs: Record<string, string> }> = [
  { service: 'ordinary', percent: 100, attrs: { 'url.path': '/api/items', 'http.route': '/api/items' } },
  { service: 'healthz-otel', percent: 10, attrs: { 'url.path': '/healthz', 'http.route': '/healthz' } },
  { service: 'readyz-target', percent: 10, attrs: { 'http.target': '/readyz?full=1' } },
  { service: 'metrics-otel', percent: 1, attrs: { 'url.path': '/metrics' } },
  { service: 'healthz-envoy', percent: 10, attrs: { 'http.url': 'http://podinfo.podinfo.svc.cluster.local:9898/healthz' } },
  { service: 'metrics-envoy', percent: 1, attrs: { 'http.url': 'http://10.0.0.7:9898/metrics' } },
  // Envoy-style URL whose path only *starts* like a health check: ordinary.
  { service: 'envoy-lookalike', percent: 100, attrs: { 'http.url': 'http://podinfo:9898/healthz-report' } },
];

/** Every trace of a class: a root span and one child, both carrying the class's attributes. */
function classTraces(c: (typeof CLASSES)[number]): SpanSpec[][] {
  const ids = seededIds(`sampling/${c.service}`);
  return Array.from({ length: TRACES }, () => {
    const traceId = ids.traceId();
    const root = ids.spanId();
    return [
      { traceId, spanId: root, name: 'lets-go', attributes: c.attrs },
      { traceId, spanId: ids.spanId(), parentSpanId: root, name: 'okey-dokey', attributes: c.attrs },
    ];
  });
}

describe.skipIf(missingTools('otelcol-meshobs'))('tail sampling with the generated config', () => {
  // One process running the whole pipeline; twotier.e2e.test.ts runs the default two-tier topology.
  const config = parseConfig({ tracing: { collector: { mode: 'single' } } });
  let sink: Sink;
  let collector: Collector;

  beforeAll(async () => {
    sink = await startSink('sampling-sink');
    collector = await startGeneratedCollector('sampling-collector', config, sink.endpoints[0]!);
  });
  afterAll(stopAll);

  it('keeps 100% / 10% / 1% per class, within 4 sigma, for OTel and Envoy path attributes', async () => {
    const http = `127.0.0.1:${collector.ports.otlpHttp}`;
    await Promise.all(
      CLASSES.map(async (c) => {
        const traces = classTraces(c);
        for (let i = 0; i < traces.length; i += PER_REQUEST) {
          const [status] = await Promise.all([
            sendSpans(http, c.service, traces.slice(i, i + PER_REQUEST).flat()),
            sleep((PER_REQUEST / TRACES_PER_SECOND) * 1000),
          ]);
          expect(status, `${c.service}: OTLP/HTTP status`).toBe(200);
        }
      }),
    );
    // Every trace is decided once (decision_wait after its first span); then every exported span
    // must have reached the sink's file.
    await waitUntil(
      async () => metricSum(await collector.metrics(), COLLECTOR_METRICS.tailSamplingGlobalTracesSampled) >= CLASSES.length * TRACES,
      durationSeconds(config.tracing.tailSampling.decisionWait) * 1000 + 60_000,
      'a sampling decision for every trace',
      1000,
    );
    await waitUntil(
      async () => {
        const m = await collector.metrics();
        // Every span of every kept trace (root + one child), not just what was exported so far: the
        // batch processor may still hold the last spans when the queue is already empty.
        const keptSpans = metricSum(m, COLLECTOR_METRICS.tailSamplingGlobalTracesSampled, { sampled: 'true' }) * 2;
        return metricSum(m, COLLECTOR_METRICS.exporterQueueSize) === 0 && keptSpans > 0 && readSpans(sink.files[0]!).length >= keptSpans;
      },
      60_000,
      'the sink to hold every exported span',
      1000,
    );
    const spans = readSpans(sink.files[0]!);
    const report: string[] = [];
    for (const c of CLASSES) {
      const mine = spans.filter((s) => s.service === c.service);
      const traces = new Map<string, number>();
      for (const s of mine) traces.set(s.traceId, (traces.get(s.traceId) ?? 0) + 1);
      const kept = traces.size;
      const b = withinFourSigma(kept, TRACES, c.percent);
      report.push(`${c.service}: kept ${kept}/${TRACES} (expected ${b.mean.toFixed(0)}, 4σ [${b.low.toFixed(0)}, ${b.high.toFixed(0)}])`);
      // Kept traces are whole: parent and child.
      expect(
        [...traces.values()].every((n) => n === 2),
        `${c.service} has incomplete traces`,
      ).toBe(true);
      if (c.percent === 100) expect(kept, c.service).toBe(TRACES);
      else expect(b.ok, report.at(-1)).toBe(true);
    }
    console.log(report.join('\n'));

    // The collector's own telemetry agrees, per policy.
    const m = await collector.metrics();
    const sampledBy = (policy: string) => metricSum(m, COLLECTOR_METRICS.tailSamplingTracesSampled, { policy, sampled: 'true' });
    expect(sampledBy(SAMPLING_POLICIES.ordinary)).toBe(2 * TRACES);
    expect(metricSum(m, COLLECTOR_METRICS.receiverAcceptedSpans)).toBe(CLASSES.length * TRACES * 2);
  });
});
