// Custom span tags, normalised so one Jaeger tag search finds both application spans (OTel semantic
// conventions) and Envoy spans (Istio Telemetry customTags and Envoy's built-in tags).
//
// Canonical tag = the Istio customTags name (packages/istio renders the same names):
//   environment, cluster_name  literals from the config
//   pod_name, namespace        Istio: from the proxy environment; apps: k8s.pod.name / k8s.namespace.name
//                              resource attributes (SDK resource detectors or k8s_attributes)
//   request_id                 Istio customTag, Envoy's own `guid:x-request-id`, or the OTel
//                              captured header `http.request.header.x-request-id` (a string list)
//   user_agent                 Envoy's `user_agent`; OTel `user_agent.original` / older `http.user_agent`
// The semantic-convention side is filled in the other direction too (user_agent.original,
// k8s.pod.name / k8s.namespace.name on Envoy spans), so a search by either name works.
import type { MeshobsConfig } from '@meshobs/config';

/** Tag names every stored span carries (also the Istio customTags keys). */
export const CUSTOM_TAGS = {
  environment: 'environment',
  clusterName: 'cluster_name',
  podName: 'pod_name',
  namespace: 'namespace',
  requestId: 'request_id',
  userAgent: 'user_agent',
} as const;

const attr = (name: string) => `span.attributes[${JSON.stringify(name)}]`;
const res = (name: string) => `resource.attributes[${JSON.stringify(name)}]`;

/** `set(target, source) where target == nil and <guard>`: never overwrite a tag the sender set. */
const fill = (target: string, source: string, guard = `${source} != nil`) =>
  `set(${target}, ${source}) where ${target} == nil and ${guard}`;

export function customTagStatements(config: MeshobsConfig): string[] {
  const lit = (v: string) => JSON.stringify(v);
  const header = attr('http.request.header.x-request-id');
  return [
    `set(${attr('environment')}, ${lit(config.cluster.environment)}) where ${attr('environment')} == nil`,
    `set(${attr('cluster_name')}, ${lit(config.cluster.name)}) where ${attr('cluster_name')} == nil`,
    fill(attr('pod_name'), res('k8s.pod.name')),
    fill(attr('namespace'), res('k8s.namespace.name')),
    fill(attr('k8s.pod.name'), attr('pod_name')),
    fill(attr('k8s.namespace.name'), attr('namespace')),
    fill(attr('request_id'), attr('guid:x-request-id')),
    // OTel HTTP instrumentations capture headers as string lists; some senders use a plain string.
    fill(attr('request_id'), `${header}[0]`, `IsList(${header})`),
    fill(attr('request_id'), header, `IsString(${header})`),
    fill(attr('user_agent'), attr('user_agent.original')),
    fill(attr('user_agent'), attr('http.user_agent')),
    fill(attr('user_agent.original'), attr('user_agent')),
  ];
}

/** Resource attributes the resource processor inserts (semantic-convention names). */
export function resourceAttributes(config: MeshobsConfig) {
  return [
    { key: 'deployment.environment.name', value: config.cluster.environment, action: 'insert' },
    { key: 'k8s.cluster.name', value: config.cluster.name, action: 'insert' },
  ];
}
