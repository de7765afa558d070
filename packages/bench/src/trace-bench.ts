// §4: the highest sustained span rate of the generated collector pinned to one core, with and
// without tail sampling, its memory there, and the sizing rule that follows.
import { spawn } from 'node:child_process';
import { durationSeconds, type MeshobsConfig } from '@meshobs/config';
import { resolveModel } from '@meshobs/model';
import { collectorConfigFile, renderCollector } from '@meshobs/otel-collector';
import { COMPONENT_IDS, COLLECTOR_METRICS as M } from '@meshobs/signals';
import { requireTool, sleep } from '@meshobs/testkit';
import { type Collector, metricSum, startCollectorUnderTest, startSink } from './collector-run.ts';
import { count, mib, table } from './stats.ts';

export interface Step {
  targetSpansPerSecond: number;
  acceptedPerSecond: number;
  refused: number;
  queueMax: number;
  queueCapacity: number;
  rssMaxBytes: number;
  heapMaxBytes: number;
  tracesOnMemoryMax: number;
  collectorCpu: number;
  droppedTooEarly: number;
  /** Zero refused spans, no trace evicted before its decision, queue stable. */
  pass: boolean;
  /** The load generators (on the other core) could not offer the target rate. */
  generatorLimited: boolean;
}

const CHILD_SPANS = 4;
const SPANS_PER_TRACE = CHILD_SPANS + 1;
const WORKERS = 4;
/** Spans per export request; telemetrygen's default (100) caps one process at a few thousand spans/s. */
const BATCH = Number(process.env.BENCH_TG_BATCH ?? 1000);
const GENERATORS = Number(process.env.BENCH_TG_PROCS ?? 2);
const COLLECTOR_CORE = 1;
const LOAD_CORE = 0;

function runTelemetrygen(endpoint: string, spansPerSecond: number, seconds: number): Promise<void> {
  return Promise.all(Array.from({ length: GENERATORS }, () => runOneTelemetrygen(endpoint, spansPerSecond / GENERATORS, seconds))).then(
    () => undefined,
  );
}

function runOneTelemetrygen(endpoint: string, spansPerSecond: number, seconds: number): Promise<void> {
  // telemetrygen paces spans (not traces) per worker.
  const perWorker = spansPerSecond / WORKERS;
  const args = [
    '-c',
    String(LOAD_CORE),
    requireTool('telemetrygen'),
    'traces',
    '--otlp-insecure',
    `--otlp-endpoint=${endpoint}`,
    `--duration=${seconds}s`,
    `--rate=${perWorker}`,
    `--workers=${WORKERS}`,
    `--child-spans=${CHILD_SPANS}`,
    `--batch-size=${BATCH}`,
    '--service=bench',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(requireTool('taskset'), args, { stdio: 'ignore' });
    const kill = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(kill);
      resolve();
    });
  });
}

/** One bounded step at a target rate; passes with zero refused spans, the rate met and the queue stable. */
export async function step(c: Collector, spansPerSecond: number, seconds: number): Promise<Step> {
  const before = await c.metrics();
  const cpu0 = c.cpuSeconds();
  const t0 = performance.now();
  let rss = 0;
  let heap = 0;
  let onMemory = 0;
  const queue: number[] = [];
  let capacity = 0;
  const load = runTelemetrygen(c.otlpGrpc, spansPerSecond, seconds);
  let done = false;
  load.finally(() => (done = true));
  while (!done) {
    await sleep(1000);
    const m = await c.metrics();
    rss = Math.max(rss, c.rssBytes());
    heap = Math.max(heap, metricSum(m, M.processHeapAlloc));
    onMemory = Math.max(onMemory, metricSum(m, M.tailSamplingTracesOnMemory));
    queue.push(metricSum(m, M.exporterQueueSize, { exporter: COMPONENT_IDS.jaegerExporter }));
    capacity = metricSum(m, M.exporterQueueCapacity, { exporter: COMPONENT_IDS.jaegerExporter });
  }
  await load;
  const elapsed = (performance.now() - t0) / 1000;
  await sleep(1500);
  const after = await c.metrics();
  const delta = (name: string) => metricSum(after, name) - metricSum(before, name);
  const accepted = delta(M.receiverAcceptedSpans) / Math.min(elapsed, seconds);
  const refused = delta(M.receiverRefusedSpans) + delta(M.exporterEnqueueFailedSpans);
  const lateQueue = queue.slice(Math.floor(queue.length / 2));
  const queueMax = Math.max(0, ...lateQueue);
  const stable = queueMax <= Math.max(10, 0.1 * capacity);
  return {
    targetSpansPerSecond: spansPerSecond,
    acceptedPerSecond: accepted,
    refused,
    queueMax,
    queueCapacity: capacity,
    rssMaxBytes: rss,
    heapMaxBytes: heap,
    tracesOnMemoryMax: onMemory,
    collectorCpu: (c.cpuSeconds() - cpu0) / elapsed,
    droppedTooEarly: delta(M.tailSamplingDroppedTooEarly),
    pass: refused === 0 && stable && delta(M.tailSamplingDroppedTooEarly) === 0,
    generatorLimited: accepted < 0.9 * spansPerSecond,
  };
}

