// The collector configuration as a typed value, one builder for all three roles:
// Batching is done by the exporters' sending queues (no batch processor).
//   single        receivers -> pod identity -> tags -> tail sampling -> Jaeger, plus spanmetrics (the default)
//   loadbalancer  receivers -> pod identity -> tags -> load_balancing by trace id to the sampler pods, plus spanmetrics
//   sampler       OTLP from the load balancers -> tail sampling -> Jaeger
import type { MeshobsConfig } from '@meshobs/config';
import { endpointsOf, OTLP_TRANSPORT, otlpBatch } from '@meshobs/config';
import { memoryBytes } from '@meshobs/kube';
import { COMPONENT_IDS, SPAN_METRICS_NAMESPACE } from '@meshobs/signals';
import { k8sAttributesProcessor, podIdentityStatements } from './pod-identity.ts';
import { tailSamplingProcessor } from './sampling.ts';
import { customTagStatements, resourceAttributes } from './tags.ts';

/** Lifts Envoy's pod-identity span tags onto the resource, before k8s_attributes. */
export const POD_IDENTITY_PROCESSOR = 'transform/pod_identity';

export type CollectorRole = 'single' | 'loadbalancer' | 'sampler';

export interface CollectorConfig {
  extensions: Record<string, unknown>;
  receivers: Record<string, unknown>;
  processors: Record<string, unknown>;
  connectors: Record<string, unknown>;
  exporters: Record<string, unknown>;
  service: {
    extensions: string[];
    telemetry: Record<string, unknown>;
    pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }>;
  };
}

const MiB = 2 ** 20;
const listen = (port: number) => `0.0.0.0:${port}`;

/** Span-duration histogram buckets: 2 ms .. 15 s. */
const DURATION_BUCKETS_MS = ['2ms', '5ms', '10ms', '25ms', '50ms', '100ms', '250ms', '500ms', '1s', '2500ms', '5s', '10s', '15s'];

/** memory_limiter sized from the container limit; GOMEMLIMIT is set just above it in the pod. */
export function memoryLimiter(config: MeshobsConfig) {
  const c = config.tracing.collector;
  const limit = memoryBytes(c.resources.limits.memory);
  return {
    check_interval: '1s',
    limit_mib: Math.floor((limit * c.memoryLimitPercent) / 100 / MiB),
    spike_limit_mib: Math.floor((limit * c.memorySpikePercent) / 100 / MiB),
  };
}

/**
 * OTLP over gRPC, accepting the largest batch any hop of the bundle sends, with a margin (gRPC's own
 * default is 4 MiB; @meshobs/config otlp-transport.ts holds both numbers and the facts behind them).
 */
const otlpGrpc = (port: number) => ({ endpoint: listen(port), max_recv_msg_size_mib: OTLP_TRANSPORT.receiverMaxRecvMiB });

function receivers(config: MeshobsConfig, role: CollectorRole) {
  const e = endpointsOf(config).collector;
  const otlp = { protocols: { grpc: otlpGrpc(e.otlpGrpcPort), http: { endpoint: listen(e.otlpHttpPort) } } };
  if (role === 'sampler') return { otlp: { protocols: { grpc: otlpGrpc(e.otlpGrpcPort) } } };
  return {
    otlp,
    // Istio's zipkin extension provider and older Envoy tracers.
    zipkin: { endpoint: listen(e.zipkinPort) },
    jaeger: { protocols: { grpc: { endpoint: listen(e.jaegerGrpcPort) }, thrift_http: { endpoint: listen(e.jaegerThriftHttpPort) } } },
  };
}

const retry = { enabled: true, initial_interval: '1s', max_interval: '30s', max_elapsed_time: '10m' };

/**
 * A queued batch counted in spans: the batch processor's 8,192, which the sending queue's size in
 * batches (`sendingQueueSize`) was chosen for.
 */
const SPANS_PER_QUEUED_BATCH = 8192;

/**
 * Exporter-side batching, which replaces the batch processor (collector exporterhelper v0.161.0
 * internal/queuebatch/config.go, README "Sending queue" and "Sending queue batch settings").
 * - The queue holds what comes in before it is batched, so it is counted in spans (sizer `items`):
 *   `sendingQueueSize` batches of 8,192 spans, whatever the requests' sizes. Counted in requests it held
 *   5,000 traces on a sampler, as tail sampling hands every kept trace to the exporter as a request of its
 *   own (tailsamplingprocessor v0.161.0 processor.go releaseSampledTrace -> forwardSpans), and 5,000
 *   sidecar flushes on the load balancer: a few seconds of a slow Jaeger, then dropped spans. Memory
 *   stays bounded by memory_limiter, which refuses new data (retryably) before the queue fills.
 * - Its consumers send batches measured in serialized bytes (batch sizer `bytes`), split at the size
 *   every receiver of the next hop accepts (OTLP_TRANSPORT in @meshobs/config: 2-3 MiB, or what arrived
 *   within 1 s). Counted in spans, a batch of Envoy spans outgrew the next hop's gRPC limit and was dropped.
 */
const sendingQueue = (config: MeshobsConfig) => ({
  enabled: true,
  num_consumers: 4,
  sizer: 'items',
  queue_size: config.tracing.collector.sendingQueueSize * SPANS_PER_QUEUED_BATCH,
  batch: otlpBatch(),
});

