// ServiceMonitors for Jaeger's own telemetry (collector pipeline and storage metrics, query metrics).
import type { MeshobsConfig } from '@meshobs/config';
import { type KubeObject, serviceMonitor } from '@meshobs/kube';
import { jaegerLayout as layoutOf, JAEGER_METRICS as METRICS, type JaegerRole as Role } from '@meshobs/model';

function roleServiceMonitor(config: MeshobsConfig, role: Role): KubeObject {
  const l = layoutOf(config);
  return serviceMonitor(
    { name: role.name, namespace: l.namespace, labels: role.labels },
    {
      release: config.prometheus.release,
      selector: role.selector,
      namespaces: [l.namespace],
      // job = the role's Service name (jaeger-collector, jaeger-query), as the plain scrape config names it.
      endpoints: [
        {
          port: METRICS.name,
          interval: config.prometheus.scrapeInterval,
          scheme: 'http',
          relabelings: [{ action: 'replace', targetLabel: 'job', replacement: role.name }],
        },
      ],
    },
  );
}

export function serviceMonitors(config: MeshobsConfig): KubeObject[] {
  const l = layoutOf(config);
  return [roleServiceMonitor(config, l.collector), roleServiceMonitor(config, l.query)];
}
