// Every OTLP/gRPC hop inside the bundle (load-balancing tier -> samplers -> Jaeger, or the single
// collector -> Jaeger) must deliver its largest batch: a gRPC server refuses a message over its receive
// limit (4 MiB unless raised) with ResourceExhausted, which the OTLP exporter drops without retrying.
// The numbers have one home (OTLP_TRANSPORT in @meshobs/config, which cites the upstream code); this test
// reads them back out of every rendered collector-format config of the whole bundle (plain files,
// ConfigMaps, OpenTelemetryCollector CRs, Jaeger's collector config) and checks the relation.

import { defaultConfig, GRPC_DEFAULT_MAX_RECV_BYTES, OTLP_TRANSPORT, otlpTransportProblems, parseConfig } from '@meshobs/config';
import type { ComponentBundle } from '@meshobs/kube';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { RENDERERS, renderAll } from '../src/render.ts';

type Json = Record<string, any>;
const MiB = 2 ** 20;

interface Found {
  where: string;
  cfg: Json;
}

const isCollectorConfig = (o: unknown): o is Json =>
  !!o && typeof o === 'object' && 'receivers' in o && 'exporters' in o && !!(o as Json).service?.pipelines;

/** Every collector-format config in a value: itself, nested objects, and YAML held in strings. */
function collect(value: unknown, where: string, out: Found[]): void {
  if (typeof value === 'string') {
    if (!/^receivers:/m.test(value)) return;
    for (const doc of parseAllDocuments(value)) collect(doc.toJS(), `${where} (YAML)`, out);
    return;
  }
  if (!value || typeof value !== 'object') return;
  if (isCollectorConfig(value)) {
    out.push({ where, cfg: value });
    return;
  }
  for (const [k, v] of Object.entries(value)) collect(v, `${where}.${k}`, out);
}

export function collectorConfigs(bundles: ComponentBundle[]): Found[] {
  const out: Found[] = [];
  for (const b of bundles) {
    for (const f of b.files) collect(f.content, `${b.name}/${f.path}`, out);
    for (const o of b.objects) collect(o, `${b.name}/${o.kind}/${o.metadata.name}`, out);
  }
  return out;
}

const typeOf = (id: string) => id.split('/')[0]!;
/** The exporters that send OTLP to another hop: otlp/otlp_grpc, and each backend of load_balancing. */
function otlpSenders(cfg: Json): Array<{ id: string; exporter: Json }> {
  const out: Array<{ id: string; exporter: Json }> = [];
  for (const [id, e] of Object.entries<Json>(cfg.exporters ?? {})) {
    const t = typeOf(id);
    if (t === 'otlp' || t === 'otlp_grpc') out.push({ id, exporter: e ?? {} });
    if (t === 'load_balancing' || t === 'loadbalancing') out.push({ id: `${id} protocol.otlp`, exporter: e?.protocol?.otlp ?? {} });
  }
  return out;
}

function otlpGrpcReceivers(cfg: Json): Array<{ id: string; grpc: Json }> {
  return Object.entries<Json>(cfg.receivers ?? {})
    .filter(([id, r]) => typeOf(id) === 'otlp' && r?.protocols && 'grpc' in r.protocols)
    .map(([id, r]) => ({ id, grpc: r.protocols.grpc ?? {} }));
}

/**
 * The largest message any OTLP sender of the bundle sends (unbounded when one batches without a byte
 * limit), and every OTLP gRPC receiver that would refuse it with the required margin.
 */
