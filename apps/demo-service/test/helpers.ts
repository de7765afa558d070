import { request as httpRequest } from 'node:http';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { type App, createApp } from '../src/app.ts';
import { loadConfig, type ServiceConfig } from '../src/config.ts';

export interface TestApp {
  app: App;
  url: string;
  port: number;
  spans(): ReadableSpan[];
  stop(): Promise<void>;
}

const running = new Set<TestApp>();

/** The real app on 127.0.0.1 and a free port, traced into memory (or untraced with tracing: false). */
export async function startApp(
  opts: { env?: Record<string, string>; config?: Partial<ServiceConfig>; tracing?: boolean } = {},
): Promise<TestApp> {
  const config = {
    ...loadConfig({ PODINFO_VERSION: '1.2.3', PODINFO_REVISION: 'abc123', ...opts.env }),
    host: '127.0.0.1',
    port: 0,
    ...opts.config,
  };
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const app = createApp({
    config,
    tracer: opts.tracing === false ? undefined : provider.getTracer('test'),
    env: { ...opts.env, DEMO: 'yes' },
  });
  const port = await app.listen();
  const handle: TestApp = {
    app,
    port,
    url: `http://127.0.0.1:${port}`,
    spans: () => exporter.getFinishedSpans(),
    async stop() {
      running.delete(handle);
      app.server.closeAllConnections();
      await new Promise((r) => app.server.close(r));
      await provider.shutdown();
    },
  };
  running.add(handle);
  return handle;
}

export const stopApps = () => Promise.all([...running].map((a) => a.stop()));

/**
 * Waits until `count` spans are exported (a server span ends on the response's 'finish', after the
 * client may already hold the answer). Returns as soon as they are there; the bound only matters
 * when they never come.
 */
export async function spansFor(app: TestApp, count: number, filter: (s: ReadableSpan) => boolean = () => true): Promise<ReadableSpan[]> {
  const deadline = performance.now() + 20_000;
  for (;;) {
    const found = app.spans().filter(filter);
    if (found.length >= count || performance.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits (bounded) until the app is handling `n` requests: they have reached its handler. */
export async function untilInFlight(app: TestApp, n: number): Promise<void> {
  const deadline = performance.now() + 20_000;
  while (app.app.inFlight() < n) {
    if (performance.now() > deadline) throw new Error(`timed out after 20 s waiting for ${n} requests in flight`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A raw HTTP request that tolerates the server closing while the body is still being sent. */
export function rawRequest(
  url: string,
  init: { method: string; headers?: Record<string, string | number>; body?: Buffer },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: init.method, headers: init.headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    if (init.body) req.write(init.body, () => undefined);
    req.end();
  });
}

/** A response body parsed as JSON, loosely typed for assertions. */
export const json = (res: Response): Promise<any> => res.json();
