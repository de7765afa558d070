// telemetry.istio.io/v1 Telemetry: mesh-wide tracing with custom tags, and access logging.
import type { MeshobsConfig } from '@meshobs/spec';
import { standardLabels, withComment, type KubeObject } from '@meshobs/kube';
import { PROVIDERS } from './providers.ts';

/**
 * Same tag names the collector fills in for application spans (packages/otel-collector tags.ts),
 * so one Jaeger search finds Envoy and application spans alike.
 */
export function customTags(config: MeshobsConfig) {
  return {
    environment: { literal: { value: config.cluster.environment } },
    cluster_name: { literal: { value: config.cluster.name } },
    pod_name: { environment: { name: 'POD_NAME', defaultValue: 'unknown' } },
    namespace: { environment: { name: 'POD_NAMESPACE', defaultValue: 'unknown' } },
    request_id: { header: { name: 'x-request-id', defaultValue: '' } },
    user_agent: { header: { name: 'user-agent', defaultValue: '' } },
  };
}

/** Security events for the audit provider: authentication/authorization refusals and RBAC denials. */
export const AUDIT_FILTER = 'response.code == 401 || response.code == 403 || response.code_details.startsWith("rbac_access_denied")';

export function meshTelemetry(config: MeshobsConfig): KubeObject {
  return withComment(
    {
      apiVersion: 'telemetry.istio.io/v1',
      kind: 'Telemetry',
      metadata: {
        // In the root namespace and without a selector: applies to every proxy in the mesh.
        name: 'mesh-default',
        namespace: config.namespaces.istio,
        labels: standardLabels({ name: 'istio-telemetry', component: 'mesh' }),
      },
      spec: {
        tracing: [
          {
            providers: [{ name: PROVIDERS.otel }],
            // Head sampling in Envoy; the collector's tail sampling makes the final decision.
            randomSamplingPercentage: config.istio.envoySamplingPercent,
            customTags: customTags(config),
          },
        ],
        accessLogging: [
          { providers: [{ name: PROVIDERS.accessLog }], filter: { expression: `response.code >= ${config.tracing.accessLogMinStatus}` } },
          { providers: [{ name: PROVIDERS.audit }], filter: { expression: AUDIT_FILTER } },
        ],
      },
    },
    'Mesh-wide tracing (custom tags) and access logs: errors only, plus a security audit stream.',
  );
}
