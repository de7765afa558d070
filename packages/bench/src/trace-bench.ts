// §3: the highest span rate the default two-tier topology sustains with Envoy-sized spans, zero spans
// refused and zero dropped, with tail sampling (as generated) and without it (the samplers'
// tail_sampling processor taken out), measured side by side in one run, in two setups:
//   A. the topology: otlp-sender (pre-encoded requests of the sidecars' Envoy spans, trace-template.ts)
//      -> the generated load-balancing tier (one replica) -> samplerReplicas generated samplers -> a sink
//      collector standing in for Jaeger (the bundle's receive limit, spans discarded);
//   B. one sampler on a core of its own, fed what the load-balancing tier sends one of its samplers
//      (captured from the real load balancer at the start of the run): the sampler's own ceiling per core.
// Every process is pinned to a core (PLACEMENT); CPU is each process's own user + system time.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { durationSeconds, type MeshobsConfig, OTLP_TRANSPORT } from '@meshobs/config';
import { resolveModel } from '@meshobs/model';
import { buildCollectorConfig, collectorConfigFile, renderCollector, SAMPLER_CONFIG_FILE } from '@meshobs/otel-collector';
import { COLLECTOR_METRICS as M } from '@meshobs/signals';
import { requireTool, sleep, tempDir, waitUntil } from '@meshobs/testkit';
import { type Collector, metricSum, startCapture, startGenerated, startSink } from './collector-run.ts';
import { count, mib, table } from './stats.ts';
import { capturedRequests, envoyRequests, type Template, writeTemplate } from './trace-template.ts';

/** Cores of this 2-core machine: the samplers get one to themselves; the sender, load balancer and sink share the other. */
export const PLACEMENT = { samplers: 1, loadBalancer: 0, sender: 0, sink: 0 } as const;
const SETUP_A = 'A. two-tier topology';
const SETUP_B = 'B. one sampler, fed as by the load balancer';
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
  interrupted: boolean;
}

function runSender(endpoint: string, template: Template, spansPerSecond: number, seconds: number, requests = 0): Promise<SenderResult> {
  const args = [
    '-c',
    String(PLACEMENT.sender),
    requireTool('otlp-sender'),
    `-requests=${requests}`,
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
    // Past its duration plus one request deadline it is stuck behind a receiver that stopped answering:
    // SIGTERM makes it cancel what is in flight and report; SIGKILL if even that does not end it.
    const term = setTimeout(() => child.kill('SIGTERM'), (seconds + 30) * 1000);
    const kill = setTimeout(() => child.kill('SIGKILL'), (seconds + 60) * 1000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(term);
      clearTimeout(kill);
      if (code !== 0) return reject(new Error(`otlp-sender exited with ${code ?? signal}: ${err.slice(-2000)}`));
      resolve(JSON.parse(out) as SenderResult);
    });
  });
}

export interface Step {
  setup: string;
  variant: string;
  targetSpansPerSecond: number;
  sender: SenderResult;
  /** Spans/s the sender achieved over its run. */
  sentPerSecond: number;
  /** Spans the sink (Jaeger's stand-in) received, once drained. */
  delivered: number;
  /** Refused or failed anywhere: receivers, memory limiters, queues, exports, and the sender's failed requests. */
  refused: number;
  /** Where: "<process> <counter>" -> spans. */
  failed: Record<string, number>;
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
  /** Go heap in use, at most, of the largest sampler (otelcol_process_runtime_heap_alloc_bytes). */
  samplerHeapMax: number;
  /** Spans the samplers' memory_limiter refused (a subset of `refused`). */
  memoryLimited: number;
  tracesInMemoryMax: number;
  /** The machine's 1-minute load average at the end of the step (other work on the same cores). */
  machineLoad: number;
  pass: boolean;
  /** The sender fell behind its schedule: the load balancer (or the sender) could not take the rate. */
  behind: boolean;
}

interface Topology {
  setup: string;
  variant: string;
  /** Where the sender sends: the load balancer (A) or the sampler (B). */
  entry: Collector;
  lb?: Collector;
  samplers: Collector[];
  sink: Collector;
  stop(): Promise<void>;
}

