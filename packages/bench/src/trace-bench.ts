// §3: the highest span rate the default two-tier topology sustains with Envoy-sized spans, zero spans
// refused and zero dropped, with tail sampling (as generated) and without it (the same topology, the
// samplers' tail_sampling processor taken out), measured side by side in one run.
//
// Topology: otlp-sender (pre-encoded requests of the sidecars' Envoy spans, trace-template.ts) -> the
// generated load-balancing tier (one replica) -> as many generated samplers as samplerReplicas -> a
// sink collector standing in for Jaeger (the bundle's receive limit, spans discarded). Every process is
// pinned to a core (PLACEMENT); CPU is each process's own user + system time.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { durationSeconds, type MeshobsConfig, OTLP_TRANSPORT } from '@meshobs/config';
import { collectorConfigFile, COLLECTOR_METRICS as M, renderCollector, SAMPLER_CONFIG_FILE } from '@meshobs/otel-collector';
import { requireTool, sleep, tempDir } from '@meshobs/testkit';
import { type Collector, metricSum, startGenerated, startSink } from './collector-run.ts';
import { count, mib, table } from './stats.ts';
import { envoyRequests, type Template, writeTemplate } from './trace-template.ts';

/** Cores of this 2-core machine: the samplers get one to themselves; the sender, load balancer and sink share the other. */
export const PLACEMENT = { samplers: 1, loadBalancer: 0, sender: 0, sink: 0 } as const;
/** Traces in the template; each pass over it gets fresh trace ids. */
const TEMPLATE_TRACES = 4000;
/** gRPC connections and requests in flight of the sender (many sidecars, each with its own connection). */
const SENDER_CONNS = 16;
const SENDER_WORKERS = 128;

export interface SenderResult {
  targetSpansPerSecond: number;
  seconds: number;
  requests: number;
  spans: number;
  failedRequests: number;
  failedSpans: number;
  rejectedSpans: number;
  errors: Record<string, number>;
  latencyP50Ms: number;
  latencyP99Ms: number;
  lagMs: number;
  cpuSeconds: number;
}

function runSender(endpoint: string, template: Template, spansPerSecond: number, seconds: number): Promise<SenderResult> {
  const args = [
    '-c',
    String(PLACEMENT.sender),
    requireTool('otlp-sender'),
    `-endpoint=${endpoint}`,
    `-template=${template.file}`,
    `-rate=${spansPerSecond}`,
    `-duration=${seconds}s`,
    `-conns=${SENDER_CONNS}`,
    `-workers=${SENDER_WORKERS}`,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(requireTool('taskset'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const kill = setTimeout(() => child.kill('SIGKILL'), (seconds + 60) * 1000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(kill);
      if (code !== 0) return reject(new Error(`otlp-sender exited with ${code}: ${err.slice(-2000)}`));
      resolve(JSON.parse(out) as SenderResult);
    });
  });
}

export interface Step {
  variant: string;
  targetSpansPerSecond: number;
  sender: SenderResult;
  /** Spans/s the sender achieved over its run. */
  sentPerSecond: number;
  /** Spans the sink (Jaeger's stand-in) received, once drained. */
  delivered: number;
  /** Refused or failed anywhere: receivers, memory limiters, queues, exports, and the sender's failed requests. */
  refused: number;
  /** Sent but never delivered. */
  lost: number;
  droppedTooEarly: number;
  /** Export failures the load balancer logged (its per-backend exporters have no metrics of their own). */
  loadBalancerExportErrors: number;
  /** Cores in use during the steady part of the step (after the first decision_wait). */
  cores: { sender: number; loadBalancer: number; samplers: number; sink: number };
  /** CPU per delivered span over the whole step and its drain, in microseconds. */
  usPerSpan: { loadBalancer: number; samplers: number; sender: number };
  rssMax: { loadBalancer: number; sampler: number };
  tracesInMemoryMax: number;
  pass: boolean;
  /** The sender fell behind its schedule: the load balancer (or the sender) could not take the rate. */
  behind: boolean;
}

