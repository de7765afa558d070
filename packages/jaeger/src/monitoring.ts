// ServiceMonitors for Jaeger's own telemetry (collector pipeline and storage metrics, query metrics).
import type { MeshobsConfig } from '@meshobs/config';
import { type KubeObject, serviceMonitor } from '@meshobs/kube';
import { layoutOf, METRICS, type Role } from './layout.ts';

function roleServiceMonitor(config: MeshobsConfig, role: Role): KubeObject {
  const l = layoutOf(config);
  return serviceMonitor(
    { name: role.name, namespace: l.namespace, labels: role.labels },
    {
      release: config.prometheus.release,
      jobLabel: 'app.kubernetes.io/component',
      selector: role.selector,
      namespaces: [l.namespace],
      endpoints: [{ port: METRICS.name, interval: config.prometheus.scrapeInterval, scheme: 'http' }],
    },
  );
}

export function serviceMonitors(config: MeshobsConfig): KubeObject[] {
  const l = layoutOf(config);
  return [roleServiceMonitor(config, l.collector), roleServiceMonitor(config, l.query)];
}
