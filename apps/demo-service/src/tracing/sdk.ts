import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { createPropagator } from './propagator.ts';
import { resourceAttributesFrom } from './resource.ts';

export interface Tracing {
  /** Ends the pipeline: every span already ended is exported before this resolves. */
  shutdown(): Promise<void>;
}

/** Tracing is on unless the standard switches turn it off. */
export const tracingEnabled = (env: Record<string, string | undefined>) =>
  env.OTEL_SDK_DISABLED !== 'true' && !(env.OTEL_TRACES_EXPORTER ?? '').split(',').map((s) => s.trim()).includes('none');

/**
 * Starts the OpenTelemetry SDK: OTLP/HTTP protobuf exporter configured by the standard
 * OTEL_EXPORTER_OTLP_* variables, batch span processor (OTEL_BSP_*), sampler from OTEL_TRACES_SAMPLER
 * (parent-based always-on by default), our propagators registered globally. Metrics and logs stay
 * off: Prometheus scrapes /metrics. Returns undefined when tracing is disabled.
 */
export function startTracing(env: Record<string, string | undefined>, version: string): Tracing | undefined {
  if (!tracingEnabled(env)) return undefined;
  const sdk = new NodeSDK({
    resource: resourceFromAttributes(resourceAttributesFrom(env, version)),
    traceExporter: new OTLPTraceExporter(),
    textMapPropagator: createPropagator(),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
