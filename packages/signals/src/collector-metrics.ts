// Prometheus metric names the collector exposes, for dashboards and alerts to import instead of
// retyping. Verified against the real otelcol-meshobs v0.161.0 binary (test/metrics.e2e.test.ts
// scrapes both endpoints and fails when a name here is not exposed).

/** spanmetrics connector namespace (the connector's own default, fixed here so it can never drift). */
export const SPAN_METRICS_NAMESPACE = 'traces.span.metrics';

/**
 * RED metrics derived from spans: spanmetrics connector -> prometheus exporter
 * (translation UnderscoreEscapingWithSuffixes: dots become underscores, unit and _total suffixes).
 * Scraped from the collector Service's `span-metrics` port (endpointsOf(config).collector.spanMetricsPort).
 */
export const SPAN_METRICS = {
  /** Counter of spans per service/span/kind/status. */
  calls: 'traces_span_metrics_calls_total',
  /** Histogram of span durations in milliseconds (use with histogram_quantile on `le`). */
  durationBucket: 'traces_span_metrics_duration_milliseconds_bucket',
  durationSum: 'traces_span_metrics_duration_milliseconds_sum',
  durationCount: 'traces_span_metrics_duration_milliseconds_count',
} as const;

/** Labels every span metric carries. */
export const SPAN_METRIC_LABELS = {
  service: 'service_name',
  spanName: 'span_name',
  spanKind: 'span_kind',
  statusCode: 'status_code',
} as const;

/** Values of `span_kind` as the connector writes them. */
export const SPAN_KINDS = [
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
] as const;
/** Values of `status_code`: errors are `STATUS_CODE_ERROR`. */
export const SPAN_STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'] as const;

/**
 * The collector's own telemetry, scraped from the `metrics` port (endpointsOf(config).collector.metricsPort).
 * Pipeline counters carry `receiver` / `processor` / `exporter` labels naming the component id
 * (e.g. receiver="otlp", exporter="otlp_grpc/jaeger").
 */
export const COLLECTOR_METRICS = {
  receiverAcceptedSpans: 'otelcol_receiver_accepted_spans_total',
  /** Spans a receiver refused because a processor (memory_limiter) pushed back. */
  receiverRefusedSpans: 'otelcol_receiver_refused_spans_total',
  receiverFailedSpans: 'otelcol_receiver_failed_spans_total',
  memoryLimiterRefusedSpans: 'otelcol_processor_memory_limiter_refused_spans_total',
  processorIncomingItems: 'otelcol_processor_incoming_items_total',
  processorOutgoingItems: 'otelcol_processor_outgoing_items_total',
  /** Per policy: labels `policy`, `sampled` ("true"/"false"), `decision`. */
  tailSamplingTracesSampled: 'otelcol_processor_tail_sampling_count_traces_sampled_total',
  tailSamplingSpansSampled: 'otelcol_processor_tail_sampling_count_spans_sampled_total',
  /** Final decision per trace: label `sampled`. */
  tailSamplingGlobalTracesSampled: 'otelcol_processor_tail_sampling_global_count_traces_sampled_total',
  tailSamplingTracesOnMemory: 'otelcol_processor_tail_sampling_sampling_traces_on_memory',
  tailSamplingNewTraces: 'otelcol_processor_tail_sampling_new_trace_id_received_total',
  tailSamplingDroppedTooEarly: 'otelcol_processor_tail_sampling_sampling_trace_dropped_too_early_total',
  exporterSentSpans: 'otelcol_exporter_sent_spans_total',
  exporterSendFailedSpans: 'otelcol_exporter_send_failed_spans_total',
  exporterEnqueueFailedSpans: 'otelcol_exporter_enqueue_failed_spans_total',
  exporterQueueSize: 'otelcol_exporter_queue_size',
  exporterQueueCapacity: 'otelcol_exporter_queue_capacity',
  processMemoryRss: 'otelcol_process_memory_rss_bytes',
  processHeapAlloc: 'otelcol_process_runtime_heap_alloc_bytes',
  processCpuSeconds: 'otelcol_process_cpu_seconds_total',
  processUptime: 'otelcol_process_uptime_seconds_total',
  /** load_balancing tier (two-tier mode): backends resolved and per-backend outcomes. */
  loadBalancerBackends: 'otelcol_loadbalancer_num_backends',
  loadBalancerBackendOutcome: 'otelcol_loadbalancer_backend_outcome_total',
} as const;

/** Label names on the collector's own metrics. */
export const COLLECTOR_METRIC_LABELS = {
  receiver: 'receiver',
  processor: 'processor',
  exporter: 'exporter',
  policy: 'policy',
  sampled: 'sampled',
} as const;

/**
 * Component ids used in the generated config, for label matchers such as exporter="otlp_grpc/jaeger".
 * Types are the current names of collector v0.161.0: the old ones are deprecated aliases that log
 * '"<old>" alias is deprecated' at start (metadata.yaml `type` / `deprecated_type` of
 * opentelemetry-collector exporter/otlpexporter v0.161.0: otlp_grpc / otlp; contrib
 * exporter/loadbalancingexporter: load_balancing / loadbalancing; connector/spanmetricsconnector:
 * span_metrics / spanmetrics; processor/k8sattributesprocessor v1.0.0: k8s_attributes / k8sattributes).
 */
export const COMPONENT_IDS = {
  jaegerExporter: 'otlp_grpc/jaeger',
  spanMetricsExporter: 'prometheus/spanmetrics',
  loadBalancingExporter: 'load_balancing',
  spanMetricsConnector: 'span_metrics',
  tailSampling: 'tail_sampling',
  memoryLimiter: 'memory_limiter',
} as const;

/** Tail-sampling policy names (values of the `policy` label). */
export const SAMPLING_POLICIES = {
  ordinary: 'keep-ordinary',
  healthCheck: 'keep-health-checks',
  metrics: 'keep-metrics-scrapes',
} as const;
