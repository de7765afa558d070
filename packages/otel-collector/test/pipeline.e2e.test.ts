// The generated config in the real collector: `validate`, custom tags on stored spans, and the
// metric names metrics.ts promises to dashboards.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '@meshobs/config';
import { resolveModel } from '@meshobs/model';
import { COLLECTOR_METRICS, SPAN_METRIC_LABELS, SPAN_METRICS } from '@meshobs/signals';
import { missingTools, requireTool, stopAll, tempDir, waitUntil } from '@meshobs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderCollector } from '../src/index.ts';
import { type Collector, newSpanId, newTraceId, readSpans, type Sink, sendSpans, startGeneratedCollector, startSink } from './harness.ts';

const skip = missingTools('otelcol-meshobs');

describe.skipIf(skip)('otelcol validate accepts every generated config', () => {
  for (const mode of ['single', 'two-tier'] as const)
    it(`${mode} mode`, () => {
      const dir = tempDir('validate');
      for (const f of renderCollector(resolveModel(parseConfig({ tracing: { collector: { mode, debugExtensions: true } } }))).files.filter(
        (f) => f.path.endsWith('config.yaml'),
      )) {
        const path = join(dir, f.path);
        writeFileSync(path, f.content);
        // Throws (failing the test) with the collector's message on a non-zero exit.
        execFileSync(requireTool('otelcol-meshobs'), ['validate', `--config=${path}`], { stdio: 'pipe' });
      }
    });
});

describe.skipIf(skip)('custom tags and exposed metrics', () => {
  const config = parseConfig({ tracing: { collector: { mode: 'single' } } });
  let sink: Sink;
  let collector: Collector;

  beforeAll(async () => {
    sink = await startSink('tags-sink');
    collector = await startGeneratedCollector('tags-collector', config, sink.endpoints[0]!);
  });
  afterAll(stopAll);

  it('stored spans carry environment, cluster_name, pod/namespace, request_id and user_agent for OTel and Envoy names', async () => {
    const http = `127.0.0.1:${collector.ports.otlpHttp}`;
    const otelTrace = newTraceId();
    const envoyTrace = newTraceId();
    // An application span: semantic-convention names, pod identity on the resource.
    expect(
      await sendSpans(
        http,
        'frontend',
        [
          {
            traceId: otelTrace,
            spanId: newSpanId(),
            name: 'GET /api',
            attributes: { 'url.path': '/api', 'http.request.header.x-request-id': ['rid-otel-1'], 'user_agent.original': 'curl/8.5' },
          },
        ],
        { 'k8s.pod.name': 'frontend-7d9f', 'k8s.namespace.name': 'podinfo' },
      ),
    ).toBe(200);
    // An Envoy span: Istio custom tags / Envoy's own tag names, no pod identity on the resource.
    expect(
      await sendSpans(http, 'podinfo.podinfo', [
        {
          traceId: envoyTrace,
          spanId: newSpanId(),
          name: 'podinfo.podinfo.svc.cluster.local:9898/*',
          attributes: {
            'http.url': 'http://podinfo:9898/api',
            'guid:x-request-id': 'rid-envoy-1',
            user_agent: 'kube-probe/1.31',
            pod_name: 'podinfo-5c7',
            namespace: 'podinfo',
          },
        },
      ]),
    ).toBe(200);
    await waitUntil(() => readSpans(sink.files[0]!).length >= 2, 60_000, 'both spans at the sink', 500);
    const spans = readSpans(sink.files[0]!);
    const app = spans.find((s) => s.traceId === otelTrace)!.attributes;
    const envoy = spans.find((s) => s.traceId === envoyTrace)!.attributes;
    for (const [span, rid, ua, pod] of [
      [app, 'rid-otel-1', 'curl/8.5', 'frontend-7d9f'],
      [envoy, 'rid-envoy-1', 'kube-probe/1.31', 'podinfo-5c7'],
    ] as const) {
      expect(span).toMatchObject({
        environment: config.cluster.environment,
        cluster_name: config.cluster.name,
        request_id: rid,
        user_agent: ua,
        'user_agent.original': ua,
        pod_name: pod,
        'k8s.pod.name': pod,
        namespace: 'podinfo',
        'k8s.namespace.name': 'podinfo',
      });
    }
  });

  it('exposes the metric names dashboards import from metrics.ts', async () => {
    const spanMetricsUrl = `http://127.0.0.1:${collector.ports.spanMetrics}/metrics`;
    // spanmetrics flushes every 15 s.
    await waitUntil(async () => (await (await fetch(spanMetricsUrl)).text()).includes(SPAN_METRICS.calls), 40_000, 'span metrics', 1000);
    const span = await (await fetch(spanMetricsUrl)).text();
    for (const name of Object.values(SPAN_METRICS)) expect(span, name).toMatch(new RegExp(`^${name}\\{`, 'm'));
    const calls = span.split('\n').find((l) => l.startsWith(`${SPAN_METRICS.calls}{`) && l.includes('service_name="frontend"'))!;
    for (const label of Object.values(SPAN_METRIC_LABELS)) expect(calls, label).toContain(`${label}=`);

    const own = await collector.metrics();
    // Exposed from the start by the components of the single-tier pipeline (the load balancer's
    // metrics only exist in two-tier mode; see twotier.e2e.test.ts).
    const lbOnly = [COLLECTOR_METRICS.loadBalancerBackends, COLLECTOR_METRICS.loadBalancerBackendOutcome];
    const eventOnly = [
      COLLECTOR_METRICS.memoryLimiterRefusedSpans,
      COLLECTOR_METRICS.exporterSendFailedSpans,
      COLLECTOR_METRICS.exporterEnqueueFailedSpans,
      COLLECTOR_METRICS.tailSamplingSpansSampled,
    ];
    const missing = Object.values(COLLECTOR_METRICS).filter(
      (n) => ![...lbOnly, ...eventOnly].includes(n as never) && !new RegExp(`^${n}[{ ]`, 'm').test(own),
    );
    expect(missing).toEqual([]);
  });
});