/** Doubling rates until a step fails, then one bisection step between the last pass and the failure. */
export async function findSustainedRate(c: Collector, rates: number[], seconds: number, log: (l: string) => void): Promise<Step[]> {
  const steps: Step[] = [];
  const run = async (rate: number) => {
    const s = await step(c, rate, seconds);
    steps.push(s);
    log(
      `  ${count(rate)} spans/s: accepted ${count(Math.round(s.acceptedPerSecond))}/s, refused ${s.refused}, early drops ${s.droppedTooEarly}, queue ${s.queueMax}, rss ${mib(s.rssMaxBytes)}, cpu ${s.collectorCpu.toFixed(2)} -> ${s.pass ? 'pass' : 'FAIL'}${s.generatorLimited ? ' (generator-limited)' : ''}`,
    );
    return s;
  };
  let lastPass = 0;
  for (const rate of rates) {
    const s = await run(rate);
    if (!s.pass) {
      if (lastPass) await run(Math.round((lastPass + rate) / 2));
      break;
    }
    // Offering more is pointless once the generators fall behind.
    if (s.generatorLimited) break;
    lastPass = rate;
  }
  return steps;
}

export interface TraceBenchOptions {
  config: MeshobsConfig;
  log: (line: string) => void;
  rates?: number[];
  stepSeconds?: number;
}

const best = (steps: Step[]) => steps.filter((s) => s.pass).sort((a, b) => b.acceptedPerSecond - a.acceptedPerSecond)[0];

export async function benchTraces(o: TraceBenchOptions): Promise<string> {
  // One process running the whole pipeline (single mode): what one sampler costs, the unit of the sizing rule.
  // The default two-tier config.yaml is only the load-balancing tier, which needs the Kubernetes resolver.
  const col = o.config.tracing.collector;
  const single = {
    ...o.config,
    tracing: { ...o.config.tracing, collector: { ...col, mode: 'single' as const, replicas: { min: 1, max: 1 } } },
  };
  const yaml = collectorConfigFile(renderCollector(resolveModel(single)));
  const decisionWait = durationSeconds(o.config.tracing.tailSampling.decisionWait);
  // Long enough for tail sampling's memory to plateau (traces are held decision_wait seconds).
  const seconds = o.stepSeconds ?? Math.max(20, 2 * decisionWait + 5);
  const rates = o.rates ?? [2_000, 4_000, 8_000, 16_000, 32_000, 64_000];
  const sink = await startSink(LOAD_CORE);
  const results: { variant: string; steps: Step[] }[] = [];
  try {
    for (const tailSampling of [true, false]) {
      const variant = tailSampling ? 'with tail sampling (as generated)' : 'tail sampling removed';
      o.log(`[traces] ${variant}`);
      const c = await startCollectorUnderTest(yaml, sink.otlpGrpc, { tailSampling, core: COLLECTOR_CORE });
      try {
        await step(c, 500, 5); // warm-up
        results.push({ variant, steps: await findSustainedRate(c, rates, seconds, o.log) });
      } finally {
        await c.stop();
      }
    }
  } finally {
    await sink.stop();
  }
  return traceReport(results, o.config, seconds);
}

