import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context, Span, TextMapPropagator, Tracer } from '@opentelemetry/api';
import type { ServiceConfig } from '../config.ts';
import type { Metrics } from '../metrics.ts';

export interface Probes {
  healthy: boolean;
  ready: boolean;
}

/** What every handler may use: the app's configuration, state and telemetry. */
export interface AppContext {
  config: ServiceConfig;
  probes: Probes;
  tracer: Tracer;
  propagator: TextMapPropagator;
  metrics: Metrics;
  /** Environment reported by /env. */
  env: Record<string, string | undefined>;
}

export interface Request {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  /** Context holding the server span: parent of any client span. */
  ctx: Context;
  span: Span;
  requestId: string;
}

export type Handler = (request: Request, app: AppContext) => void | Promise<void>;