export function messageSizeProblems(configs: Found[]): string[] {
  const problems: string[] = [];
  let largest = 0;
  for (const { where, cfg } of configs)
    for (const { id, exporter } of otlpSenders(cfg)) {
      const batch = exporter.sending_queue?.batch;
      if (exporter.sending_queue?.enabled === false || !batch) {
        problems.push(`${where}: exporter ${id} sends what it receives, unbounded (no sending_queue.batch)`);
        largest = Number.POSITIVE_INFINITY;
      } else if (batch.sizer !== 'bytes' || !(batch.max_size > 0)) {
        problems.push(
          `${where}: exporter ${id} batches by ${batch.sizer ?? 'the queue sizer'}, max ${batch.max_size ?? 'none'}: no byte bound`,
        );
        largest = Number.POSITIVE_INFINITY;
      } else largest = Math.max(largest, batch.max_size);
    }
  const needed = OTLP_TRANSPORT.margin * largest;
  for (const { where, cfg } of configs)
    for (const { id, grpc } of otlpGrpcReceivers(cfg)) {
      const accepts = grpc.max_recv_msg_size_mib ? grpc.max_recv_msg_size_mib * MiB : GRPC_DEFAULT_MAX_RECV_BYTES;
      if (accepts < needed)
        problems.push(
          `${where}: receiver ${id} accepts ${accepts / MiB} MiB, less than ${OTLP_TRANSPORT.margin} x the largest batch a hop of the bundle sends (${largest / MiB} MiB)`,
        );
    }
  return problems;
}

const bundleOf = (raw: unknown) => renderAll(RENDERERS, parseConfig(raw));

describe('OTLP message sizes: every hop of the bundle accepts the largest batch sent to it', () => {
  it('the numbers in their home agree (batch below gRPC default, receivers at margin x the batch)', () => {
    expect(otlpTransportProblems(OTLP_TRANSPORT)).toEqual([]);
    // The relation can fail: a batch over gRPC's default, receivers without the margin.
    expect(otlpTransportProblems({ ...OTLP_TRANSPORT, batch: { minBytes: 1, maxBytes: 5 * MiB } })).toHaveLength(2);
  });

  const cases: Array<[string, unknown, number]> = [
    ['two-tier (default)', {}, 3], // load balancer, sampler, Jaeger's collector (each as a file and in its ConfigMap)
    ['single', { tracing: { collector: { mode: 'single', replicas: { min: 1, max: 1 } } } }, 2],
    ['two-tier on the OpenTelemetry Operator', { profile: { operators: { opentelemetry: true } } }, 3],
  ];
  for (const [name, raw, hops] of cases)
    it(name, () => {
      const configs = collectorConfigs(bundleOf(raw));
      const receiverCount = configs.reduce((n, c) => n + otlpGrpcReceivers(c.cfg).length, 0);
      const senderCount = configs.reduce((n, c) => n + otlpSenders(c.cfg).length, 0);
      // Something to check: every hop's sender and receiver were found.
      expect(senderCount).toBeGreaterThanOrEqual(hops - 1);
      expect(receiverCount).toBeGreaterThanOrEqual(hops);
      expect(messageSizeProblems(configs)).toEqual([]);
    });

  // Built-in mutations: the check fails on each way the relation can break, the old config first.
  const mutate = (edit: (cfg: Json) => void) => {
    const configs = collectorConfigs(structuredClone(renderAll(RENDERERS, defaultConfig())));
    for (const { cfg } of configs) edit(cfg);
    return messageSizeProblems(configs);
  };
  it('fails on the old config: batches of 8,192-16,384 spans counted in items, receivers at the default', () => {
    const problems = mutate((cfg) => {
      for (const { exporter } of otlpSenders(cfg))
        if (exporter.sending_queue) exporter.sending_queue.batch = { sizer: 'items', flush_timeout: '1s', min_size: 8192, max_size: 16384 };
      for (const { grpc } of otlpGrpcReceivers(cfg)) delete grpc.max_recv_msg_size_mib;
    });
    expect(problems.some((p) => /batches by items/.test(p))).toBe(true);
    expect(problems.some((p) => /receiver otlp accepts 4 MiB/.test(p))).toBe(true);
  });
  it("fails when one receiver (Jaeger's) keeps gRPC's default", () => {
    const problems = mutate((cfg) => {
      if (cfg.exporters.jaeger_storage_exporter) delete cfg.receivers.otlp.protocols.grpc.max_recv_msg_size_mib;
    });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.startsWith('jaeger/'))).toBe(true);
  });
  it('fails when a batch has no byte bound', () => {
    const problems = mutate((cfg) => {
      for (const { exporter } of otlpSenders(cfg)) if (exporter.sending_queue) delete exporter.sending_queue.batch.max_size;
    });
    expect(problems.some((p) => /no byte bound/.test(p))).toBe(true);
  });
});