function jaegerExporter(config: MeshobsConfig) {
  return {
    endpoint: endpointsOf(config).jaeger.collectorOtlpGrpc,
    // Plain gRPC inside the mesh: the sidecars wrap it in mTLS (STRICT PeerAuthentication).
    tls: { insecure: true },
    sending_queue: sendingQueue(config),
    retry_on_failure: retry,
  };
}

function loadBalancingExporter(config: MeshobsConfig) {
  const e = endpointsOf(config).collector;
  return {
    routing_key: 'traceID',
    // `otlp` here is the config key of the per-backend OTLP exporter, not a component type.
    protocol: {
      otlp: {
        tls: { insecure: true },
        // Batches per sampler backend, after the split by trace id.
        sending_queue: sendingQueue(config),
        retry_on_failure: retry,
      },
    },
    resolver: {
      k8s: {
        service: `${e.samplerHeadlessService}.${config.namespaces.observability}`,
        ports: [e.otlpGrpcPort],
        // Pod DNS names (headless Service of the StatefulSet) instead of IPs: Istio sidecars route
        // and authenticate per host, which is what upstream recommends for sidecar meshes.
        return_hostnames: true,
      },
    },
  };
}

function extensions(config: MeshobsConfig) {
  const e = endpointsOf(config).collector;
  const ext: Record<string, unknown> = { health_check: { endpoint: listen(e.healthPort) } };
  if (config.tracing.collector.debugExtensions) {
    ext.zpages = { endpoint: 'localhost:55679' };
    ext.pprof = { endpoint: 'localhost:1777' };
  }
  return ext;
}

function telemetry(config: MeshobsConfig) {
  return {
    metrics: {
      level: 'normal',
      readers: [
        {
          pull: {
            exporter: {
              prometheus: {
                host: '0.0.0.0',
                port: endpointsOf(config).collector.metricsPort,
                // The collector's default drops unit and _total suffixes; keep the Prometheus
                // conventions (otelcol_receiver_accepted_spans_total) that dashboards and
                // promtool lint expect. See metrics.ts.
                without_units: false,
                without_type_suffix: false,
              },
            },
          },
        },
      ],
    },
  };
}

/** The whole collector config for one role. */
export function buildCollectorConfig(config: MeshobsConfig, role: CollectorRole = 'single'): CollectorConfig {
  const e = endpointsOf(config).collector;
  const samples = role !== 'loadbalancer';
  const receivesApps = role !== 'sampler';

  const processors: Record<string, unknown> = { memory_limiter: memoryLimiter(config) };
  if (receivesApps) {
    // Pod identity onto the resource first, then k8s_attributes finds the pod by it (pod-identity.ts).
    processors[POD_IDENTITY_PROCESSOR] = { error_mode: 'ignore', trace_statements: [{ statements: podIdentityStatements() }] };
    processors.k8s_attributes = k8sAttributesProcessor();
    processors.resource = { attributes: resourceAttributes(config) };
    processors['transform/tags'] = {
      error_mode: 'ignore',
      trace_statements: [{ statements: customTagStatements(config) }],
    };
  }
  if (samples) processors.tail_sampling = tailSamplingProcessor(config);

  const exporters: Record<string, unknown> = {};
  const connectors: Record<string, unknown> = {};
  const pipelines: CollectorConfig['service']['pipelines'] = {};
  const receiverIds = Object.keys(receivers(config, role));
  const tagProcessors = receivesApps ? [POD_IDENTITY_PROCESSOR, 'k8s_attributes', 'resource', 'transform/tags'] : [];

  if (samples) {
    exporters[COMPONENT_IDS.jaegerExporter] = jaegerExporter(config);
    pipelines.traces = {
      receivers: receiverIds,
      processors: ['memory_limiter', ...tagProcessors, 'tail_sampling'],
      exporters: [COMPONENT_IDS.jaegerExporter],
    };
  } else {
    exporters[COMPONENT_IDS.loadBalancingExporter] = loadBalancingExporter(config);
    pipelines.traces = {
      receivers: receiverIds,
      processors: ['memory_limiter', ...tagProcessors],
      exporters: [COMPONENT_IDS.loadBalancingExporter],
    };
  }

  if (receivesApps) {
    // RED metrics from every span, before sampling drops any (a second pipeline on the same receivers).
    connectors[COMPONENT_IDS.spanMetricsConnector] = {
      namespace: SPAN_METRICS_NAMESPACE,
      histogram: { unit: 'ms', explicit: { buckets: DURATION_BUCKETS_MS } },
      metrics_flush_interval: '15s',
      metrics_expiration: '10m',
    };
    exporters[COMPONENT_IDS.spanMetricsExporter] = {
      endpoint: listen(e.spanMetricsPort),
      translation_strategy: 'UnderscoreEscapingWithSuffixes',
      metric_expiration: '10m',
    };
    pipelines['traces/spanmetrics'] = {
      receivers: receiverIds,
      processors: ['memory_limiter'],
      exporters: [COMPONENT_IDS.spanMetricsConnector],
    };
    // No batching in front of the (pull) Prometheus exporter: it only holds the latest values.
    pipelines['metrics/spanmetrics'] = {
      receivers: [COMPONENT_IDS.spanMetricsConnector],
      processors: [],
      exporters: [COMPONENT_IDS.spanMetricsExporter],
    };
  }

  const ext = extensions(config);
  return {
    extensions: ext,
    receivers: receivers(config, role),
    processors,
    connectors,
    exporters,
    service: { extensions: Object.keys(ext), telemetry: telemetry(config), pipelines },
  };
}
