// Runs the generated collector config on loopback. Only addresses change: every listener moves to
// 127.0.0.1 on a free port, the Jaeger exporter (or load-balancing resolver) points at test
// processes, and k8s_attributes is removed because it needs a Kubernetes API server (or, with
// `kubeApi`, kept and pointed at a test API server through KUBECONFIG). Everything else —
// processors, policies, queue, retry, memory limits — runs exactly as generated.

import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MeshobsConfig } from '@meshobs/config';
import { resolveModel } from '@meshobs/model';
import { COMPONENT_IDS } from '@meshobs/signals';
import { freePort, type Proc, requireTool, startProcess, tempDir } from '@meshobs/testkit';
import { parse } from 'yaml';
import { collectorConfigFile, renderCollector } from '../src/index.ts';

type Obj = Record<string, any>;

export interface Ports {
  otlpGrpc: number;
  otlpHttp: number;
  zipkin: number;
  jaegerGrpc: number;
  jaegerThrift: number;
  metrics: number;
  spanMetrics: number;
  health: number;
}

export async function freePorts(): Promise<Ports> {
  return {
    otlpGrpc: await freePort(),
    otlpHttp: await freePort(),
    zipkin: await freePort(),
    jaegerGrpc: await freePort(),
    jaegerThrift: await freePort(),
    metrics: await freePort(),
    spanMetrics: await freePort(),
    health: await freePort(),
  };
}

const lo = (port: number) => `127.0.0.1:${port}`;

/**
 * The loopback rewrite described above. `exportTo` replaces the Jaeger endpoint; `backends` the k8s
 * resolver; `kubeApi` keeps k8s_attributes, changing only `auth_type` to kubeConfig (the collector
 * then reads the KUBECONFIG environment variable).
 */
export function localize(yamlText: string, ports: Ports, opts: { exportTo?: string; backends?: string[]; kubeApi?: boolean }): Obj {
  const cfg = parse(yamlText) as Obj;
  const r = cfg.receivers;
  if (r.otlp?.protocols?.grpc) r.otlp.protocols.grpc.endpoint = lo(ports.otlpGrpc);
  if (r.otlp?.protocols?.http) r.otlp.protocols.http.endpoint = lo(ports.otlpHttp);
  if (r.zipkin) r.zipkin.endpoint = lo(ports.zipkin);
  if (r.jaeger) {
    r.jaeger.protocols.grpc.endpoint = lo(ports.jaegerGrpc);
    r.jaeger.protocols.thrift_http.endpoint = lo(ports.jaegerThrift);
  }
  cfg.extensions.health_check.endpoint = lo(ports.health);
  const prom = cfg.service.telemetry.metrics.readers[0].pull.exporter.prometheus;
  prom.host = '127.0.0.1';
  prom.port = ports.metrics;
  if (cfg.exporters['prometheus/spanmetrics']) cfg.exporters['prometheus/spanmetrics'].endpoint = lo(ports.spanMetrics);
  const jaeger = cfg.exporters[COMPONENT_IDS.jaegerExporter];
  if (jaeger && opts.exportTo) jaeger.endpoint = opts.exportTo;
  const lb = cfg.exporters[COMPONENT_IDS.loadBalancingExporter];
  if (lb && opts.backends) lb.resolver = { static: { hostnames: opts.backends } };
  if (opts.kubeApi && cfg.processors.k8s_attributes) {
    cfg.processors.k8s_attributes.auth_type = 'kubeConfig';
    return cfg;
  }
  delete cfg.processors.k8s_attributes;
  for (const p of Object.values(cfg.service.pipelines) as Obj[]) p.processors = p.processors.filter((x: string) => x !== 'k8s_attributes');
  return cfg;
}

export interface Collector {
  proc: Proc;
  ports: Ports;
  metrics(): Promise<string>;
}

export async function startCollector(name: string, cfg: Obj, ports: Ports, env: Record<string, string> = {}): Promise<Collector> {
  const dir = tempDir(name);
  const file = join(dir, 'config.yaml');
  writeFileSync(file, JSON.stringify(cfg, null, 1));
  const proc = await startProcess(name, requireTool('otelcol-meshobs'), [`--config=${file}`], {
    readyUrl: `http://${lo(ports.health)}/`,
    env,
  });
  return { proc, ports, metrics: () => fetch(`http://${lo(ports.metrics)}/metrics`).then((r) => r.text()) };
}

/** Sum of a metric's samples whose label set contains every given label. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** A second real collector: OTLP in, file exporter out (one JSON ExportTraceServiceRequest per line). */
export interface Sink {
  proc: Proc;
  endpoints: string[];
  files: string[];
  stop(): Promise<void>;
}

