// ServiceMonitors for Jaeger's own telemetry (collector pipeline and storage metrics, query metrics).
import type { MeshobsConfig } from '@meshobs/config';
import type { KubeObject } from '@meshobs/kube';
import { layoutOf, type Role } from './layout.ts';

function serviceMonitor(config: MeshobsConfig, role: Role): KubeObject {
  const l = layoutOf(config);
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: role.name, namespace: l.namespace, labels: { ...role.labels, release: config.prometheus.release } },
    spec: {
      jobLabel: 'app.kubernetes.io/component',
      selector: { matchLabels: role.selector },
      namespaceSelector: { matchNames: [l.namespace] },
      endpoints: [{ port: 'http-metrics', interval: config.prometheus.scrapeInterval, path: '/metrics', scheme: 'http' }],
    },
  };
}

export function serviceMonitors(config: MeshobsConfig): KubeObject[] {
  const l = layoutOf(config);
  return [serviceMonitor(config, l.collector), serviceMonitor(config, l.query)];
}
