// The trace pipeline as Prometheus sees it: the spanmetrics connector's RED metrics (exported by the
// collector's prometheus exporter, namespace traces.span.metrics, unit ms) and the collector's own
// telemetry (:8888).

import { constant, counterShape, type Family, gaugeShape, hash, histogram, type Labels, renderLabels, type Series } from './series.ts';
import { type MeshSize, SPANMETRICS_BUCKETS_MS } from './size.ts';
import { OBSERVABILITY_NAMESPACE, type Topology } from './topology.ts';

export const SPAN_METRICS = {
  calls: 'traces_span_metrics_calls',
  duration: 'traces_span_metrics_duration_milliseconds',
} as const;

const COLLECTOR_REPLICAS = 2;

export function collectorTargets(size: MeshSize): Labels[] {
  return Array.from({ length: COLLECTOR_REPLICAS }, (_, i) => ({
    job: size.jobs.collector,
    namespace: OBSERVABILITY_NAMESPACE,
    pod: `otel-collector-${i}`,
    instance: `10.250.0.${i + 1}:8888`,
  }));
}

const phase = (text: string, seed: number) => (hash(text, seed) % 6283) / 1000;
const family = (name: string, type: Family['type'], help: string, series: () => Iterable<Series>): Family => ({ name, type, help, series });

const SPANS = [
  { span_name: 'GET /', span_kind: 'SPAN_KIND_SERVER', share: 0.7, medianMs: 25 },
  { span_name: 'GET /api/info', span_kind: 'SPAN_KIND_SERVER', share: 0.25, medianMs: 40 },
  { span_name: 'GET', span_kind: 'SPAN_KIND_CLIENT', share: 0.3, medianMs: 15 },
];

export function spanMetricsFamilies(size: MeshSize, topo: Topology): Family[] {
  function* spans(): Iterable<{ labels: Labels; rate: number; medianMs: number }> {
    for (const service of topo.services) {
      const rate = size.requestsPerService * 0.5;
      for (const s of SPANS)
        for (const [status_code, share] of [
          ['STATUS_CODE_UNSET', 0.98],
          ['STATUS_CODE_ERROR', 0.02],
        ] as const) {
          const labels: Labels = {
            job: size.jobs.collector,
            namespace: OBSERVABILITY_NAMESPACE,
            instance: '10.250.0.1:8889',
            // The exporter sets job=<service.name>; the scrape renames it (honor_labels: false).
            exported_job: service.name,
            otel_scope_name: 'spanmetricsconnector',
            service_name: service.name,
            span_name: s.span_name,
            span_kind: s.span_kind,
            status_code,
          };
          yield { labels, rate: rate * s.share * share, medianMs: s.medianMs * (1 + (service.index % 5)) };
        }
    }
  }
  return [
    family(SPAN_METRICS.calls, 'counter', 'Spans seen by the spanmetrics connector.', function* () {
      for (const s of spans())
        yield {
          name: `${SPAN_METRICS.calls}_total`,
          labels: renderLabels(s.labels),
          value: counterShape(s.rate, phase(renderLabels(s.labels), size.seed)),
        };
    }),
    family(SPAN_METRICS.duration, 'histogram', 'Span durations in milliseconds.', function* () {
      for (const s of spans())
        yield* histogram(SPAN_METRICS.duration, s.labels, {
          rate: s.rate,
          median: s.medianMs,
          sigma: 0.7,
          buckets: SPANMETRICS_BUCKETS_MS,
          phase: phase(renderLabels(s.labels), size.seed),
        });
    }),
  ];
}

// Policy names of the bundle's tail-sampling config (packages/otel-collector sampling policies).
const TAIL_POLICIES = [
  { policy: 'keep-ordinary', sampledShare: 1, share: 0.7 },
  { policy: 'keep-health-checks', sampledShare: 0.1, share: 0.2 },
  { policy: 'keep-metrics-scrapes', sampledShare: 0.01, share: 0.1 },
];
const decision = (sampled: string) => (sampled === 'true' ? 'sampled' : 'not_sampled');

/** Share of received spans entering and leaving each processor: tail sampling drops the unsampled. */
const PROCESSORS = [
  { processor: 'memory_limiter', in: 1, out: 0.9998 },
  { processor: 'tail_sampling', in: 0.9998, out: 0.72 },
];

