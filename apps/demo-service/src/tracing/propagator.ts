import type { TextMapPropagator } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';

/**
 * W3C tracecontext + baggage and B3 multi-header, extracted and injected. B3 extraction also accepts
 * the single `b3` header. W3C comes after B3 so that when a caller sends both, traceparent wins
 * (a malformed traceparent is ignored and leaves the B3 context in place).
 */
export function createPropagator(): TextMapPropagator {
  return new CompositePropagator({
    propagators: [
      new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER }),
      new W3CTraceContextPropagator(),
      new W3CBaggagePropagator(),
    ],
  });
}

/** Writes the single `b3` header, for callers that sent one and may expect it downstream. */
export const b3SingleHeader: TextMapPropagator = new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER });
