// Full batches of Envoy-sized spans cross every hop of the default topology: the generated
// load-balancing config -> the generated sampler config -> the real Jaeger v2 with the config
// packages/jaeger generates (memory storage instead of the search engine), with zero spans refused
// and zero dropped. The spans carry every attribute an Istio sidecar's Envoy sets plus the bundle's
// custom tags (@meshobs/testkit envoy-spans.ts, ~1.2 KiB each).
//
// The spans reach the load balancer in one request, so each tier's batch is the largest it can make
// however fast or slow the machine is: what many sidecars' small flushes add up to within a flush
// timeout under load, made deterministic. The mutation runs the same path on the old transport
// settings (batches of 8,192-16,384 spans counted in items, receivers at gRPC's 4 MiB default) and
// expects the next hop to refuse the batch, at both hops.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig, durationSeconds, OTLP_TRANSPORT } from '@meshobs/config';
import { collectorConfig } from '@meshobs/jaeger';
import { resolveModel } from '@meshobs/model';
import { COLLECTOR_METRICS as M } from '@meshobs/signals';
import {
  ENVOY_PATH,
  encodeExportRequest,
  envoyResourceSpans,
  envoySpan,
  freePort,
  missingTools,
  type Proc,
  type ProtoSpan,
  podName,
  requestId,
  requireTool,
  startProcess,
  stopAll,
  tempDir,
  userAgent,
  waitUntil,
} from '@meshobs/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { collectorConfigFile, renderCollector, SAMPLER_CONFIG_FILE } from '../src/index.ts';
import { NAMESPACE, POD_NAME } from '../src/pod-identity.ts';
import { CUSTOM_TAGS } from '../src/tags.ts';
import { type Collector, freePorts, localize, metricSum, newSpanId, newTraceId, startCollector } from './harness.ts';

type Obj = Record<string, any>;
const MiB = 2 ** 20;
const TRACES = 2500;
const SPANS = TRACES * ENVOY_PATH.length;

const config = defaultConfig();
const bundle = renderCollector(resolveModel(config));

/** The Istio Telemetry's custom tags on a span of hop `w` (packages/istio telemetry.ts customTags). */
function bundleTags(w: (typeof ENVOY_PATH)[number], n: number): Record<string, string> {
  const pod = podName(w, n % 3);
  return {
    [CUSTOM_TAGS.environment]: config.cluster.environment,
    [CUSTOM_TAGS.clusterName]: config.cluster.name,
    [CUSTOM_TAGS.podName]: pod,
    [CUSTOM_TAGS.namespace]: w.namespace,
    [CUSTOM_TAGS.requestId]: requestId(n),
    [CUSTOM_TAGS.userAgent]: userAgent(n),
    [POD_NAME]: pod,
    [NAMESPACE]: w.namespace,
  };
}

/** TRACES traces, one span per hop of ENVOY_PATH, grouped as each hop's sidecar sends them. */
function envoyRequest(): { body: Uint8Array; traceIds: string[] } {
  const now = BigInt(Date.now()) * 1_000_000n;
  const byHop: ProtoSpan[][] = ENVOY_PATH.map(() => []);
  const traceIds: string[] = [];
  for (let t = 0; t < TRACES; t++) {
    const traceId = newTraceId();
    traceIds.push(traceId);
    let parent: string | undefined;
    ENVOY_PATH.forEach((w, hop) => {
      const spanId = newSpanId();
      byHop[hop]!.push(
        envoySpan({
          traceId,
          spanId,
          parentSpanId: parent,
          workload: w,
          n: t,
          path: `/${w.app}/${t % 50}`,
          startTimeUnixNano: now - 50_000_000n + BigInt(hop) * 1_000_000n,
          durationNanos: 5_000_000n,
          customTags: bundleTags(w, t),
        }),
      );
      parent = spanId;
    });
  }
  return { body: encodeExportRequest(ENVOY_PATH.map((w, hop) => envoyResourceSpans(w, byHop[hop]!))), traceIds };
}

