// Faults: the export target disappears for 20 s (sending queue + retry must hold every kept span),
// and a burst against a small memory limit (memory_limiter must refuse, the process must live).

import { durationSeconds, parseConfig } from '@meshobs/config';
import { COLLECTOR_METRICS, COMPONENT_IDS } from '@meshobs/signals';
import { missingTools, sleep, stopAll, waitUntil } from '@meshobs/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryLimiter } from '../src/pipeline.ts';
import { metricSum, newSpanId, newTraceId, readSpans, sendSpans, startGeneratedCollector, startSink } from './harness.ts';

const TRACES_PER_SECOND = 500;

describe.skipIf(missingTools('otelcol-meshobs'))('faults', () => {
  afterAll(stopAll);

  it('Jaeger down for 20 s while traffic flows: no kept span is lost', async () => {
    const config = parseConfig({ tracing: { collector: { mode: 'single' } } });
    let sink = await startSink('fault-sink');
    const reuse = { grpcPorts: [Number(sink.endpoints[0]!.split(':')[1])], files: sink.files };
    const collector = await startGeneratedCollector('fault-collector', config, sink.endpoints[0]!);
    const http = `127.0.0.1:${collector.ports.otlpHttp}`;

    const sent = new Set<string>();
    const started = Date.now();
    let outage: Promise<void> | undefined;
    let peakQueue = 0;
    // 30 s of ordinary traffic (kept at 100%), TRACES_PER_SECOND traces per second, two spans each: the
    // traces decided while the target is gone (~14 s of traffic) are more than 5,000, what a queue counted in
    // requests held, as tail sampling hands every kept trace to the exporter as a request of its own.
    while (Date.now() - started < 30_000) {
      const elapsed = Date.now() - started;
      if (!outage && elapsed > 4000)
        outage = (async () => {
          await sink.stop();
          await sleep(20_000);
          sink = await startSink('fault-sink-again', 1, reuse);
        })();
      const batch = Array.from({ length: TRACES_PER_SECOND }, () => {
        const traceId = newTraceId();
        const root = newSpanId();
        return [
          { traceId, spanId: root, name: 'GET /api', attributes: { 'url.path': '/api' } },
          { traceId, spanId: newSpanId(), parentSpanId: root, name: 'SELECT orders' },
        ];
      }).flat();
      expect(await sendSpans(http, 'orders', batch)).toBe(200);
      for (const s of batch) sent.add(s.spanId);
      peakQueue = Math.max(
        peakQueue,
        metricSum(await collector.metrics(), COLLECTOR_METRICS.exporterQueueSize, { exporter: COMPONENT_IDS.jaegerExporter }),
      );
      await sleep(1000);
    }
    await outage;
    const m = await collector.metrics();
    const failedDuringOutage = metricSum(m, COLLECTOR_METRICS.exporterSendFailedSpans);
    // Until every span is at the sink, or the queue refused some and has drained what it held.
    await waitUntil(
      async () => {
        if (new Set(readSpans(sink.files[0]!).map((s) => s.spanId)).size >= sent.size) return true;
        const now = await collector.metrics();
        const q = { exporter: COMPONENT_IDS.jaegerExporter };
        return (
          metricSum(now, COLLECTOR_METRICS.exporterEnqueueFailedSpans) > 0 && metricSum(now, COLLECTOR_METRICS.exporterQueueSize, q) === 0
        );
      },
      durationSeconds(config.tracing.tailSampling.decisionWait) * 1000 + 90_000,
      'every span at the restarted sink',
      1000,
    );
    const stored = new Set(readSpans(sink.files[0]!).map((s) => s.spanId));
    const lost = [...sent].filter((id) => !stored.has(id));
    console.log(
      `outage: sent ${sent.size} spans, stored ${stored.size}, lost ${lost.length}; exporter queue peaked at ${peakQueue} (its sizer's unit)`,
    );
    // The outage was real: spans piled up in the sending queue while the target was gone.
    expect(peakQueue).toBeGreaterThan(0);
    expect(lost.length).toBe(0);
    // Nothing was dropped after exhausting retries or because the queue was full.
    const after = await collector.metrics();
    expect(metricSum(after, COLLECTOR_METRICS.exporterSendFailedSpans)).toBe(failedDuringOutage);
    expect(metricSum(after, COLLECTOR_METRICS.exporterEnqueueFailedSpans)).toBe(0);
    await collector.proc.stop();
  });

  it('memory_limiter refuses a burst against a small limit; the process keeps running', async () => {
    const config = parseConfig({
      tracing: { collector: { mode: 'single', resources: { requests: { memory: '64Mi' }, limits: { memory: '128Mi' } } } },
    });
    const limits = memoryLimiter(config);
    const sink = await startSink('burst-sink');
    const collector = await startGeneratedCollector('burst-collector', config, sink.endpoints[0]!, {
      GOMEMLIMIT: `${limits.limit_mib}MiB`,
    });
    const http = `127.0.0.1:${collector.ports.otlpHttp}`;
    const blob = 'x'.repeat(20_000);
    const statuses: number[] = [];
    let peakRss = 0;
    // ~2 MB per request, 40 in flight: one wave (~80 MB) is past the soft limit (limit - spike) by
    // itself, and tail sampling holds it for decision_wait, so the next wave is refused however slowly
    // this machine sends (no race between the sender's pace and decision_wait). Bounded in waves.
    for (let waves = 0; waves < 20 && !statuses.some((s) => s !== 200); waves++) {
      const wave = await Promise.all(
        Array.from({ length: 40 }, () =>
          sendSpans(
            http,
            'burst',
            Array.from({ length: 100 }, () => ({ traceId: newTraceId(), spanId: newSpanId(), name: 'big', attributes: { payload: blob } })),
          ).catch(() => -1),
        ),
      );
      statuses.push(...wave);
      peakRss = Math.max(peakRss, metricSum(await collector.metrics(), COLLECTOR_METRICS.processMemoryRss));
    }
    const m = await collector.metrics();
    const refused = metricSum(m, COLLECTOR_METRICS.memoryLimiterRefusedSpans);
    const refusedStatuses = [...new Set(statuses.filter((s) => s !== 200))];
    console.log(
      `burst: ${statuses.length} requests, refused statuses ${JSON.stringify(refusedStatuses)}, memory_limiter refused ${refused} spans, ` +
        `limit ${limits.limit_mib} MiB (spike ${limits.spike_limit_mib}), peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`,
    );
    expect(refused).toBeGreaterThan(0);
    expect(metricSum(m, COLLECTOR_METRICS.receiverRefusedSpans)).toBeGreaterThan(0);
    // Refusals are retryable for the sender (OTLP/HTTP 429/503), not a crash.
    expect(refusedStatuses.every((s) => s === 429 || s === 503)).toBe(true);
    expect(collector.proc.child.exitCode).toBeNull();
    const health = await fetch(`http://127.0.0.1:${collector.ports.health}/`);
    expect(health.status).toBeLessThan(600);
    expect(collector.proc.child.exitCode).toBeNull();
  });
});
