// ServiceMonitor for kube-prometheus-stack: the collector's own telemetry and the spanmetrics RED metrics.
import type { MeshobsConfig } from '@meshobs/config';
import { type KubeObject, standardLabels, withComment } from '@meshobs/kube';
import { COLLECTOR_APP, SPAN_METRICS_PORT_NAME } from './workloads.ts';

export function serviceMonitor(config: MeshobsConfig): KubeObject {
  const c = config.tracing.collector;
  const interval = config.prometheus.scrapeInterval;
  return withComment(
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: {
        name: c.name,
        namespace: config.namespaces.observability,
        labels: {
          ...standardLabels({ name: COLLECTOR_APP, instance: c.name, component: 'collector' }),
          release: config.prometheus.release,
        },
      },
      spec: {
        jobLabel: 'app.kubernetes.io/name',
        // Selects both tiers' Services (the sampler Service has no span-metrics port; Prometheus skips it there).
        selector: { matchLabels: { 'app.kubernetes.io/name': COLLECTOR_APP, 'app.kubernetes.io/instance': c.name } },
        namespaceSelector: { matchNames: [config.namespaces.observability] },
        endpoints: [
          { port: 'http-metrics', interval, path: '/metrics', scheme: 'http' },
          // The exporter's own job/instance labels (the traced service) become exported_job/exported_instance;
          // dashboards select on service_name.
          { port: SPAN_METRICS_PORT_NAME, interval, path: '/metrics', scheme: 'http' },
        ],
      },
    },
    'Scraped over plain HTTP from the monitoring namespace (no sidecar there): the istio component opens these two ports with a port-level PERMISSIVE PeerAuthentication.',
  );
}