export function traceReport(results: { variant: string; steps: Step[] }[], config: MeshobsConfig, seconds: number): string {
  const t = config.tracing.tailSampling;
  const decisionWait = durationSeconds(t.decisionWait);
  const rows = results.flatMap((r) =>
    r.steps.map((s) => [
      r.variant,
      count(s.targetSpansPerSecond),
      count(Math.round(s.acceptedPerSecond)),
      s.refused,
      s.droppedTooEarly,
      `${s.queueMax} / ${s.queueCapacity}`,
      mib(s.rssMaxBytes),
      mib(s.heapMaxBytes),
      count(s.tracesOnMemoryMax),
      s.collectorCpu.toFixed(3),
      (s.pass ? 'yes' : '**no**') + (s.generatorLimited ? ' (generator-limited)' : ''),
    ]),
  );
  const header = [
    'collector',
    'offered spans/s',
    'accepted spans/s',
    'refused',
    'evicted before decision',
    'queue (late max / capacity)',
    'RSS max',
    'heap max',
    'traces in memory',
    'collector CPU (cores)',
    'sustained',
  ];
  const lines = [
    `Steps of ${seconds} s, ${SPANS_PER_TRACE} spans per trace, decision_wait ${t.decisionWait}, num_traces ${count(t.numTraces)}; collector pinned to core ${COLLECTOR_CORE} (its pod limit is 1 CPU), ${GENERATORS} telemetrygen processes and the sink on core ${LOAD_CORE}.`,
    '',
    table(header, rows),
    '',
  ];
  const withTs = best(results[0]?.steps ?? []);
  const without = best(results[1]?.steps ?? []);
  if (!withTs) return [...lines, '- With tail sampling: no step passed.'].join('\n');
  const perCore = (s: Step) => (s.collectorCpu > 0 ? s.acceptedPerSecond / s.collectorCpu : NaN);
  const base = results[1]?.steps.find((s) => s.targetSpansPerSecond === withTs.targetSpansPerSecond);
  const perTrace = base && withTs.tracesOnMemoryMax ? (withTs.heapMaxBytes - base.heapMaxBytes) / withTs.tracesOnMemoryMax : NaN;
  const traceCap = t.numTraces / decisionWait;
  lines.push(
    `- Highest sustained rate measured with tail sampling: **${count(Math.round(withTs.acceptedPerSecond))} spans/s** with zero refused spans, no early eviction and an empty queue, at ${withTs.collectorCpu.toFixed(3)} collector cores and RSS ${mib(withTs.rssMaxBytes)}${withTs.generatorLimited ? ' — the load generators, not the collector, were the limit' : ''}.`,
    `  CPU cost ${((withTs.collectorCpu / withTs.acceptedPerSecond) * 1e6).toFixed(1)} µs per span, so one core would sustain about **${count(Math.round(perCore(withTs)))} spans/s** if the cost stays linear (projection, not a measurement).`,
    without
      ? `- Tail sampling removed: **${count(Math.round(without.acceptedPerSecond))} spans/s** measured at ${without.collectorCpu.toFixed(3)} cores (${((without.collectorCpu / without.acceptedPerSecond) * 1e6).toFixed(1)} µs per span), RSS ${mib(without.rssMaxBytes)}.`
      : '- Tail sampling removed: no step passed.',
    Number.isFinite(perTrace)
      ? `- Memory per trace held by tail sampling: **${(perTrace / 1024).toFixed(1)} KiB** per ${SPANS_PER_TRACE}-span trace (heap with − heap without at the same rate, over the traces in memory).`
      : '- Memory per trace: not derivable (no common passing rate).',
    `- num_traces caps one collector at ${count(t.numTraces)} / ${decisionWait} s = **${count(Math.round(traceCap))} traces/s** (${count(Math.round(traceCap * SPANS_PER_TRACE))} spans/s of ${SPANS_PER_TRACE}-span traces) before traces are evicted undecided.`,
  );
  return lines.join('\n');
}
