// Proof 2: SIGTERM under steady load loses no span. Every request that completed with 2xx has the
// frontend's server and client spans and the backend's server span in Jaeger.
import { missingTools, sleep, stopAll } from '@meshobs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoProcess, downwardApiEnv, randomHex, startDemo } from './support/demo-process.ts';
import { getTraces, type JaegerTrace, kindOf, serviceOf } from './support/jaeger.ts';
import { startTraceStack, type TraceStack } from './support/trace-stack.ts';

const skip = missingTools('otelcol-meshobs', 'jaeger');
const WORKERS = 4;
const PAUSE_MS = 10;
const LOAD_BEFORE_SIGTERM_MS = 1500;
const LOAD_AFTER_SIGTERM_MS = 1000;
const MAX_REQUESTS = 2000;

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
    await sleep(LOAD_BEFORE_SIGTERM_MS);

    // Requests still running when SIGTERM arrives must finish, and be flushed.
    const slow = Array.from({ length: 3 }, () => send(`${backend.url}/delay/1`, {}, 'backend-slow'));
    await sleep(200);
    backend.proc.child.kill('SIGTERM');
    await sleep(LOAD_AFTER_SIGTERM_MS);
    stop = true;
    await Promise.all(workers);
    sent.push(...(await Promise.all(slow)));
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
