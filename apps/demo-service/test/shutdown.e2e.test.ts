// Proof 2: SIGTERM under steady load loses no span. Every request that completed with 2xx has the
// frontend's server and client spans and the backend's server span in Jaeger.
import { request } from 'node:http';
import { missingTools, sleep, stopAll, waitUntil } from '@meshobs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoProcess, downwardApiEnv, randomHex, startDemo } from './support/demo-process.ts';
import { getTraces, type JaegerTrace, kindOf, serviceOf } from './support/jaeger.ts';
import { startTraceStack, type TraceStack } from './support/trace-stack.ts';

const skip = missingTools('otelcol-meshobs', 'jaeger');
const WORKERS = 4;
const PAUSE_MS = 10;
/** 2xx answers before SIGTERM (counted, not timed: a loaded machine answers fewer per second). */
const OK_BEFORE_SIGTERM = 60;
const MAX_REQUESTS = 2000;
/** Bound of each phase's wait; each ends on what it waits for, normally in a second or two. */
const PHASE_TIMEOUT_MS = 60_000;

interface Sent {
  traceId: string;
  status: number;
  via: 'frontend' | 'backend-slow';
}

describe.skipIf(skip)('no span loss when the backend gets SIGTERM under load', () => {
  let stack: TraceStack;
  let frontend: DemoProcess;
  let backend: DemoProcess;

  beforeAll(async () => {
    stack = await startTraceStack();
    // A long batch delay: spans must reach the collector because shutdown flushes them, not by luck.
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: stack.otlpHttpEndpoint, OTEL_BSP_SCHEDULE_DELAY: '60000' };
    backend = await startDemo('podinfo-backend', {
      ...otel,
      ...downwardApiEnv('podinfo-backend-0'),
      PODINFO_SERVER_SHUTDOWN_TIMEOUT: '10s',
    });
    frontend = await startDemo('podinfo-frontend', {
      ...otel,
      ...downwardApiEnv('podinfo-frontend-0'),
      PODINFO_BACKEND_URL: `${backend.url}/echo`,
    });
  });

  afterAll(stopAll);

  async function send(url: string, init: RequestInit, via: Sent['via']): Promise<Sent> {
    const traceId = randomHex(16);
    const headers = { traceparent: `00-${traceId}-${randomHex(8)}-01`, 'x-request-id': `load-${traceId}` };
    try {
      const res = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(15_000) });
      await res.arrayBuffer();
      return { traceId, status: res.status, via };
    } catch {
      return { traceId, status: 0, via };
    }
  }

  /**
   * A request to the backend on a connection of its own, resolved with its status (0: failed), and a
   * promise that resolves once the request has been handed to the kernel (the socket is connected).
   */
  function sendRaw(path: string): { flushed: Promise<void>; done: Promise<Sent> } {
    const traceId = randomHex(16);
    const headers = { traceparent: `00-${traceId}-${randomHex(8)}-01`, 'x-request-id': `load-${traceId}` };
    let flushed!: () => void;
    const flushedP = new Promise<void>((r) => (flushed = r));
    const done = new Promise<Sent>((resolve) => {
      const req = request(`${backend.url}${path}`, { agent: false, headers, timeout: 15_000 }, (res) => {
        res.resume();
        res.on('end', () => resolve({ traceId, status: res.statusCode ?? 0, via: 'backend-slow' }));
        res.on('error', () => resolve({ traceId, status: 0, via: 'backend-slow' }));
      });
      req.on('finish', () => flushed());
      req.on('timeout', () => req.destroy());
      req.on('error', () => {
        flushed();
        resolve({ traceId, status: 0, via: 'backend-slow' });
      });
      req.end();
    });
    return { flushed: flushedP, done };
  }

  it('every 2xx request has all its spans in Jaeger', async () => {
    const sent: Sent[] = [];
    let stop = false;
    const worker = async () => {
      while (!stop && sent.length < MAX_REQUESTS) {
        sent.push(await send(`${frontend.url}/echo`, { method: 'POST', body: 'load' }, 'frontend'));
        await sleep(PAUSE_MS);
      }
    };
    const workers = Array.from({ length: WORKERS }, worker);
    const okCount = () => sent.filter((s) => s.status >= 200 && s.status < 300).length;
    await waitUntil(() => okCount() >= OK_BEFORE_SIGTERM, PHASE_TIMEOUT_MS, `${OK_BEFORE_SIGTERM} answered requests before SIGTERM`, 50);

    // Requests still running when SIGTERM arrives must finish, and be flushed. They are in flight at
    // the backend before the signal: each is written to its connection, then one more request on a new
    // connection is answered. The backend accepts connections in order and reads every connection that
    // is readable in one event-loop turn before the next, so by the time it answers the last one it has
    // begun handling the three (SIGTERM reaches it in a later turn).
    const slow = Array.from({ length: 3 }, () => sendRaw('/delay/1'));
    await Promise.all(slow.map((s) => s.flushed));
    const barrier = await sendRaw('/readyz').done;
    expect(barrier.status, 'the backend answers before SIGTERM').toBe(200);
    const failedBefore = sent.length - okCount();
    backend.proc.child.kill('SIGTERM');
    // The load goes on until the frontend has seen the backend go away (a 502 or a failed request).
    await waitUntil(() => sent.length - okCount() > failedBefore, PHASE_TIMEOUT_MS, 'a request failing after SIGTERM', 50);
    stop = true;
    await Promise.all(workers);
    sent.push(...(await Promise.all(slow.map((s) => s.done))));
    expect(await backend.proc.exited, backend.proc.output().slice(-2000)).toBe(0);
    await frontend.proc.stop(15_000);

    const ok = sent.filter((s) => s.status >= 200 && s.status < 300);
    console.info(`sent ${sent.length}, 2xx ${ok.length}, failed after SIGTERM ${sent.length - ok.length}`);
    const slowOk = ok.filter((s) => s.via === 'backend-slow');
    expect(ok.length, 'requests completed before the backend went away').toBeGreaterThan(20);
    expect(slowOk, 'in-flight requests finish after SIGTERM').toHaveLength(3);
    expect(
      sent.some((s) => s.status === 502 || s.status === 0),
      'the backend really stopped during the load',
    ).toBe(true);

    const missing = new Set(ok.map((s) => s.traceId));
    const describeMissing = new Map<string, string>();
    const deadline = Date.now() + 90_000;
    while (missing.size && Date.now() < deadline) {
      await sleep(2000);
      for (const s of ok.filter((o) => missing.has(o.traceId))) {
        const traces = await getTraces(stack.jaegerQueryUrl, s.traceId);
        const problem = completeness(traces, s.via);
        if (problem) describeMissing.set(s.traceId, problem);
        else missing.delete(s.traceId);
      }
    }
    const report = [...missing].slice(0, 10).map((id) => `${id}: ${describeMissing.get(id)}`);
    expect(report, `${missing.size} of ${ok.length} 2xx requests lack spans`).toEqual([]);
  });
});

/** What a 2xx request's trace lacks, or undefined when it is complete. */
function completeness(traces: JaegerTrace[], via: Sent['via']): string | undefined {
  if (traces.length !== 1) return `${traces.length} traces`;
  const trace = traces[0]!;
  const has = (service: string, kind: string) => trace.spans.some((s) => serviceOf(trace, s) === service && kindOf(s) === kind);
  const want: Array<[string, string]> =
    via === 'frontend'
      ? [
          ['podinfo-frontend', 'server'],
          ['podinfo-frontend', 'client'],
          ['podinfo-backend', 'server'],
        ]
      : [['podinfo-backend', 'server']];
  const lacking = want.filter(([service, kind]) => !has(service, kind)).map(([s, k]) => `${s} ${k}`);
  return lacking.length ? `missing ${lacking.join(', ')}` : undefined;
}
