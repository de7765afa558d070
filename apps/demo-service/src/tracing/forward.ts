import type { IncomingHttpHeaders } from 'node:http';
import { type Context, defaultTextMapSetter, type TextMapPropagator, trace } from '@opentelemetry/api';
import { b3SingleHeader } from './propagator.ts';

/**
 * Headers Istio asks applications to forward that no propagator of ours writes: copied verbatim.
 * The trace-context ones (traceparent, tracestate, baggage, b3, x-b3-*) are not copied but
 * re-injected for the outgoing client span, so the backend's span becomes its child.
 */
export const OPAQUE_FORWARDED_HEADERS = ['x-ot-span-context', 'x-cloud-trace-context', 'grpc-trace-bin'];

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

export function forwardedHeaders(
  incoming: IncomingHttpHeaders,
  requestId: string,
  ctx: Context,
  propagator: TextMapPropagator,
): Record<string, string> {
  const out: Record<string, string> = { 'x-request-id': requestId };
  for (const name of OPAQUE_FORWARDED_HEADERS) {
    const value = first(incoming[name]);
    if (value) out[name] = value;
  }
  propagator.inject(ctx, out, defaultTextMapSetter);
  if (incoming.b3 && trace.getSpanContext(ctx)) b3SingleHeader.inject(ctx, out, defaultTextMapSetter);
  return out;
}
