// Jaeger v2 on Elasticsearch/OpenSearch: collector and query roles, retention jobs, ingress,
// monitoring and network policies, plus the plain Jaeger configs beside them.
import { type ComponentBundle, component } from '@meshobs/kube';
import type { MeshModel } from '@meshobs/model';
import { ingressWarnings, queryIngress, queryRoute } from './ingress.ts';
import { COLLECTOR_CONFIG_FILE, QUERY_CONFIG_FILE } from './jaeger-config.ts';
import { LEGACY_CR_FILE, legacyJaegerCrYaml } from './legacy-cr.ts';
import { serviceMonitors } from './monitoring.ts';
import { networkPolicies } from './network.ts';
import { retentionObjects } from './retention.ts';
import { collectorObjects, queryObjects } from './workloads.ts';

export { AUTH_ANNOTATIONS, authAnnotations, OPEN_UI_WARNING } from './ingress.ts';
export { collectorConfig, queryConfig, storageBackend } from './jaeger-config.ts';
export { legacyJaegerCr } from './legacy-cr.ts';

export function renderJaeger(model: MeshModel): ComponentBundle {
  const config = model.config;
  const collector = collectorObjects(config);
  const query = queryObjects(config);
  const files = [
    { path: COLLECTOR_CONFIG_FILE, content: collector.configYaml },
    { path: QUERY_CONFIG_FILE, content: query.configYaml },
  ];
  const warnings: string[] = [...ingressWarnings(config)];
  if (config.jaeger.legacyOperatorCr) {
    files.push({ path: LEGACY_CR_FILE, content: legacyJaegerCrYaml(config) });
    warnings.push(`jaeger: ${LEGACY_CR_FILE} targets the end-of-life jaeger-operator; apply it instead of the v2 objects, never with them`);
  }
  if (new URL(config.elasticsearch.url).protocol === 'http:')
    warnings.push('jaeger: elasticsearch.url is plain http; credentials travel unencrypted');
  return component('jaeger', {
    objects: [
      ...collector.objects,
      ...query.objects,
      ...queryIngress(config),
      ...queryRoute(config),
      ...retentionObjects(config),
      ...serviceMonitors(config),
      ...networkPolicies(config, model.namespaces.grafana),
    ],
    files,
    warnings,
  });
}
