// ServiceMonitor (prometheus-operator monitoring.coreos.com/v1) for kube-prometheus-stack.
import type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import type { Manifest, ObjectMeta } from '../types.ts';

type Endpoint = NonNullable<IServiceMonitor['spec']['endpoints']>[number];

export interface ScrapeEndpoint {
  /** Service port name. */
  port: string;
  interval: string;
  path?: string;
  scheme?: 'http';
  relabelings?: Endpoint['relabelings'];
}

export interface ServiceMonitorOptions {
  /** The kube-prometheus-stack release label its Prometheus selects monitors by (prometheus.release). */
  release: string;
  /** Service label whose value becomes the job name. */
  jobLabel?: string;
  selector: Record<string, string>;
  namespaces: string[];
  endpoints: ScrapeEndpoint[];
}

export function serviceMonitor(metadata: ObjectMeta, o: ServiceMonitorOptions): Manifest<IServiceMonitor> {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { ...metadata, labels: { ...metadata.labels, release: o.release } },
    spec: {
      ...(o.jobLabel ? { jobLabel: o.jobLabel } : {}),
      selector: { matchLabels: o.selector },
      namespaceSelector: { matchNames: o.namespaces },
      endpoints: o.endpoints.map((e) => ({
        port: e.port,
        interval: e.interval,
        path: e.path ?? '/metrics',
        ...(e.scheme ? { scheme: e.scheme } : {}),
        ...(e.relabelings ? { relabelings: e.relabelings } : {}),
      })),
    },
  };
}