export async function startSink(name: string, count = 1, reuse?: { grpcPorts: number[]; files: string[] }): Promise<Sink> {
  const dir = tempDir(name);
  const grpcPorts = reuse?.grpcPorts ?? (await Promise.all(Array.from({ length: count }, () => freePort())));
  const files = reuse?.files ?? grpcPorts.map((_, i) => join(dir, `spans-${i}.jsonl`));
  const health = await freePort();
  const metricsPort = await freePort();
  const cfg: Obj = {
    extensions: { health_check: { endpoint: lo(health) } },
    receivers: {},
    exporters: {},
    service: {
      extensions: ['health_check'],
      telemetry: { metrics: { readers: [{ pull: { exporter: { prometheus: { host: '127.0.0.1', port: metricsPort } } } }] } },
      pipelines: {},
    },
  };
  grpcPorts.forEach((port, i) => {
    cfg.receivers[`otlp/${i}`] = { protocols: { grpc: { endpoint: lo(port) } } };
    cfg.exporters[`file/${i}`] = { path: files[i], flush_interval: '100ms', append: true };
    cfg.service.pipelines[`traces/${i}`] = { receivers: [`otlp/${i}`], exporters: [`file/${i}`] };
  });
  const file = join(dir, 'sink.yaml');
  writeFileSync(file, JSON.stringify(cfg));
  const proc = await startProcess(name, requireTool('otelcol-meshobs'), [`--config=${file}`], { readyUrl: `http://${lo(health)}/` });
  return { proc, endpoints: grpcPorts.map(lo), files, stop: () => proc.stop() };
}

export interface StoredSpan {
  traceId: string;
  spanId: string;
  service: string;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

const value = (v: Obj): unknown =>
  v.stringValue ??
  v.boolValue ??
  (v.intValue !== undefined ? Number(v.intValue) : undefined) ??
  v.doubleValue ??
  (v.arrayValue ? (v.arrayValue.values ?? []).map(value) : undefined);

const attrs = (list: Obj[] = []) => Object.fromEntries(list.map((a) => [a.key, value(a.value)]));

export function readSpans(file: string): StoredSpan[] {
  if (!existsSync(file)) return [];
  const out: StoredSpan[] = [];
  const text = readFileSync(file, 'utf8');
  // The file exporter may be mid-write: a last line without its newline is not complete yet.
  const lines = text.split('\n');
  if (!text.endsWith('\n')) lines.pop();
  for (const line of lines) {
    if (!line.trim()) continue;
    for (const rs of JSON.parse(line).resourceSpans ?? []) {
      const res = attrs(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? [])
        for (const s of ss.spans ?? [])
          out.push({
            traceId: s.traceId,
            spanId: s.spanId,
            service: String(res['service.name']),
            attributes: { ...attrs(s.attributes) },
            resource: res,
          });
    }
  }
  return out;
}

// ---- a minimal OTLP/HTTP JSON client: full control over ids, attributes and batch boundaries ----

export interface SpanSpec {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: Record<string, string | string[]>;
}

export const newTraceId = () => randomBytes(16).toString('hex');
export const newSpanId = () => randomBytes(8).toString('hex');

/**
 * Trace and span ids that are the same on every run (SHA-256 of the seed and a counter). Where a
 * verdict depends on the ids, as the probabilistic policies' share of kept traces does (they hash
 * the trace id), random ids would make the verdict a matter of chance.
 */
export function seededIds(seed: string): { traceId(): string; spanId(): string } {
  let n = 0;
  const hex = (bytes: number) =>
    createHash('sha256')
      .update(`${seed}/${n++}`)
      .digest('hex')
      .slice(0, bytes * 2);
  return { traceId: () => hex(16), spanId: () => hex(8) };
}

const anyValue = (v: string | string[]) =>
  Array.isArray(v) ? { arrayValue: { values: v.map((s) => ({ stringValue: s })) } } : { stringValue: v };

/** Sends spans in one OTLP/HTTP request; resolves with the HTTP status. */
export async function sendSpans(
  otlpHttp: string,
  service: string,
  spans: SpanSpec[],
  resource: Record<string, string> = {},
): Promise<number> {
  const now = BigInt(Date.now()) * 1_000_000n;
  const body = {
    resourceSpans: [
      {
        resource: { attributes: Object.entries({ 'service.name': service, ...resource }).map(([key, v]) => ({ key, value: anyValue(v) })) },
        scopeSpans: [
          {
            scope: { name: 'meshobs-e2e' },
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId ?? '',
              name: s.name,
              kind: 2,
              startTimeUnixNano: String(now - 5_000_000n),
              endTimeUnixNano: String(now),
              attributes: Object.entries(s.attributes ?? {}).map(([key, v]) => ({ key, value: anyValue(v) })),
            })),
          },
        ],
      },
    ],
  };
  const res = await fetch(`http://${otlpHttp}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Binomial check: |kept - n p| <= 4 sigma. */
export function withinFourSigma(kept: number, n: number, percent: number) {
  const p = percent / 100;
  const mean = n * p;
  const sigma = Math.sqrt(n * p * (1 - p));
  return { ok: Math.abs(kept - mean) <= 4 * sigma, mean, sigma, low: mean - 4 * sigma, high: mean + 4 * sigma };
}

/** The config.yaml the bundle generates for `config`, on loopback, exporting to `exportTo`. */
export async function startGeneratedCollector(
  name: string,
  config: MeshobsConfig,
  exportTo: string,
  env: Record<string, string> = {},
): Promise<Collector> {
  const ports = await freePorts();
  return startCollector(name, localize(collectorConfigFile(renderCollector(resolveModel(config))), ports, { exportTo }), ports, env);
}
