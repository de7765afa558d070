// The generated collector configs on loopback, each process pinned to a core, plus a sink collector
// standing in for Jaeger. Only addresses change (every listener to 127.0.0.1 on a free port, the
// exporters and the load-balancing resolver to the test's processes) and k8s_attributes goes, which
// needs a Kubernetes API server; processors, policies, queues, batches and memory limits run as generated.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { OTLP_TRANSPORT } from '@meshobs/config';
import { COMPONENT_IDS } from '@meshobs/signals';
import { freePort, type Proc, requireTool, startProcess, tempDir } from '@meshobs/testkit';
import { parse } from 'yaml';

type Obj = Record<string, any>;

export interface Collector {
  name: string;
  proc: Proc;
  otlpGrpc: string;
  metrics(): Promise<string>;
  rssBytes(): number;
  /** CPU seconds (user + system) the process has used so far. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

const lo = (port: number) => `127.0.0.1:${port}`;

export interface LoopbackOptions {
  /** The Jaeger exporter's endpoint (sampler and single roles). */
  exportTo?: string;
  /** The load-balancing exporter's backends (a static resolver in place of the k8s one). */
  backends?: string[];
  /** false: the tail_sampling processor is taken out of the pipeline (the comparison without it). */
  tailSampling?: boolean;
}

/** Rewrites every listener of the generated config to 127.0.0.1 on free ports, and its destinations. */
export async function loopbackConfig(
  yamlText: string,
  o: LoopbackOptions,
): Promise<{ cfg: Obj; otlpGrpc: number; metrics: number; health: number }> {
  const cfg = parse(yamlText) as Obj;
  const otlpGrpc = await freePort();
  const metrics = await freePort();
  const health = await freePort();
  const r = cfg.receivers;
  if (r.otlp?.protocols?.grpc) r.otlp.protocols.grpc.endpoint = lo(otlpGrpc);
  if (r.otlp?.protocols?.http) r.otlp.protocols.http.endpoint = lo(await freePort());
  if (r.zipkin) r.zipkin.endpoint = lo(await freePort());
  if (r.jaeger) {
    r.jaeger.protocols.grpc.endpoint = lo(await freePort());
    r.jaeger.protocols.thrift_http.endpoint = lo(await freePort());
  }
  cfg.extensions.health_check.endpoint = lo(health);
  const prom = cfg.service.telemetry.metrics.readers[0].pull.exporter.prometheus;
  prom.host = '127.0.0.1';
  prom.port = metrics;
  if (cfg.exporters['prometheus/spanmetrics']) cfg.exporters['prometheus/spanmetrics'].endpoint = lo(await freePort());
  const jaeger = cfg.exporters[COMPONENT_IDS.jaegerExporter];
  if (jaeger && o.exportTo) jaeger.endpoint = o.exportTo;
  const lb = cfg.exporters[COMPONENT_IDS.loadBalancingExporter];
  if (lb && o.backends) lb.resolver = { static: { hostnames: o.backends } };
  delete cfg.processors.k8s_attributes;
  const keep = (x: string) => x !== 'k8s_attributes' && (o.tailSampling !== false || x !== 'tail_sampling');
  for (const p of Object.values(cfg.service.pipelines) as Obj[]) p.processors = p.processors.filter(keep);
  if (o.tailSampling === false) delete cfg.processors.tail_sampling;
  return { cfg, otlpGrpc, metrics, health };
}

const rssOf = (pid: number | undefined): number => {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
};

const CLOCK_TICKS = 100;
/** User + system CPU seconds of a live process (/proc/<pid>/stat utime and stime, in clock ticks). */
export const cpuOf = (pid: number | undefined): number => {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
};