interface Topology {
  variant: string;
  lb: Collector;
  samplers: Collector[];
  sink: Collector;
  stop(): Promise<void>;
}

async function startTopology(config: MeshobsConfig, tailSampling: boolean): Promise<Topology> {
  const bundle = renderCollector(config);
  const sink = await startSink(PLACEMENT.sink);
  const samplers: Collector[] = [];
  for (let i = 0; i < config.tracing.collector.samplerReplicas; i++)
    samplers.push(
      await startGenerated(`sampler-${i}`, collectorConfigFile(bundle, SAMPLER_CONFIG_FILE), {
        exportTo: sink.otlpGrpc,
        tailSampling,
        core: PLACEMENT.samplers,
      }),
    );
  const lb = await startGenerated('load-balancer', collectorConfigFile(bundle), {
    backends: samplers.map((s) => s.otlpGrpc),
    core: PLACEMENT.loadBalancer,
  });
  return {
    variant: tailSampling ? 'with tail sampling (as generated)' : 'tail sampling removed',
    lb,
    samplers,
    sink,
    stop: async () => {
      await lb.stop();
      for (const s of samplers) await s.stop();
      await sink.stop();
    },
  };
}

const EXPORT_ERROR = /Exporting failed|Dropping data|ResourceExhausted/g;
const exportErrors = (c: Collector) => (c.proc.output().match(EXPORT_ERROR) ?? []).length;
const sumOf = async (cs: Collector[], name: string, labels: Record<string, string> = {}) =>
  (await Promise.all(cs.map(async (c) => metricSum(await c.metrics(), name, labels)))).reduce((a, b) => a + b, 0);
const cpu = (cs: Collector[]) => cs.reduce((a, c) => a + c.cpuSeconds(), 0);

/** Refusals and failures anywhere in the collectors (cumulative counters). */
async function failures(t: Topology): Promise<number> {
  const all = [t.lb, ...t.samplers, t.sink];
  return (
    (await sumOf(all, M.receiverRefusedSpans)) +
    (await sumOf(all, M.receiverFailedSpans)) +
    (await sumOf(all, M.exporterEnqueueFailedSpans)) +
    (await sumOf(all, M.exporterSendFailedSpans))
  );
}

