// 3. Distributed Tracing: RED metrics derived from spans (collector spanmetrics connector), the
// health of the trace pipeline, and links into Jaeger.
import { DashboardBuilder, DashboardCursorSync } from '@grafana/grafana-foundation-sdk/dashboard';
import { DASHBOARD_UIDS, type MeshModel } from '@meshobs/model';
import { pipelineQueries, spanQueries } from '@meshobs/signals';
import { Layout } from './layout.ts';
import { dashboardLinks, jaegerSearchLink, timeDefaults, titleOf } from './meta.ts';
import { row, stat, table, timeseries } from './panels.ts';
import { datasourceVariable, spanServiceVariable } from './variables.ts';

export function tracingDashboard(model: MeshModel) {
  const config = model.config;
  const s = spanQueries();
  const p = pipelineQueries(config);
  const l = new Layout();
  const field = (label: string) => `\${__field.labels.${label}}`;
  const traces = jaegerSearchLink(config, 'Traces in Jaeger', field('service_name'), `&operation=${field('span_name')}`);
  const errorTraces = jaegerSearchLink(
    config,
    'Error traces in Jaeger',
    field('service_name'),
    `&operation=${field('span_name')}&tags=%7B%22error%22%3A%22true%22%7D`,
  );
  const serviceTraces = jaegerSearchLink(config, 'Traces in Jaeger', '${__data.fields.Service}');
  const tail = config.tracing;

  return new DashboardBuilder(titleOf(model, DASHBOARD_UIDS.tracing))
    .uid(DASHBOARD_UIDS.tracing)
    .description(
      'Request rate, errors and duration derived from spans by the collector, the health of the trace pipeline, and links to Jaeger.',
    )
    .tags(['meshobs', 'tracing'])
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .time(timeDefaults.time)
    .refresh(timeDefaults.refresh)
    .links(dashboardLinks(config))
    .variables([datasourceVariable(config), spanServiceVariable()])

    .withRow(row(l, 'Span RED metrics'))
    .withPanel(
      timeseries(l, {
        title: 'Span rate',
        description: 'Spans per second by service and operation. Click a series for its traces in Jaeger.',
        unit: 'reqps',
        w: 8,
        h: 8,
        links: [traces],
        targets: [{ expr: s.rate, legend: '{{service_name}} {{span_name}}' }],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'Span error ratio',
        description: 'Share of spans with status ERROR, by service and operation. Click a series for its error traces.',
        unit: 'percentunit',
        w: 8,
        h: 8,
        links: [errorTraces],
        thresholds: [
          [0.01, 'orange'],
          [0.05, 'red'],
        ],
        targets: [{ expr: s.errorRatio, legend: '{{service_name}} {{span_name}}' }],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'Span duration',
        description: 'P50, P90 and P99 span duration per service.',
        unit: 'ms',
        w: 8,
        h: 8,
        links: [traces],
        targets: [0.5, 0.9, 0.99].map((q) => ({ expr: s.duration(q), legend: `{{service_name}} P${q * 100}` })),
      }),
    )
    .withPanel(
      table(l, {
        title: 'Services by spans',
        description: 'Every service that sends spans: rate, error ratio and P99. Click a row for its traces in Jaeger.',
        unit: 'none',
        w: 24,
        h: 8,
        links: [serviceTraces],
        labelColumns: { service_name: 'Service' },
        valueColumns: [
          { title: 'Spans/s', unit: 'reqps' },
          { title: 'Errors', unit: 'percentunit' },
          { title: 'P99', unit: 'ms' },
        ],
        targets: [{ expr: s.serviceRate }, { expr: s.serviceErrorRatio }, { expr: s.serviceP99 }],
      }),
    )

    .withRow(row(l, 'Trace pipeline'))
    .withPanel(
      stat(l, {
        title: 'Traces kept',
        description: `Share of traces tail sampling keeps (defaults: ${tail.sampling.defaultPercent} % of ordinary traces, ${tail.sampling.healthCheckPercent} % of health checks, ${tail.sampling.metricsPercent} % of /metrics).`,
        unit: 'percentunit',
        decimals: 1,
        w: 6,
        h: 8,
        min: 0,
        max: 1,
        targets: [{ expr: p.sampledShare, legend: 'kept' }],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'Spans accepted and refused',
        description:
          'Spans per second the receivers accepted and refused (refused means the memory limiter pushed back: scale the collectors).',
        unit: 'ops',
        w: 9,
        h: 8,
        targets: [
          { expr: p.accepted, legend: 'accepted {{receiver}}' },
          { expr: p.refused, legend: 'refused {{receiver}}' },
        ],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'Spans dropped',
        description:
          'Spans lost inside the pipeline: refused by the memory limiter, traces dropped before a sampling decision (num_traces too small), and spans the exporter failed to send.',
        unit: 'ops',
        w: 9,
        h: 8,
        targets: [
          { expr: p.memoryLimiterRefused, legend: 'memory limiter' },
          { expr: p.droppedTooEarly, legend: 'dropped too early (traces)' },
          { expr: p.exportFailed, legend: 'export failed {{exporter}}' },
        ],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'Tail-sampling decisions',
        description: 'Traces per second per policy, sampled (true) or not (false).',
        unit: 'ops',
        w: 12,
        h: 8,
        targets: [{ expr: p.decisionsByPolicy, legend: '{{policy}} sampled={{sampled}}' }],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'Traces held for decision',
        description: `Traces waiting for decision_wait (${tail.tailSampling.decisionWait}) in each collector; near num_traces means traces get dropped early.`,
        unit: 'none',
        w: 12,
        h: 8,
        targets: [{ expr: p.tracesOnMemory, legend: '{{pod}}' }],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'Exporter queue',
        description: 'Batches waiting in the exporter queue against its capacity; a queue that keeps growing means Jaeger cannot keep up.',
        unit: 'none',
        w: 8,
        h: 8,
        targets: [
          { expr: p.queueSize, legend: '{{pod}} {{exporter}}' },
          { expr: p.queueCapacity, legend: 'capacity {{exporter}}' },
        ],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'Spans exported',
        description: 'Spans per second sent by each exporter.',
        unit: 'ops',
        w: 8,
        h: 8,
        targets: [{ expr: p.sent, legend: '{{exporter}}' }],
      }),
    )
    .withPanel(
      timeseries(l, {
        title: 'Collector memory',
        description: 'Resident memory per collector pod.',
        unit: 'bytes',
        w: 8,
        h: 8,
        targets: [{ expr: p.memory, legend: '{{pod}}' }],
      }),
    );
}