async function post(otlpHttp: string, body: Uint8Array): Promise<number> {
  const res = await fetch(`http://${otlpHttp}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

// ---- the real Jaeger, from the config packages/jaeger generates ----

interface Jaeger {
  proc: Proc;
  otlpGrpc: string;
  queryUrl: string;
  metrics(): Promise<string>;
}

const STORAGE = 'es_main';

/** Every `0.0.0.0:<port>` listener to loopback, the search engine to memory, plus a query endpoint to read traces back. */
async function startJaeger(name: string, edit: (cfg: Obj) => void = () => {}): Promise<Jaeger> {
  const cfg = structuredClone(collectorConfig(config)) as Obj;
  const otlpGrpc = await freePort();
  const health = await freePort();
  const metrics = await freePort();
  const query = await freePort();
  cfg.receivers.otlp.protocols.grpc.endpoint = `127.0.0.1:${otlpGrpc}`;
  cfg.receivers.otlp.protocols.http.endpoint = `127.0.0.1:${await freePort()}`;
  cfg.extensions.healthcheckv2.http.endpoint = `127.0.0.1:${health}`;
  cfg.extensions.jaeger_storage.backends = { [STORAGE]: { memory: { max_traces: 20_000 } } };
  cfg.extensions.jaeger_query = {
    storage: { traces: STORAGE },
    enable_tracing: false,
    http: { endpoint: `127.0.0.1:${query}` },
    grpc: { endpoint: `127.0.0.1:${await freePort()}` },
  };
  cfg.service.extensions.push('jaeger_query');
  const prom = cfg.service.telemetry.metrics.readers[0].pull.exporter.prometheus;
  prom.host = '127.0.0.1';
  prom.port = metrics;
  edit(cfg);
  const file = join(tempDir(name), 'jaeger.yaml');
  writeFileSync(file, JSON.stringify(cfg));
  const proc = await startProcess(name, requireTool('jaeger'), [`--config=${file}`], {
    readyUrl: `http://127.0.0.1:${health}/status`,
    timeoutMs: 90_000,
  });
  return {
    proc,
    otlpGrpc: `127.0.0.1:${otlpGrpc}`,
    queryUrl: `http://127.0.0.1:${query}`,
    metrics: () => fetch(`http://127.0.0.1:${metrics}/metrics`).then((r) => r.text()),
  };
}

/** A counter's value whether or not the exporter added the `_total` suffix. */
const counter = (text: string, name: string, labels: Record<string, string> = {}) =>
  metricSum(text, name.replace(/_total$/, ''), labels) + metricSum(text, name.endsWith('_total') ? name : `${name}_total`, labels);

// ---- the topology ----

/** The old transport settings (before byte-sized batches): what the mutation restores. */
function oldTransport(cfg: Obj): void {
  const queues = [cfg.exporters?.['otlp_grpc/jaeger']?.sending_queue, cfg.exporters?.load_balancing?.protocol?.otlp?.sending_queue];
  for (const q of queues) if (q) q.batch = { sizer: 'items', flush_timeout: '1s', min_size: 8192, max_size: 16384 };
  const grpc = cfg.receivers?.otlp?.protocols?.grpc;
  if (grpc) delete grpc.max_recv_msg_size_mib;
}

interface Topology {
  jaeger: Jaeger;
  sampler: Collector;
  lb: Collector;
}