/** One bounded step at a target rate, then the drain: every span sent must reach the sink. */
export async function step(t: Topology, template: Template, spansPerSecond: number, seconds: number, decisionWait: number): Promise<Step> {
  const f0 = await failures(t);
  const early0 = await sumOf(t.samplers, M.tailSamplingDroppedTooEarly);
  const delivered0 = await sumOf([t.sink], M.receiverAcceptedSpans);
  const lbErrors0 = exportErrors(t.lb);
  const c0 = { lb: t.lb.cpuSeconds(), samplers: cpu(t.samplers), sink: t.sink.cpuSeconds() };
  const t0 = performance.now();
  let rssLb = 0;
  let rssSampler = 0;
  let onMemory = 0;
  let steady: { at: number; lb: number; samplers: number; sink: number } | undefined;
  const load = runSender(t.lb.otlpGrpc, template, spansPerSecond, seconds);
  let done = false;
  load.finally(() => (done = true)).catch(() => {});
  while (!done) {
    await sleep(1000);
    rssLb = Math.max(rssLb, t.lb.rssBytes());
    rssSampler = Math.max(rssSampler, ...t.samplers.map((s) => s.rssBytes()));
    onMemory = Math.max(onMemory, await sumOf(t.samplers, M.tailSamplingTracesOnMemory));
    if (!steady && performance.now() - t0 >= (decisionWait + 1) * 1000)
      steady = { at: performance.now(), lb: t.lb.cpuSeconds(), samplers: cpu(t.samplers), sink: t.sink.cpuSeconds() };
  }
  const sender = await load;
  const tEnd = performance.now();
  const c1 = { lb: t.lb.cpuSeconds(), samplers: cpu(t.samplers), sink: t.sink.cpuSeconds() };
  const s0 = steady ?? { at: t0, ...c0 };
  const window = (tEnd - s0.at) / 1000;
  // Drain: tail sampling holds every trace for decision_wait, then the queues empty.
  const drainUntil = performance.now() + (decisionWait + 20) * 1000;
  let delivered = 0;
  let last = -1;
  while (performance.now() < drainUntil) {
    delivered = (await sumOf([t.sink], M.receiverAcceptedSpans)) - delivered0;
    if (delivered >= sender.spans - sender.failedSpans) break;
    // Settled below the count: nothing more is coming once a decision window passed without progress.
    if (delivered === last && performance.now() - tEnd > (decisionWait + 5) * 1000) break;
    last = delivered;
    await sleep(1000);
  }
  const c2 = { lb: t.lb.cpuSeconds(), samplers: cpu(t.samplers), sink: t.sink.cpuSeconds() };
  const refused = (await failures(t)) - f0 + sender.failedSpans + sender.rejectedSpans;
  const droppedTooEarly = (await sumOf(t.samplers, M.tailSamplingDroppedTooEarly)) - early0;
  const loadBalancerExportErrors = exportErrors(t.lb) - lbErrors0;
  const lost = sender.spans - delivered;
  const sentPerSecond = sender.spans / sender.seconds;
  const behind = sentPerSecond < 0.97 * spansPerSecond;
  const per = (cpuSeconds: number) => (delivered > 0 ? (cpuSeconds / delivered) * 1e6 : Number.NaN);
  return {
    variant: t.variant,
    targetSpansPerSecond: spansPerSecond,
    sender,
    sentPerSecond,
    delivered,
    refused,
    lost,
    droppedTooEarly,
    loadBalancerExportErrors,
    cores: {
      sender: sender.cpuSeconds / sender.seconds,
      loadBalancer: (c1.lb - s0.lb) / window,
      samplers: (c1.samplers - s0.samplers) / window,
      sink: (c1.sink - s0.sink) / window,
    },
    usPerSpan: { loadBalancer: per(c2.lb - c0.lb), samplers: per(c2.samplers - c0.samplers), sender: per(sender.cpuSeconds) },
    rssMax: { loadBalancer: rssLb, sampler: rssSampler },
    tracesInMemoryMax: onMemory,
    pass: refused === 0 && lost === 0 && droppedTooEarly === 0 && loadBalancerExportErrors === 0 && !behind,
    behind,
  };
}

const fmt = (s: Step) =>
  `${count(s.targetSpansPerSecond)} spans/s: sent ${count(Math.round(s.sentPerSecond))}/s, delivered ${count(s.delivered)}/${count(s.sender.spans)}, refused ${s.refused}, lost ${s.lost}, early ${s.droppedTooEarly}, lb errors ${s.loadBalancerExportErrors}; cores sender ${s.cores.sender.toFixed(2)} lb ${s.cores.loadBalancer.toFixed(2)} samplers ${s.cores.samplers.toFixed(2)} sink ${s.cores.sink.toFixed(2)} -> ${s.pass ? 'pass' : 'FAIL'}${s.behind ? ' (behind)' : ''}`;

/** Doubling rates until a step fails, then bisection between the last pass and the first failure. */
export async function findCeiling(
  t: Topology,
  template: Template,
  o: { rates: number[]; seconds: number; decisionWait: number; bisections: number; log: (l: string) => void },
): Promise<Step[]> {
  const steps: Step[] = [];
  const run = async (rate: number) => {
    const s = await step(t, template, rate, o.seconds, o.decisionWait);
    steps.push(s);
    o.log(`  ${fmt(s)}`);
    return s;
  };
  let lastPass = 0;
  let firstFail = 0;
  for (const rate of o.rates) {
    const s = await run(rate);
    if (!s.pass) {
      firstFail = rate;
      break;
    }
    lastPass = rate;
  }
  for (let i = 0; i < o.bisections && lastPass && firstFail; i++) {
    const mid = Math.round((lastPass + firstFail) / 2 / 500) * 500;
    if (mid <= lastPass || mid >= firstFail) break;
    if ((await run(mid)).pass) lastPass = mid;
    else firstFail = mid;
  }
  return steps;
}

