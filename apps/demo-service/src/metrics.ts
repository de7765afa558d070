import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** podinfo's RED metrics plus the Node process metrics, on a registry of this app alone. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Seconds spent serving HTTP requests.',
    labelNames: ['method', 'path', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'The total number of HTTP requests.',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  return {
    registry,
    observe(method: string, path: string, status: number, seconds: number) {
      duration.observe({ method, path, status: String(status) }, seconds);
      requests.inc({ status: String(status) });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
