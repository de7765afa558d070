// istiod internals read by the Control Plane views: Go runtime allocations, xDS push sizes and the
// validation and injection webhooks. Names, types and buckets as upstream exports them:
//   go_memstats_alloc_bytes_total, go_memstats_mallocs_total  prometheus/client_golang
//     prometheus/go_collector.go (counters)
//   pilot_xds_config_size_bytes  istio/istio pilot/pkg/xds/monitoring.go `configSizeBytes`
//     (distribution by `type`, buckets 1, 1e4, 1e6, 4e6, 1e7, 4e7)
//   galley_validation_passed / _failed  istio/istio pkg/webhooks/validation/server/monitoring.go
//     (sums without a `_total` suffix; labels group, version, resource, and reason when failed)
//   sidecar_injection_success_total / _failure_total  istio/istio pkg/kube/inject/monitoring.go
import { constant, counterShape, type Family, hash, histogram, type Labels, renderLabels, type Series } from './series.ts';
import type { MeshSize } from './size.ts';

const XDS_TYPES = ['cds', 'eds', 'lds', 'rds'];
const CONFIG_SIZE_BUCKETS = [1, 10000, 1000000, 4000000, 10000000, 40000000];

const family = (name: string, type: Family['type'], help: string, series: () => Iterable<Series>): Family => ({ name, type, help, series });
const phase = (text: string, seed: number) => (hash(text, seed) % 6283) / 1000;

export function istiodInternalFamilies(size: MeshSize, targets: () => Labels[], proxies: number): Family[] {
  const perPod = (fn: (l: Labels) => Iterable<Series>) =>
    function* () {
      for (const l of targets()) yield* fn(l);
    };
  const counter = (name: string, help: string, rate: (l: Labels) => number, extra: Labels[] = [{}]) =>
    family(
      name,
      'counter',
      help,
      perPod(function* (l) {
        for (const e of extra) {
          const ls = { ...l, ...e };
          yield { name, labels: renderLabels(ls), value: counterShape(rate(ls), phase(renderLabels(ls), size.seed)) };
        }
      }),
    );
  const resource = { group: 'networking.istio.io', version: 'v1', resource: 'virtualservices' };
  return [
    counter('go_memstats_alloc_bytes_total', 'Total number of bytes allocated, even if freed.', () => 2e6 + proxies * 5e3),
    counter('go_memstats_mallocs_total', 'Total number of mallocs.', () => 2e4 + proxies * 50),
    family(
      'pilot_xds_config_size_bytes',
      'histogram',
      'Distribution of configuration sizes pushed to clients',
      perPod(function* (l) {
        for (const type of XDS_TYPES)
          yield* histogram(
            'pilot_xds_config_size_bytes',
            { ...l, type },
            { rate: proxies * 0.05, median: 2e4, sigma: 1.5, buckets: CONFIG_SIZE_BUCKETS, phase: phase(type + l.pod, size.seed) },
          );
      }),
    ),
    // Sums without `_total`: written as gauges to keep the exact names (as controlplane.ts does).
    family(
      'galley_validation_passed',
      'gauge',
      'Resource is valid',
      perPod(function* (l) {
        const ls = { ...l, ...resource };
        yield { name: 'galley_validation_passed', labels: renderLabels(ls), value: counterShape(0.02, phase(renderLabels(ls), size.seed)) };
      }),
    ),
    family(
      'galley_validation_failed',
      'gauge',
      'Resource validation failed',
      perPod(function* (l) {
        const ls = { ...l, ...resource, reason: 'invalid_resource' };
        yield {
          name: 'galley_validation_failed',
          labels: renderLabels(ls),
          value: counterShape(0.001, phase(renderLabels(ls), size.seed)),
        };
      }),
    ),
    counter('sidecar_injection_success_total', 'Total number of successful sidecar injection requests.', () => 0.01),
    family(
      'sidecar_injection_failure_total',
      'counter',
      'Total number of failed sidecar injection requests.',
      perPod(function* (l) {
        // No failed injection: the series exists (as on an istiod that served the webhook) but is flat.
        yield { name: 'sidecar_injection_failure_total', labels: renderLabels(l), value: constant(0) };
      }),
    ),
  ];
}
