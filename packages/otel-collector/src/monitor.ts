// ServiceMonitor for kube-prometheus-stack: the collector's own telemetry and the spanmetrics RED metrics.
import type { MeshobsConfig } from '@meshobs/config';
import { type KubeObject, serviceMonitor, standardLabels, withComment } from '@meshobs/kube';
import { COLLECTOR_APP, ownPorts } from '@meshobs/model';

export function collectorServiceMonitor(config: MeshobsConfig): KubeObject {
  const c = config.tracing.collector;
  const interval = config.prometheus.scrapeInterval;
  const own = ownPorts(config);
  const job = { action: 'replace' as const, targetLabel: 'job', replacement: config.prometheus.jobs.collector };
  return withComment(
    serviceMonitor(
      {
        name: c.name,
        namespace: config.namespaces.observability,
        labels: standardLabels({ name: COLLECTOR_APP, instance: c.name, component: 'collector' }),
      },
      {
        release: config.prometheus.release,
        // Selects both tiers' Services (the sampler Service has no span-metrics port; Prometheus skips it there).
        selector: { 'app.kubernetes.io/name': COLLECTOR_APP, 'app.kubernetes.io/instance': c.name },
        namespaces: [config.namespaces.observability],
        // job = prometheus.jobs.collector, the job the tracing dashboard and the rules select on.
        endpoints: [
          { port: own.metrics.name, interval, scheme: 'http', relabelings: [job] },
          // The exporter's own job/instance labels (the traced service) become exported_job/exported_instance;
          // dashboards select on service_name.
          { port: own.spanMetrics.name, interval, scheme: 'http', relabelings: [job] },
        ],
      },
    ),
    'Scraped over plain HTTP from the monitoring namespace (no sidecar there): the istio component opens these two ports with a port-level PERMISSIVE PeerAuthentication.',
  );
}