const variantName = (tailSampling: boolean) => (tailSampling ? 'with tail sampling (as generated)' : 'tail sampling removed');

async function startTopology(config: MeshobsConfig, tailSampling: boolean): Promise<Topology> {
  const bundle = renderCollector(resolveModel(config));
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
    setup: SETUP_A,
    variant: variantName(tailSampling),
    entry: lb,
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

async function startSamplerAlone(config: MeshobsConfig, tailSampling: boolean): Promise<Topology> {
  const sink = await startSink(PLACEMENT.sink);
  const sampler = await startGenerated('sampler', collectorConfigFile(renderCollector(resolveModel(config)), SAMPLER_CONFIG_FILE), {
    exportTo: sink.otlpGrpc,
    tailSampling,
    core: PLACEMENT.samplers,
  });
  return {
    setup: SETUP_B,
    variant: variantName(tailSampling),
    entry: sampler,
    samplers: [sampler],
    sink,
    stop: async () => {
      await sampler.stop();
      await sink.stop();
    },
  };
}

/**
 * What the load-balancing tier sends one of its samplers: the real load balancer (generated config)
 * routes one pass of the Envoy template to as many capture endpoints as there are samplers, and the
 * first endpoint's requests, exactly as received, become the template of setup B.
 */
async function captureLoadBalancerOutput(config: MeshobsConfig, envoy: Template, log: (l: string) => void): Promise<Template> {
  const replicas = config.tracing.collector.samplerReplicas;
  const capture = await startCapture(replicas, PLACEMENT.sink);
  const lb = await startGenerated('load-balancer-capture', collectorConfigFile(renderCollector(resolveModel(config))), {
    backends: capture.endpoints,
    core: PLACEMENT.loadBalancer,
  });
  try {
    const sent = await runSender(lb.otlpGrpc, envoy, 5_000, Math.ceil(envoy.spans / 5_000) + 5, envoy.requests);
    if (sent.spans !== envoy.spans || sent.failedRequests)
      throw new Error(`capture: sent ${sent.spans} of ${envoy.spans} spans, ${sent.failedRequests} failed`);
    const spans = () => capture.files.reduce((n, f) => n + (existsSync(f) ? capturedRequests(f).reduce((a, r) => a + r.spans, 0) : 0), 0);
    await waitUntil(async () => spans() >= envoy.spans, 60_000, 'the load balancer output captured', 500);
  } finally {
    await lb.stop();
    await capture.collector.stop();
  }
  const requests = capturedRequests(capture.files[0]!);
  const t = writeTemplate(join(tempDir('trace-template-lb'), 'lb.tpl'), requests, 0);
  log(
    `[traces] the load balancer's output to 1 of ${replicas} samplers: ${count(t.requests)} requests of ${count(Math.round(t.spansPerRequest))} spans (${((t.bytesPerSpan * t.spansPerRequest) / 2 ** 20).toFixed(2)} MiB, ${t.bytesPerSpan.toFixed(0)} B per span)`,
  );
  return { ...t, traces: envoy.traces / replicas, spansPerTrace: envoy.spansPerTrace };
}

const EXPORT_ERROR = /Exporting failed|Dropping data|ResourceExhausted/g;
const exportErrors = (c: Collector) => (c.proc.output().match(EXPORT_ERROR) ?? []).length;
const sumOf = async (cs: Collector[], name: string, labels: Record<string, string> = {}) =>
  (await Promise.all(cs.map(async (c) => metricSum(await c.metrics(), name, labels)))).reduce((a, b) => a + b, 0);
const cpu = (cs: Collector[]) => cs.reduce((a, c) => a + c.cpuSeconds(), 0);

/** Refusals and failures anywhere in the collectors (cumulative counters), by process and counter. */
async function failures(t: Topology): Promise<Record<string, number>> {
  const all = [...(t.lb ? [t.lb] : []), ...t.samplers, t.sink];
  const out: Record<string, number> = {};
  for (const c of all) {
    const m = await c.metrics();
    for (const [what, name] of Object.entries({
      refused: M.receiverRefusedSpans,
      failed: M.receiverFailedSpans,
      enqueueFailed: M.exporterEnqueueFailedSpans,
      sendFailed: M.exporterSendFailedSpans,
    }))
      out[`${c.name} ${what}`] = metricSum(m, name);
  }
  return out;
}

/** The counters that grew between two readings of failures(). */
const grown = (before: Record<string, number>, after: Record<string, number>) =>
  Object.fromEntries(Object.entries(after).flatMap(([k, v]) => (v > (before[k] ?? 0) ? [[k, v - (before[k] ?? 0)]] : [])));

/** One bounded step at a target rate, then the drain: every span sent must reach the sink. */
export async function step(t: Topology, template: Template, spansPerSecond: number, seconds: number, decisionWait: number): Promise<Step> {
  const f0 = await failures(t);
  const early0 = await sumOf(t.samplers, M.tailSamplingDroppedTooEarly);
  const delivered0 = await sumOf([t.sink], M.receiverAcceptedSpans);
  const lbCpu = () => t.lb?.cpuSeconds() ?? 0;
  const lbErrors0 = t.lb ? exportErrors(t.lb) : 0;
  const c0 = { lb: lbCpu(), samplers: cpu(t.samplers), sink: t.sink.cpuSeconds() };
  const t0 = performance.now();
  let rssLb = 0;
  let rssSampler = 0;
  let onMemory = 0;
  let heap = 0;
  const limited0 = await sumOf(t.samplers, M.memoryLimiterRefusedSpans);
  let steady: { at: number; lb: number; samplers: number; sink: number } | undefined;
  const load = runSender(t.entry.otlpGrpc, template, spansPerSecond, seconds);
  let done = false;
  load.finally(() => (done = true)).catch(() => {});
  while (!done) {
    await sleep(1000);
    rssLb = Math.max(rssLb, t.lb?.rssBytes() ?? 0);
    rssSampler = Math.max(rssSampler, ...t.samplers.map((s) => s.rssBytes()));
    onMemory = Math.max(onMemory, await sumOf(t.samplers, M.tailSamplingTracesOnMemory));
    for (const c of t.samplers) heap = Math.max(heap, metricSum(await c.metrics(), M.processHeapAlloc));
    if (!steady && performance.now() - t0 >= (decisionWait + 1) * 1000)
      steady = { at: performance.now(), lb: lbCpu(), samplers: cpu(t.samplers), sink: t.sink.cpuSeconds() };
  }
  const sender = await load;
  const tEnd = performance.now();
  const c1 = { lb: lbCpu(), samplers: cpu(t.samplers), sink: t.sink.cpuSeconds() };
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
  const c2 = { lb: lbCpu(), samplers: cpu(t.samplers), sink: t.sink.cpuSeconds() };
  const failed = grown(f0, await failures(t));
  if (sender.failedSpans) failed['sender failed'] = sender.failedSpans;
  if (sender.rejectedSpans) failed['sender rejected'] = sender.rejectedSpans;
  const refused = Object.values(failed).reduce((a, b) => a + b, 0);
  const droppedTooEarly = (await sumOf(t.samplers, M.tailSamplingDroppedTooEarly)) - early0;
  const loadBalancerExportErrors = (t.lb ? exportErrors(t.lb) : 0) - lbErrors0;
  const lost = sender.spans - delivered;
  const sentPerSecond = sender.spans / sender.seconds;
  const behind = sentPerSecond < 0.97 * spansPerSecond || sender.interrupted;
  const per = (cpuSeconds: number) => (delivered > 0 ? (cpuSeconds / delivered) * 1e6 : Number.NaN);
  return {
    setup: t.setup,
    variant: t.variant,
    targetSpansPerSecond: spansPerSecond,
    sender,
    sentPerSecond,
    delivered,
    refused,
    failed,
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
    samplerHeapMax: heap,
    memoryLimited: (await sumOf(t.samplers, M.memoryLimiterRefusedSpans)) - limited0,
    tracesInMemoryMax: onMemory,
    machineLoad: loadavg()[0]!,
    pass: refused === 0 && lost === 0 && droppedTooEarly === 0 && loadBalancerExportErrors === 0 && !behind,
    behind,
  };
}

const fmt = (s: Step) =>
  `${count(s.targetSpansPerSecond)} spans/s: sent ${count(Math.round(s.sentPerSecond))}/s, delivered ${count(s.delivered)}/${count(s.sender.spans)}, refused ${s.refused}${s.refused ? ` ${JSON.stringify(s.failed)}` : ''}, lost ${s.lost}, early ${s.droppedTooEarly}, lb errors ${s.loadBalancerExportErrors}; cores sender ${s.cores.sender.toFixed(2)} lb ${s.cores.loadBalancer.toFixed(2)} samplers ${s.cores.samplers.toFixed(2)} sink ${s.cores.sink.toFixed(2)} (load ${s.machineLoad.toFixed(1)}) -> ${s.pass ? 'pass' : 'FAIL'}${s.behind ? ' (behind)' : ''}`;

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

export async function benchTraces(o: TraceBenchOptions): Promise<string> {
  const decisionWait = durationSeconds(o.config.tracing.tailSampling.decisionWait);
  // Three decision windows: the samplers reach their steady state of traces held after the first.
  const seconds = o.stepSeconds ?? Math.max(30, 3 * decisionWait);
  const rates = o.rates ?? [2_500, 5_000, 10_000, 20_000, 40_000, 80_000];
  const envoy = writeTemplate(join(tempDir('trace-template'), 'envoy.tpl'), envoyRequests(o.config, TEMPLATE_TRACES), TEMPLATE_TRACES);
  o.log(
    `[traces] Envoy template: ${count(envoy.requests)} requests of ${envoy.spansPerRequest} spans (${envoy.bytesPerSpan.toFixed(0)} B per span), ${envoy.spansPerTrace} spans per trace`,
  );
  const lbOutput = await captureLoadBalancerOutput(o.config, envoy, o.log);
  const results: TraceResult[] = [];
  const setups: Array<[(ts: boolean) => Promise<Topology>, Template]> = [
    [(ts) => startTopology(o.config, ts), envoy],
    [(ts) => startSamplerAlone(o.config, ts), lbOutput],
  ];
  for (const [startSetup, template] of setups)
    for (const tailSampling of [true, false]) {
      const t = await startSetup(tailSampling);
      o.log(`[traces] ${t.setup}, ${t.variant}`);
      try {
        await step(t, template, 2_000, 10, decisionWait); // warm-up
        const steps = await findCeiling(t, template, { rates, seconds, decisionWait, bisections: 2, log: o.log });
        results.push({ setup: t.setup, variant: t.variant, steps });
      } finally {
        await t.stop();
      }
    }
  return traceReport(results, o.config, { envoy, lbOutput }, seconds);
}

const best = (steps: Step[]) => steps.filter((s) => s.pass).sort((a, b) => b.sentPerSecond - a.sentPerSecond)[0];
const firstFailure = (steps: Step[]) => steps.filter((s) => !s.pass).sort((a, b) => a.targetSpansPerSecond - b.targetSpansPerSecond)[0];

/** What failed at a step, and how busy each core was. */
function limit(s: Step | undefined): string {
  if (!s) return 'no step failed';
  const why: string[] = [];
  if (s.droppedTooEarly) why.push(`${count(s.droppedTooEarly)} traces evicted before their decision (num_traces)`);
  if (s.memoryLimited)
    why.push(`the sampler's memory_limiter refused ${count(s.memoryLimited)} spans (heap up to ${mib(s.samplerHeapMax)})`);
  if (s.refused)
    why.push(
      `${count(s.refused)} spans refused (${Object.entries(s.failed)
        .map(([k, v]) => `${k} ${count(v)}`)
        .join(', ')})`,
    );
  if (s.loadBalancerExportErrors) why.push(`${s.loadBalancerExportErrors} export errors at the load balancer`);
  if (s.lost) why.push(`${count(s.lost)} spans lost`);
  if (s.behind) why.push(`the sender reached ${count(Math.round(s.sentPerSecond))} of ${count(s.targetSpansPerSecond)} spans/s`);
  const other = s.cores.loadBalancer + s.cores.sender + s.cores.sink;
  return `${count(s.targetSpansPerSecond)} spans/s: ${why.join(', ')}; core ${PLACEMENT.samplers} (sampler${s.setup === SETUP_A ? 's' : ''}) at ${s.cores.samplers.toFixed(2)}, core ${PLACEMENT.loadBalancer} (${s.setup === SETUP_A ? 'load balancer, ' : ''}sender, sink) at ${other.toFixed(2)}`;
}

export interface TraceResult {
  setup: string;
  variant: string;
  steps: Step[];
}

export function traceReport(
  results: TraceResult[],
  config: MeshobsConfig,
  templates: { envoy: Template; lbOutput: Template },
  seconds: number,
): string {
  const t = config.tracing.tailSampling;
  const replicas = config.tracing.collector.samplerReplicas;
  const rows = results.flatMap((r) =>
    r.steps.map((s) => [
      r.setup.slice(0, 2),
      r.variant,
      count(s.targetSpansPerSecond),
      count(Math.round(s.sentPerSecond)),
      `${count(s.delivered)} / ${count(s.sender.spans)}`,
      s.refused,
      s.droppedTooEarly,
      s.cores.sender.toFixed(2),
      s.setup === SETUP_A ? s.cores.loadBalancer.toFixed(2) : '',
      s.cores.samplers.toFixed(2),
      s.usPerSpan.samplers.toFixed(1),
      `${mib(s.rssMax.sampler)} / ${mib(s.samplerHeapMax)}`,
      count(s.tracesInMemoryMax),
      s.machineLoad.toFixed(1),
      s.pass ? 'yes' : `**no**${s.behind ? ' (behind)' : ''}`,
    ]),
  );
  const header = [
    'setup',
    'samplers',
    'offered spans/s',
    'sent spans/s',
    'delivered / sent',
    'refused',
    'evicted before decision',
    'sender cores',
    'load balancer cores',
    'sampler cores',
    'sampler µs per span',
    'sampler RSS / heap max',
    'traces in memory',
    'machine load',
    'zero refused, zero dropped',
  ];
  const b = OTLP_TRANSPORT.batch;
  const { envoy, lbOutput } = templates;
  const lines = [
    `Load: ${envoy.spansPerTrace}-span traces of Envoy spans (${envoy.bytesPerSpan.toFixed(0)} B each on the wire, ${envoy.spansPerRequest} per request as Envoy flushes them). ` +
      `A: ${replicas} samplers on core ${PLACEMENT.samplers}; the load balancer, otlp-sender and the sink on core ${PLACEMENT.loadBalancer}. ` +
      `B: one sampler alone on core ${PLACEMENT.samplers}, fed the load balancer's own output to 1 of ${replicas} samplers (requests of ~${count(Math.round(lbOutput.spansPerRequest))} spans, ${((lbOutput.bytesPerSpan * lbOutput.spansPerRequest) / 2 ** 20).toFixed(2)} MiB, ${lbOutput.bytesPerSpan.toFixed(0)} B per span after the load balancer's tags); otlp-sender and the sink on core ${PLACEMENT.sink}. ` +
      `Steps of ${seconds} s, then the drain (decision_wait ${t.decisionWait}, num_traces ${count(t.numTraces)} per sampler). Batches between the hops: ${b.sizer}, ${b.minBytes / 2 ** 20}-${b.maxBytes / 2 ** 20} MiB; receivers accept ${OTLP_TRANSPORT.receiverMaxRecvMiB} MiB. ` +
      'A step passes with every span sent delivered to the sink, none refused or failed anywhere (receivers, memory limiters, queues, exports, the sender), no trace evicted before its decision, and the sender on schedule.',
    '',
    table(header, rows),
    '',
  ];
  const find = (setup: string, ts: boolean) => results.find((r) => r.setup === setup && r.variant === variantName(ts));
  const summary = (r: TraceResult | undefined) => {
    const s = r && best(r.steps);
    if (!r || !s) return `- ${r ? `${r.setup}, ${r.variant}` : '?'}: no step passed.`;
    const perCore = s.sentPerSecond / s.cores.samplers;
    const where =
      r.setup === SETUP_A
        ? `the ${replicas} samplers at ${s.cores.samplers.toFixed(2)} cores, the load balancer at ${s.cores.loadBalancer.toFixed(2)} (${count(Math.round(s.sentPerSecond / s.cores.loadBalancer))} spans/s per load-balancer core)`
        : `the sampler at ${s.cores.samplers.toFixed(2)} cores`;
    return [
      `- ${r.setup}, ${r.variant}: **${count(Math.round(s.sentPerSecond))} spans/s** with zero refused and zero dropped; ${where}: **${count(Math.round(perCore))} spans/s per sampler core** (${s.usPerSpan.samplers.toFixed(1)} µs of sampler CPU per span); otlp-sender ${s.cores.sender.toFixed(2)} cores (${s.usPerSpan.sender.toFixed(1)} µs per span).`,
      `  First failing step: ${limit(firstFailure(r.steps))}.`,
    ].join('\n');
  };
  for (const setup of [SETUP_A, SETUP_B]) {
    lines.push(summary(find(setup, true)), summary(find(setup, false)));
    const a = best(find(setup, true)?.steps ?? []);
    const c = best(find(setup, false)?.steps ?? []);
    if (a && c)
      lines.push(
        `- ${setup}, with / without tail sampling: highest sustained rate **${(a.sentPerSecond / c.sentPerSecond).toFixed(2)}**, spans/s per sampler core ${(a.sentPerSecond / a.cores.samplers / (c.sentPerSecond / c.cores.samplers)).toFixed(2)}, sampler CPU per span ${(a.usPerSpan.samplers / c.usPerSpan.samplers).toFixed(2)}.`,
      );
  }
  // What holding a span for decision_wait costs in memory: the sampler's RSS with tail sampling minus
  // without, at the same passing rate, over the spans it held.
  const withTs = find(SETUP_B, true)?.steps.filter((x) => x.pass) ?? [];
  const withoutTs = find(SETUP_B, false)?.steps.filter((x) => x.pass) ?? [];
  const pairs = withTs.flatMap((w) => {
    const o = withoutTs.find((x) => x.targetSpansPerSecond === w.targetSpansPerSecond);
    return o && w.tracesInMemoryMax ? [(w.rssMax.sampler - o.rssMax.sampler) / (w.tracesInMemoryMax * envoy.spansPerTrace)] : [];
  });
  if (pairs.length) {
    // The median: RSS is read between garbage collections (GOMEMLIMIT lets the heap grow to the limit),
    // so single pairs scatter; what bounds a sampler is measured, not projected from this figure: the
    // first failing step of setup B says which limit refused first.
    const perSpan = [...pairs].sort((x, y) => x - y)[Math.floor(pairs.length / 2)]!;
    const limiter = buildCollectorConfig(config, 'sampler').processors.memory_limiter as { limit_mib: number; spike_limit_mib: number };
    const refusingAbove = (limiter.limit_mib - limiter.spike_limit_mib) * 2 ** 20;
    lines.push(
      `- Memory per span held by tail sampling: **${(perSpan / 1024).toFixed(1)} KiB** of RSS (the sampler's RSS with − without tail sampling at the same rate, over the spans it held; the median of ${pairs.length} rates, which scatter with the garbage collector's timing). ` +
        `A sampler holds rate × decision_wait spans, and its memory_limiter refuses above ${mib(refusingAbove)} of heap (limit ${limiter.limit_mib} MiB − spike ${limiter.spike_limit_mib} MiB): setup B's first failing step shows where that binds.`,
    );
  }

  const tracesPerSecond = t.numTraces / durationSeconds(t.decisionWait);
  lines.push(
    `- num_traces caps one sampler at ${count(t.numTraces)} / ${durationSeconds(t.decisionWait)} s = ${count(Math.round(tracesPerSecond))} traces/s (${count(Math.round(tracesPerSecond * envoy.spansPerTrace))} spans/s of ${envoy.spansPerTrace}-span traces) before traces are evicted undecided.`,
  );
  return lines.join('\n');
}