export function collectorFamilies(size: MeshSize, topo: Topology): Family[] {
  const spansPerSecond = (topo.services.length * size.requestsPerService * 1.5) / COLLECTOR_REPLICAS;
  const tracesPerSecond = spansPerSecond / 4;
  const perTarget = (fn: (l: Labels) => Iterable<Series>) =>
    function* () {
      for (const l of collectorTargets(size)) yield* fn(l);
    };
  const counter = (name: string, l: Labels, rate: number): Series => ({
    name: `${name}_total`,
    labels: renderLabels(l),
    value: counterShape(rate, phase(renderLabels(l), size.seed)),
  });
  const receivers = [
    { receiver: 'otlp', transport: 'grpc', share: 0.8 },
    { receiver: 'zipkin', transport: 'http', share: 0.2 },
  ];
  return [
    family(
      'otelcol_receiver_accepted_spans',
      'counter',
      'Spans successfully pushed into the pipeline.',
      perTarget(function* (l) {
        for (const r of receivers)
          yield counter(
            'otelcol_receiver_accepted_spans',
            { ...l, receiver: r.receiver, transport: r.transport },
            spansPerSecond * r.share,
          );
      }),
    ),
    family(
      'otelcol_receiver_refused_spans',
      'counter',
      'Spans that could not be pushed into the pipeline.',
      perTarget(function* (l) {
        for (const r of receivers)
          yield counter('otelcol_receiver_refused_spans', { ...l, receiver: r.receiver, transport: r.transport }, spansPerSecond * 0.0005);
      }),
    ),
    family(
      'otelcol_processor_memory_limiter_refused_spans',
      'counter',
      'Spans refused by the memory limiter.',
      perTarget(function* (l) {
        yield counter('otelcol_processor_memory_limiter_refused_spans', { ...l, processor: 'memory_limiter' }, spansPerSecond * 0.0002);
      }),
    ),
    family(
      'otelcol_processor_incoming_items',
      'counter',
      'Items passed to the processor.',
      perTarget(function* (l) {
        for (const p of PROCESSORS)
          yield counter('otelcol_processor_incoming_items', { ...l, otel_signal: 'traces', processor: p.processor }, spansPerSecond * p.in);
      }),
    ),
    family(
      'otelcol_processor_outgoing_items',
      'counter',
      'Items emitted by the processor.',
      perTarget(function* (l) {
        for (const p of PROCESSORS)
          yield counter(
            'otelcol_processor_outgoing_items',
            { ...l, otel_signal: 'traces', processor: p.processor },
            spansPerSecond * p.out,
          );
      }),
    ),
    family(
      'otelcol_processor_tail_sampling_count_traces_sampled',
      'counter',
      'Count of traces sampled or not, per policy.',
      perTarget(function* (l) {
        for (const p of TAIL_POLICIES)
          for (const sampled of ['true', 'false']) {
            const share = sampled === 'true' ? p.sampledShare : 1 - p.sampledShare;
            if (share > 0)
              yield counter(
                'otelcol_processor_tail_sampling_count_traces_sampled',
                { ...l, decision: decision(sampled), policy: p.policy, sampled },
                tracesPerSecond * p.share * share,
              );
          }
      }),
    ),
    family(
      'otelcol_processor_tail_sampling_global_count_traces_sampled',
      'counter',
      'Traces sampled or not by at least one policy.',
      perTarget(function* (l) {
        yield counter(
          'otelcol_processor_tail_sampling_global_count_traces_sampled',
          { ...l, decision: 'sampled', sampled: 'true' },
          tracesPerSecond * 0.72,
        );
        yield counter(
          'otelcol_processor_tail_sampling_global_count_traces_sampled',
          { ...l, decision: 'not_sampled', sampled: 'false' },
          tracesPerSecond * 0.28,
        );
      }),
    ),
    family(
      'otelcol_processor_tail_sampling_sampling_trace_dropped_too_early',
      'counter',
      'Traces dropped before a decision (num_traces too small).',
      perTarget(function* (l) {
        yield counter('otelcol_processor_tail_sampling_sampling_trace_dropped_too_early', l, tracesPerSecond * 0.0001);
      }),
    ),
    family(
      'otelcol_processor_tail_sampling_sampling_traces_on_memory',
      'gauge',
      'Traces currently held in memory.',
      perTarget(function* (l) {
        yield {
          name: 'otelcol_processor_tail_sampling_sampling_traces_on_memory',
          labels: renderLabels(l),
          value: gaugeShape(tracesPerSecond * 30, 0.1, phase(l.pod!, size.seed)),
        };
      }),
    ),
    family(
      'otelcol_exporter_sent_spans',
      'counter',
      'Spans successfully sent to the destination.',
      perTarget(function* (l) {
        yield counter('otelcol_exporter_sent_spans', { ...l, exporter: 'otlp_grpc/jaeger' }, spansPerSecond * 0.7);
      }),
    ),
    family(
      'otelcol_exporter_send_failed_spans',
      'counter',
      'Spans the exporter failed to send.',
      perTarget(function* (l) {
        yield counter('otelcol_exporter_send_failed_spans', { ...l, exporter: 'otlp_grpc/jaeger' }, spansPerSecond * 0.0002);
      }),
    ),
    family(
      'otelcol_exporter_queue_size',
      'gauge',
      'Current size of the retry queue (in batches).',
      perTarget(function* (l) {
        yield {
          name: 'otelcol_exporter_queue_size',
          labels: renderLabels({ ...l, exporter: 'otlp_grpc/jaeger' }),
          value: gaugeShape(40, 0.5, phase(l.pod!, size.seed)),
        };
      }),
    ),
    family(
      'otelcol_exporter_queue_capacity',
      'gauge',
      'Fixed capacity of the retry queue (in batches).',
      perTarget(function* (l) {
        yield {
          name: 'otelcol_exporter_queue_capacity',
          labels: renderLabels({ ...l, exporter: 'otlp_grpc/jaeger' }),
          value: constant(1000),
        };
      }),
    ),
    family(
      'otelcol_process_memory_rss_bytes',
      'gauge',
      'Total physical memory (resident set size).',
      perTarget(function* (l) {
        yield {
          name: 'otelcol_process_memory_rss_bytes',
          labels: renderLabels(l),
          value: gaugeShape(400e6, 0.1, phase(l.pod!, size.seed)),
        };
      }),
    ),
    family(
      'otelcol_process_cpu_seconds',
      'counter',
      'Total CPU user and system time in seconds.',
      perTarget(function* (l) {
        yield counter('otelcol_process_cpu_seconds', l, 0.3);
      }),
    ),
  ];
}
