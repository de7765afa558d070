// The generated collector config on loopback, pinned to one core, and a second collector as the
// trace sink (OTLP in, nothing out) standing in for Jaeger. Only addresses change, plus
// k8s_attributes, which needs a Kubernetes API server.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { COMPONENT_IDS } from '@meshobs/signals';
import { freePort, type Proc, requireTool, startProcess, tempDir } from '@meshobs/testkit';
import { parse } from 'yaml';

type Obj = Record<string, any>;

export interface Collector {
  proc: Proc;
  otlpGrpc: string;
  metrics(): Promise<string>;
  rssBytes(): number;
  /** CPU seconds (user + system) the process has used so far. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

const lo = (port: number) => `127.0.0.1:${port}`;

/** Rewrites every listener of the generated config to 127.0.0.1 on free ports and exports to `sink`. */
export async function loopbackConfig(
  yamlText: string,
  sink: string,
  opts: { tailSampling: boolean },
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
  cfg.exporters[COMPONENT_IDS.jaegerExporter].endpoint = sink;
  delete cfg.processors.k8s_attributes;
  for (const p of Object.values(cfg.service.pipelines) as Obj[])
    p.processors = p.processors.filter((x: string) => x !== 'k8s_attributes' && (opts.tailSampling || x !== 'tail_sampling'));
  if (!opts.tailSampling) delete cfg.processors.tail_sampling;
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
const cpuOf = (pid: number | undefined): number => {
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
  health: number,
  metrics: number,
  core: number,
  env: Record<string, string> = {},
): Promise<Collector> {
  const file = join(tempDir(name), 'config.yaml');
  writeFileSync(file, JSON.stringify(cfg, null, 1));
  // taskset execs the collector, so the child pid is the collector's.
  const proc = await startProcess(name, requireTool('taskset'), ['-c', String(core), requireTool('otelcol-meshobs'), `--config=${file}`], {
    readyUrl: `http://${lo(health)}/`,
    env,
  });
  return {
    proc,
    otlpGrpc: '',
    metrics: () => fetch(`http://${lo(metrics)}/metrics`).then((r) => r.text()),
    rssBytes: () => rssOf(proc.child.pid),
    cpuSeconds: () => cpuOf(proc.child.pid),
    stop: async () => {
      await proc.stop();
      rmSync(dirname(file), { recursive: true, force: true });
    },
  };
}

export async function startCollectorUnderTest(
  yamlText: string,
  sink: string,
  opts: { tailSampling: boolean; core: number },
): Promise<Collector> {
  const { cfg, otlpGrpc, metrics, health } = await loopbackConfig(yamlText, sink, opts);
  // As in the pod: the Go GC aims at the memory_limiter limit.
  const env = { GOMEMLIMIT: `${cfg.processors.memory_limiter.limit_mib}MiB` };
  const c = await start(opts.tailSampling ? 'collector-sampling' : 'collector-no-sampling', cfg, health, metrics, opts.core, env);
  return { ...c, otlpGrpc: lo(otlpGrpc) };
}

/** OTLP/gRPC in, spans counted and discarded. */
export async function startSink(core: number): Promise<Collector> {
  const grpc = await freePort();
  const health = await freePort();
  const metrics = await freePort();
  const cfg: Obj = {
    extensions: { health_check: { endpoint: lo(health) } },
    receivers: { otlp: { protocols: { grpc: { endpoint: lo(grpc) } } } },
    exporters: { debug: { verbosity: 'basic', sampling_initial: 1, sampling_thereafter: 100000 } },
    service: {
      extensions: ['health_check'],
      telemetry: {
        logs: { level: 'warn' },
        metrics: { readers: [{ pull: { exporter: { prometheus: { host: '127.0.0.1', port: metrics } } } }] },
      },
      pipelines: { traces: { receivers: ['otlp'], exporters: ['debug'] } },
    },
  };
  const c = await start('trace-sink', cfg, health, metrics, core);
  return { ...c, otlpGrpc: lo(grpc) };
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