async function start(
  name: string,
  cfg: Obj,
  ports: { health: number; metrics: number; otlpGrpc: number },
  core: number,
  env: Record<string, string> = {},
): Promise<Collector> {
  const file = join(tempDir(name), 'config.yaml');
  writeFileSync(file, JSON.stringify(cfg, null, 1));
  // taskset execs the collector, so the child pid is the collector's.
  const proc = await startProcess(name, requireTool('taskset'), ['-c', String(core), requireTool('otelcol-meshobs'), `--config=${file}`], {
    readyUrl: `http://${lo(ports.health)}/`,
    env,
  });
  return {
    name,
    proc,
    otlpGrpc: lo(ports.otlpGrpc),
    metrics: () => fetch(`http://${lo(ports.metrics)}/metrics`).then((r) => r.text()),
    rssBytes: () => rssOf(proc.child.pid),
    cpuSeconds: () => cpuOf(proc.child.pid),
    stop: async () => {
      await proc.stop();
      rmSync(dirname(file), { recursive: true, force: true });
    },
  };
}

/** One generated collector config (any role) on loopback, pinned to `core`, with GOMEMLIMIT as in its pod. */
export async function startGenerated(name: string, yamlText: string, o: LoopbackOptions & { core: number }): Promise<Collector> {
  const { cfg, ...ports } = await loopbackConfig(yamlText, o);
  return start(name, cfg, ports, o.core, { GOMEMLIMIT: `${cfg.processors.memory_limiter.limit_mib}MiB` });
}

/** OTLP/gRPC in with the receive limit of every receiver of the bundle (Jaeger's included), spans counted and discarded. */
export async function startSink(core: number): Promise<Collector> {
  const otlpGrpc = await freePort();
  const health = await freePort();
  const metrics = await freePort();
  const cfg: Obj = {
    extensions: { health_check: { endpoint: lo(health) } },
    receivers: { otlp: { protocols: { grpc: { endpoint: lo(otlpGrpc), max_recv_msg_size_mib: OTLP_TRANSPORT.receiverMaxRecvMiB } } } },
    exporters: { debug: { verbosity: 'basic', sampling_initial: 1, sampling_thereafter: 1_000_000 } },
    service: {
      extensions: ['health_check'],
      telemetry: {
        logs: { level: 'warn' },
        // The suffixes the generated configs keep (otelcol_receiver_accepted_spans_total), so one name reads every process.
        metrics: {
          readers: [
            { pull: { exporter: { prometheus: { host: '127.0.0.1', port: metrics, without_units: false, without_type_suffix: false } } } },
          ],
        },
      },
      pipelines: { traces: { receivers: ['otlp'], exporters: ['debug'] } },
    },
  };
  return start('trace-sink', cfg, { health, metrics, otlpGrpc }, core);
}

/** Sum of a metric's samples whose labels include every given label. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** OTLP/gRPC in on `n` endpoints, each written to its own file as received (file exporter, `format: proto`). */
export async function startCapture(n: number, core: number): Promise<{ collector: Collector; endpoints: string[]; files: string[] }> {
  const dir = tempDir('trace-capture');
  const health = await freePort();
  const metrics = await freePort();
  const ports = await Promise.all(Array.from({ length: n }, () => freePort()));
  const files = ports.map((_, i) => join(dir, `backend-${i}.pb`));
  const cfg: Obj = {
    extensions: { health_check: { endpoint: lo(health) } },
    receivers: {},
    exporters: {},
    service: {
      extensions: ['health_check'],
      telemetry: {
        logs: { level: 'warn' },
        metrics: { readers: [{ pull: { exporter: { prometheus: { host: '127.0.0.1', port: metrics } } } }] },
      },
      pipelines: {},
    },
  };
  ports.forEach((port, i) => {
    cfg.receivers[`otlp/${i}`] = { protocols: { grpc: { endpoint: lo(port), max_recv_msg_size_mib: OTLP_TRANSPORT.receiverMaxRecvMiB } } };
    cfg.exporters[`file/${i}`] = { path: files[i], format: 'proto', flush_interval: '100ms' };
    cfg.service.pipelines[`traces/${i}`] = { receivers: [`otlp/${i}`], exporters: [`file/${i}`] };
  });
  const collector = await start('trace-capture', cfg, { health, metrics, otlpGrpc: ports[0]! }, core);
  return { collector, endpoints: ports.map(lo), files };
}