async function startTopology(edit: (cfg: Obj) => void = () => {}): Promise<Topology> {
  const jaeger = await startJaeger('batch-jaeger', edit);
  const samplerPorts = await freePorts();
  const sampler = localize(collectorConfigFile(bundle, SAMPLER_CONFIG_FILE), samplerPorts, { exportTo: jaeger.otlpGrpc });
  // Test-only: an OTLP/HTTP receiver on the sampler (the bundle's takes gRPC only), to feed it directly.
  sampler.receivers.otlp.protocols.http = { endpoint: `127.0.0.1:${samplerPorts.otlpHttp}` };
  // Observation only: `detailed` adds the exporter's batch-size histogram.
  sampler.service.telemetry.metrics.level = 'detailed';
  edit(sampler);
  const lbPorts = await freePorts();
  const lb = localize(collectorConfigFile(bundle), lbPorts, { backends: [`127.0.0.1:${samplerPorts.otlpGrpc}`] });
  edit(lb);
  return {
    jaeger,
    sampler: await startCollector('batch-sampler', sampler, samplerPorts),
    lb: await startCollector('batch-load-balancer', lb, lbPorts),
  };
}

const http = (c: Collector) => `127.0.0.1:${c.ports.otlpHttp}`;
const decisionTimeout = durationSeconds(config.tracing.tailSampling.decisionWait) * 1000 + 90_000;

/** A refusal by the next hop, as the sending exporter logs it (otlpexporter: not retried, dropped). */
const REFUSED = /ResourceExhausted|larger than max/;