export interface TraceBenchOptions {
  config: MeshobsConfig;
  log: (line: string) => void;
  rates?: number[];
  stepSeconds?: number;
}

export interface TraceResult {
  variant: string;
  steps: Step[];
}

export async function benchTraces(o: TraceBenchOptions): Promise<string> {
  const decisionWait = durationSeconds(o.config.tracing.tailSampling.decisionWait);
  // Three decision windows: the samplers reach their steady state of traces held after the first.
  const seconds = o.stepSeconds ?? Math.max(30, 3 * decisionWait);
  const rates = o.rates ?? [5_000, 10_000, 20_000, 40_000, 80_000, 160_000];
  const template = writeTemplate(join(tempDir('trace-template'), 'envoy.tpl'), envoyRequests(o.config, TEMPLATE_TRACES), TEMPLATE_TRACES);
  o.log(
    `[traces] template: ${count(template.requests)} requests of ${template.spansPerRequest} Envoy spans (${template.bytesPerSpan.toFixed(0)} B per span), ${template.spansPerTrace} spans per trace`,
  );
  const results: TraceResult[] = [];
  for (const tailSampling of [true, false]) {
    const t = await startTopology(o.config, tailSampling);
    o.log(`[traces] ${t.variant}: load balancer, ${t.samplers.length} samplers, sink`);
    try {
      await step(t, template, 2_000, 10, decisionWait); // warm-up
      results.push({
        variant: t.variant,
        steps: await findCeiling(t, template, { rates, seconds, decisionWait, bisections: 2, log: o.log }),
      });
    } finally {
      await t.stop();
    }
  }
  return traceReport(results, o.config, template, seconds);
}

const best = (steps: Step[]) => steps.filter((s) => s.pass).sort((a, b) => b.sentPerSecond - a.sentPerSecond)[0];
const firstFailure = (steps: Step[]) => steps.filter((s) => !s.pass).sort((a, b) => a.targetSpansPerSecond - b.targetSpansPerSecond)[0];

/** Which process ran out of its core at a failing step (or what else failed). */
function limit(s: Step | undefined): string {
  if (!s) return 'no step failed';
  const why: string[] = [];
  if (s.droppedTooEarly) why.push(`${count(s.droppedTooEarly)} traces evicted before their decision (num_traces)`);
  if (s.refused) why.push(`${count(s.refused)} spans refused`);
  if (s.loadBalancerExportErrors) why.push(`${s.loadBalancerExportErrors} export errors at the load balancer`);
  if (s.lost) why.push(`${count(s.lost)} spans lost`);
  if (s.behind) why.push(`the sender reached ${count(Math.round(s.sentPerSecond))} of ${count(s.targetSpansPerSecond)} spans/s`);
  const lbCore =
    s.cores.loadBalancer +
    (PLACEMENT.sender === PLACEMENT.loadBalancer ? s.cores.sender : 0) +
    (PLACEMENT.sink === PLACEMENT.loadBalancer ? s.cores.sink : 0);
  return `${why.join(', ')}; core ${PLACEMENT.samplers} (samplers) at ${s.cores.samplers.toFixed(2)}, core ${PLACEMENT.loadBalancer} (load balancer + sender + sink) at ${lbCore.toFixed(2)}`;
}

