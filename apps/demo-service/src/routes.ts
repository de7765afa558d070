import { echo } from './handlers/echo.ts';
import { delay, status } from './handlers/faults.ts';
import { healthz, readyz, setReady } from './handlers/health.ts';
import { info, version } from './handlers/info.ts';
import { env, headers, metrics } from './handlers/introspect.ts';
import type { Handler } from './handlers/types.ts';
import { metricLabel, type Route } from './http/router.ts';

const route = (methods: string[] | '*', template: string, handler: Handler, name?: string): Route<Handler> => ({
  methods,
  template,
  handler,
  metricPath: metricLabel(name ?? template.replace(/\/\*$/, '')),
});

/** podinfo v6's HTTP API (the parts this demo needs), in podinfo's route order. */
export const ROUTES: Route<Handler>[] = [
  route(['GET'], '/metrics', metrics),
  route(['GET'], '/', info),
  route(['GET'], '/version', version),
  route('*', '/echo', echo),
  route('*', '/echo/*', echo),
  route(['GET', 'POST'], '/env', env),
  route(['GET', 'POST'], '/headers', headers),
  route(['GET'], '/delay/{seconds}', delay, 'delay'),
  route(['GET'], '/healthz', healthz),
  route(['GET'], '/readyz', readyz),
  route(['POST'], '/readyz/enable', setReady(true)),
  route(['POST'], '/readyz/disable', setReady(false)),
  route(['GET', 'POST', 'PUT'], '/status/{code}', status, 'status'),
  route(['GET'], '/api/info', info),
  route('*', '/api/echo', echo),
  route('*', '/api/echo/*', echo),
];
