import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT_CONTEXT, type TextMapPropagator, type Tracer, trace } from '@opentelemetry/api';
import type { ServiceConfig } from './config.ts';
import type { AppContext } from './handlers/types.ts';
import { BodyTooLargeError, declaredTooLarge } from './http/body.ts';
import { sendError } from './http/respond.ts';
import { lookup } from './http/router.ts';
import { createMetrics } from './metrics.ts';
import { ROUTES } from './routes.ts';
import { createPropagator } from './tracing/propagator.ts';
import { endServerSpan, knownMethodsFrom, startServerSpan } from './tracing/spans.ts';

export interface AppOptions {
  config: ServiceConfig;
  /** Defaults to the global tracer: the SDK's when tracing is started, a no-op one otherwise. */
  tracer?: Tracer;
  /** Defaults to W3C tracecontext + baggage + B3; headers propagate even when tracing is off. */
  propagator?: TextMapPropagator;
  /** What /env reports; defaults to process.env. */
  env?: Record<string, string | undefined>;
}

export interface App {
  server: Server;
  context: AppContext;
  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(): Promise<number>;
  /**
   * SIGTERM behaviour: probes fail, new connections are refused after the drain delay, in-flight
   * requests finish (their spans end) within the timeout, then the remaining connections are cut.
   */
  shutdown(): Promise<void>;
  inFlight(): number;
}

const MAX_REQUEST_ID = 256;

export function createApp(options: AppOptions): App {
  const { config } = options;
  const context: AppContext = {
    config,
    probes: { healthy: !config.unhealthy, ready: !config.unready },
    tracer: options.tracer ?? trace.getTracer('podinfo', config.version),
    propagator: options.propagator ?? createPropagator(),
    metrics: createMetrics(),
    env: options.env ?? process.env,
  };
  const knownMethods = knownMethodsFrom(options.env ?? process.env);
  let inFlight = 0;
  let shuttingDown = false;
  const drained: Array<() => void> = [];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const target = req.url ?? '/';
    const mark = target.indexOf('?');
    // Everything after the first `?` is the query, further `?` included (RFC 3986 section 3.4).
    const [path, query] = mark < 0 ? [target, ''] : [target.slice(0, mark), target.slice(mark + 1)];
    const method = req.method ?? 'GET';
    const found = lookup(ROUTES, method, path);
    const route = found.kind === 'found' ? found.match.route : undefined;
    const incomingId = req.headers['x-request-id'];
    const requestId = typeof incomingId === 'string' && incomingId && incomingId.length <= MAX_REQUEST_ID ? incomingId : randomUUID();
    const parent = context.propagator.extract(ROOT_CONTEXT, req.headers, {
      get: (carrier, key) => carrier[key],
      keys: (carrier) => Object.keys(carrier),
    });
    const span = startServerSpan(context.tracer, parent, {
      req,
      path,
      query,
      route: route?.template.replace(/\*$/, '{path}'),
      requestId,
      knownMethods,
    });
    const ctx = trace.setSpan(parent, span);

    inFlight++;
    if (shuttingDown) res.setHeader('connection', 'close');
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const status = res.headersSent ? res.statusCode : 499; // 499: the client closed before an answer
      endServerSpan(span, status);
      context.metrics.observe(method, route?.metricPath ?? 'not_found', status, (performance.now() - started) / 1000);
      inFlight--;
      if (shuttingDown) server.closeIdleConnections();
      if (inFlight === 0) for (const notify of drained.splice(0)) notify();
    };
    res.once('finish', finish);
    res.once('close', finish);

    try {
      if (declaredTooLarge(req, config.maxBodyBytes)) {
        sendError(res, 413, `request body larger than ${config.maxBodyBytes} bytes`, { connection: 'close' });
      } else if (found.kind === 'not-found') {
        sendError(res, 404, `no route for ${path}`);
      } else if (found.kind === 'method-not-allowed') {
        sendError(res, 405, `method ${method} not allowed on ${path}`, { allow: found.allow.join(', ') });
      } else {
        await found.match.route.handler({ req, res, params: found.match.params, ctx, span, requestId }, context);
      }
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        if (!res.headersSent) sendError(res, 413, error.message, { connection: 'close' });
        return;
      }
      span.recordException(error as Error);
      if (!res.headersSent) sendError(res, 500, 'internal error');
      else res.destroy();
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 65_000; // longer than the usual proxy idle timeouts, so proxies close first

  return {
    server,
    context,
    inFlight: () => inFlight,
    async listen() {
      server.listen(config.port, config.host || undefined);
      await once(server, 'listening');
      return (server.address() as AddressInfo).port;
    },
    async shutdown() {
      context.probes.healthy = false;
      context.probes.ready = false;
      shuttingDown = true;
      if (config.shutdownDelayMs > 0) await sleep(config.shutdownDelayMs);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const idle = inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => drained.push(resolve));
      const deadline = sleep(config.shutdownTimeoutMs, 'timeout' as const, { ref: false });
      if ((await Promise.race([Promise.all([idle, closed]), deadline])) === 'timeout') {
        server.closeAllConnections();
        await closed;
        // the cut requests end their spans on their 'close' events; give those a moment to run
        await Promise.race([idle, sleep(1000, undefined, { ref: false })]);
      }
    },
  };
}