export function traceReport(results: TraceResult[], config: MeshobsConfig, template: Template, seconds: number): string {
  const t = config.tracing.tailSampling;
  const rows = results.flatMap((r) =>
    r.steps.map((s) => [
      r.variant,
      count(s.targetSpansPerSecond),
      count(Math.round(s.sentPerSecond)),
      `${count(s.delivered)} / ${count(s.sender.spans)}`,
      s.refused,
      s.droppedTooEarly,
      s.cores.sender.toFixed(2),
      s.cores.loadBalancer.toFixed(2),
      s.cores.samplers.toFixed(2),
      s.usPerSpan.samplers.toFixed(1),
      mib(s.rssMax.sampler),
      count(s.tracesInMemoryMax),
      s.pass ? 'yes' : `**no**${s.behind ? ' (behind)' : ''}`,
    ]),
  );
  const header = [
    'samplers',
    'offered spans/s',
    'sent spans/s',
    'delivered / sent',
    'refused',
    'evicted before decision',
    'sender cores',
    'load balancer cores',
    'samplers cores',
    'samplers µs per span',
    'RSS max per sampler',
    'traces in memory',
    'zero refused, zero dropped',
  ];
  const samplers = config.tracing.collector.samplerReplicas;
  const b = OTLP_TRANSPORT.batch;
  const lines = [
    `${template.spansPerTrace}-span traces of Envoy spans (${template.bytesPerSpan.toFixed(0)} B each, ${template.spansPerRequest} per request as Envoy flushes), steps of ${seconds} s plus the drain; decision_wait ${t.decisionWait}, num_traces ${count(t.numTraces)} per sampler; ` +
      `${samplers} samplers on core ${PLACEMENT.samplers}; the load balancer, otlp-sender and the sink on core ${PLACEMENT.loadBalancer}. Batches between the hops: ${b.sizer}, ${b.minBytes / 2 ** 20}-${b.maxBytes / 2 ** 20} MiB; receivers accept ${OTLP_TRANSPORT.receiverMaxRecvMiB} MiB.`,
    '',
    table(header, rows),
    '',
  ];
  const withTs = results[0];
  const without = results[1];
  const describe = (r: TraceResult | undefined) => {
    const s = r && best(r.steps);
    if (!r || !s) return `- ${r?.variant ?? '?'}: no step passed.`;
    const perCore = s.sentPerSecond / s.cores.samplers;
    return [
      `- ${r.variant}: **${count(Math.round(s.sentPerSecond))} spans/s** through both tiers with zero refused and zero dropped, the ${samplers} samplers using ${s.cores.samplers.toFixed(2)} cores: **${count(Math.round(perCore))} spans/s per sampler core** (${s.usPerSpan.samplers.toFixed(1)} µs of sampler CPU per span); the load balancer ${count(Math.round(s.sentPerSecond / s.cores.loadBalancer))} spans/s per core; the sender used ${s.cores.sender.toFixed(2)} cores.`,
      `  First failing step: ${limit(firstFailure(r.steps))}.`,
    ].join('\n');
  };
  lines.push(describe(withTs), describe(without));
  const a = withTs && best(withTs.steps);
  const c = without && best(without.steps);
  if (a && c) {
    const perCoreA = a.sentPerSecond / a.cores.samplers;
    const perCoreC = c.sentPerSecond / c.cores.samplers;
    lines.push(
      `- Ratios, with / without tail sampling: highest sustained rate ${(a.sentPerSecond / c.sentPerSecond).toFixed(2)}, spans/s per sampler core ${(perCoreA / perCoreC).toFixed(2)}, sampler CPU per span ${(a.usPerSpan.samplers / c.usPerSpan.samplers).toFixed(2)}.`,
    );
  }
  lines.push(
    `- num_traces caps one sampler at ${count(t.numTraces)} / ${durationSeconds(t.decisionWait)} s = ${count(Math.round(t.numTraces / durationSeconds(t.decisionWait)))} traces/s (${count(Math.round((t.numTraces / durationSeconds(t.decisionWait)) * template.spansPerTrace))} spans/s of ${template.spansPerTrace}-span traces) before traces are evicted undecided.`,
  );
  return lines.join('\n');
}
