import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import {
  envDetector,
  hostDetector,
  osDetector,
  processDetector,
  type ResourceDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { createPropagator } from './propagator.ts';
import { resourceAttributesFrom } from './resource.ts';

export interface Tracing {
  /** Ends the pipeline: every span already ended is exported before this resolves. */
  shutdown(): Promise<void>;
}

/**
 * NodeSDK merges what its detectors find over the resource it is given, and its default list starts
 * with serviceInstanceIdDetector (a random UUID): that would replace service.instance.id = pod name
 * (sdk-node 0.301.0, dist/sdk.mjs). In a pod, leave it out; OTEL_NODE_RESOURCE_DETECTORS still decides
 * when set. Outside a pod the UUID is the only instance id there is.
 */
function resourceDetectorsFor(env: Record<string, string | undefined>): ResourceDetector[] | undefined {
  if (env.OTEL_NODE_RESOURCE_DETECTORS || !env.K8S_POD_NAME) return undefined;
  return [processDetector, hostDetector, osDetector, envDetector];
}

/** Tracing is on unless the standard switches turn it off. */
export const tracingEnabled = (env: Record<string, string | undefined>) =>
  env.OTEL_SDK_DISABLED !== 'true' &&
  !(env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((s) => s.trim())
    .includes('none');

/**
 * Starts the OpenTelemetry SDK: OTLP/HTTP protobuf exporter configured by the standard
 * OTEL_EXPORTER_OTLP_* variables, batch span processor (OTEL_BSP_*), sampler from OTEL_TRACES_SAMPLER
 * (parent-based always-on by default), our propagators registered globally. Metrics and logs stay
 * off: Prometheus scrapes /metrics. Returns undefined when tracing is disabled.
 */
export function startTracing(
  env: Record<string, string | undefined>,
  version: string,
  exporter: SpanExporter = new OTLPTraceExporter(),
): Tracing | undefined {
  if (!tracingEnabled(env)) return undefined;
  const sdk = new NodeSDK({
    resource: resourceFromAttributes(resourceAttributesFrom(env, version)),
    resourceDetectors: resourceDetectorsFor(env),
    traceExporter: exporter,
    textMapPropagator: createPropagator(),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
