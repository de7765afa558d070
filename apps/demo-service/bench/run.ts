// npm run bench: req/s and p99 of the real service with tracing on (every request traced and
// exported over OTLP) and off, on loopback, bounded in time. Prints both and their ratio.

import { fileURLToPath } from 'node:url';
import { freePort, startProcess, stopAll } from '@meshobs/testkit';
import autocannon from 'autocannon';
import { startOtlpSink } from './otlp-sink.ts';

const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP_S = 2;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const PATH = process.env.BENCH_PATH ?? '/api/info';
const SERVER = fileURLToPath(new URL('../src/server.ts', import.meta.url));

interface Figures {
  mode: string;
  reqPerSec: number;
  p99: number;
  p50: number;
  errors: number;
}

async function measure(mode: 'tracing on' | 'tracing off', otlpUrl: string): Promise<Figures> {
  const port = await freePort();
  const env: Record<string, string> = { PODINFO_HOST: '127.0.0.1', PODINFO_PORT: String(port), OTEL_SERVICE_NAME: 'podinfo-bench' };
  if (mode === 'tracing on') Object.assign(env, { OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl });
  else env.OTEL_SDK_DISABLED = 'true';
  const proc = await startProcess(`podinfo (${mode})`, process.execPath, [SERVER], { env, readyUrl: `http://127.0.0.1:${port}/readyz` });
  try {
    const url = `http://127.0.0.1:${port}${PATH}`;
    // A W3C parent on every request, as behind an Istio sidecar: the service continues the trace.
    const headers = {
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      'x-request-id': 'bench',
      'user-agent': 'autocannon',
    };
    await autocannon({ url, connections: CONNECTIONS, duration: WARMUP_S, headers });
    const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, headers });
    return { mode, reqPerSec: r.requests.average, p99: r.latency.p99, p50: r.latency.p50, errors: r.errors + r.non2xx + r.timeouts };
  } finally {
    await proc.stop();
  }
}

const sink = await startOtlpSink();
try {
  const off = await measure('tracing off', sink.url);
  const on = await measure('tracing on', sink.url);
  const rows = [off, on].map(
    (f) =>
      `| ${f.mode.padEnd(11)} | ${f.reqPerSec.toFixed(0).padStart(7)} | ${f.p50.toFixed(2).padStart(7)} | ${f.p99.toFixed(2).padStart(7)} | ${String(f.errors).padStart(6)} |`,
  );
  console.log(`\nGET ${PATH}, ${CONNECTIONS} connections, ${DURATION_S}s after ${WARMUP_S}s warm-up, loopback, node ${process.version}`);
  console.log('| mode        |   req/s | p50 ms  | p99 ms  | errors |');
  console.log('|-------------|---------|---------|---------|--------|');
  for (const r of rows) console.log(r);
  console.log(
    `\nthroughput ratio on/off: ${(on.reqPerSec / off.reqPerSec).toFixed(3)}  p99 ratio on/off: ${(on.p99 / off.p99).toFixed(3)}`,
  );
  console.log(`spans exported while tracing was on: ${sink.exports()} OTLP requests, ${(sink.bytes() / 1024 / 1024).toFixed(1)} MiB`);
  if (sink.exports() === 0) throw new Error('tracing on exported nothing: the comparison would be meaningless');
  if (on.errors || off.errors) throw new Error('requests failed during the benchmark');
} finally {
  await stopAll();
  await sink.close();
}