describe.skipIf(missingTools('otelcol-meshobs', 'jaeger'))('full batches of Envoy-sized spans through both tiers into Jaeger', () => {
  afterEach(stopAll);

  it('as generated: every span stored, none refused, none dropped; batches up to the byte bound', async () => {
    const { jaeger, sampler, lb } = await startTopology();
    const { body, traceIds } = envoyRequest();
    console.log(
      `one request of ${SPANS} Envoy spans: ${(body.length / MiB).toFixed(1)} MiB, ${(body.length / SPANS).toFixed(0)} B per span`,
    );
    expect(body.length / SPANS).toBeGreaterThan(1100);
    expect(await post(http(lb), body)).toBe(200);

    // Until every span is stored, or a hop logs a refusal (then the counts below say where).
    await waitUntil(
      async () =>
        counter(await jaeger.metrics(), 'otelcol_exporter_sent_spans_total', { exporter: 'jaeger_storage_exporter' }) >= SPANS ||
        REFUSED.test(lb.proc.output() + sampler.proc.output()),
      decisionTimeout,
      `all ${SPANS} spans stored by Jaeger`,
      1000,
    );
    const refusal = `${lb.proc.output()}\n${sampler.proc.output()}`.split('\n').find((l) => REFUSED.test(l));
    expect(refusal, 'a hop refused a batch').toBeUndefined();
    const [l, s, j] = [await lb.metrics(), await sampler.metrics(), await jaeger.metrics()];
    const counts = {
      lbAccepted: metricSum(l, M.receiverAcceptedSpans),
      lbRefused: metricSum(l, M.receiverRefusedSpans),
      samplerAccepted: metricSum(s, M.receiverAcceptedSpans),
      samplerRefused: metricSum(s, M.receiverRefusedSpans),
      samplerSent: metricSum(s, M.exporterSentSpans, { exporter: 'otlp_grpc/jaeger' }),
      samplerFailed: metricSum(s, M.exporterSendFailedSpans, { exporter: 'otlp_grpc/jaeger' }),
      jaegerAccepted: counter(j, 'otelcol_receiver_accepted_spans_total'),
      jaegerRefused: counter(j, 'otelcol_receiver_refused_spans_total'),
      jaegerStored: counter(j, 'otelcol_exporter_sent_spans_total', { exporter: 'jaeger_storage_exporter' }),
    };
    // Observed with the `detailed` telemetry: the gRPC calls the sampler served (each one batch of the
    // load balancer's backend exporter, which has no metrics of its own), and the sampler's batches to Jaeger.
    const exportCalls = metricSum(s, 'rpc_server_call_duration_seconds_count', {
      rpc_method: 'opentelemetry.proto.collector.trace.v1.TraceService/Export',
    });
    const okCalls = metricSum(s, 'rpc_server_call_duration_seconds_count', { rpc_response_status_code: 'OK' });
    const batches = metricSum(s, 'otelcol_exporter_queue_batch_send_size_bytes_count', { exporter: 'otlp_grpc/jaeger' });
    const batchBytes = metricSum(s, 'otelcol_exporter_queue_batch_send_size_bytes_sum', { exporter: 'otlp_grpc/jaeger' });
    const under4MiB = metricSum(s, 'otelcol_exporter_queue_batch_send_size_bytes_bucket', {
      exporter: 'otlp_grpc/jaeger',
      le: '4.194304e+06',
    });
    console.log(
      `${JSON.stringify(counts)}; load balancer -> sampler: ${exportCalls} calls, ${(batchBytes / exportCalls / MiB).toFixed(2)} MiB each; ` +
        `sampler -> Jaeger: ${batches} batches, ${(batchBytes / batches / MiB).toFixed(2)} MiB each`,
    );
    expect(counts).toEqual({
      lbAccepted: SPANS,
      lbRefused: 0,
      samplerAccepted: SPANS,
      samplerRefused: 0,
      samplerSent: SPANS,
      samplerFailed: 0,
      jaegerAccepted: SPANS,
      jaegerRefused: 0,
      jaegerStored: SPANS,
    });
    // The load balancer split the load into full batches (the spans are the same bytes at both hops):
    // every call within the byte bound, on average at 85 % of it or more, and every call answered OK.
    expect(exportCalls).toBeGreaterThanOrEqual(Math.ceil(batchBytes / OTLP_TRANSPORT.batch.maxBytes));
    expect(batchBytes / exportCalls).toBeGreaterThan(0.85 * OTLP_TRANSPORT.batch.maxBytes);
    expect(okCalls).toBe(exportCalls);
    // The sampler's batches to Jaeger: more than one, none over gRPC's 4 MiB default.
    expect(batches).toBeGreaterThanOrEqual(Math.ceil(batchBytes / OTLP_TRANSPORT.batch.maxBytes));
    expect(under4MiB).toBe(batches);

    // And Jaeger serves a trace whole, with Envoy's, Istio's and the bundle's tags.
    const trace = (await (await fetch(`${jaeger.queryUrl}/api/traces/${traceIds[7]}`)).json()) as Obj;
    const spans = trace.data[0].spans as Obj[];
    expect(spans).toHaveLength(ENVOY_PATH.length);
    const tags = new Set(spans[0]!.tags.map((t: Obj) => t.key));
    for (const k of [
      'guid:x-request-id',
      'upstream_cluster.name',
      'istio.canonical_service',
      CUSTOM_TAGS.requestId,
      CUSTOM_TAGS.clusterName,
    ])
      expect(tags).toContain(k);
  });

  it('mutation, the old transport settings: the next hop refuses the batch, at both hops', async () => {
    const { jaeger, sampler, lb } = await startTopology(oldTransport);
    // Hop 1: the load balancer's batch of every span (one batch of items) is refused by the sampler.
    expect(await post(http(lb), envoyRequest().body)).toBe(200);
    await waitUntil(async () => REFUSED.test(lb.proc.output()), 60_000, "the sampler's refusal in the load balancer's log", 500);
    // At least one batch of min_size (8,192 spans) never arrived; a remainder below 4 MiB may.
    expect(metricSum(await sampler.metrics(), M.receiverAcceptedSpans)).toBeLessThanOrEqual(SPANS - 8192);
    // Hop 2: fed directly, the sampler's batch to Jaeger is refused too.
    expect(await post(http(sampler), envoyRequest().body)).toBe(200);
    await waitUntil(
      async () => metricSum(await sampler.metrics(), M.exporterSendFailedSpans, { exporter: 'otlp_grpc/jaeger' }) >= 8192,
      decisionTimeout,
      "Jaeger's refusal counted by the sampler's exporter",
      1000,
    );
    expect(counter(await jaeger.metrics(), 'otelcol_receiver_accepted_spans_total')).toBeLessThanOrEqual(2 * (SPANS - 8192));
    expect(sampler.proc.output()).toMatch(REFUSED);
  });
});
