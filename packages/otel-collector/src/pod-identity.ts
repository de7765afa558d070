// Which pod sent a span, for k8s_attributes, when the collector runs behind an Istio sidecar.
//
// k8s_attributes' default association is the connection's source IP (processor/k8sattributesprocessor
// v1.0.0 README "Configuration"; pod_association.go extractPodID, source `connection`). Behind the
// collector's own sidecar that IP is never a pod's: Envoy hands inbound connections to the app from
// the bind address 127.0.0.6 (istio/istio pilot/pkg/networking/core/listener_address.go
// InboundPassthroughBindIpv4 = "127.0.0.6", set as UpstreamBindConfig of the inbound clusters in
// cluster_builder.go buildInboundCluster / buildInboundPassthroughCluster; REDIRECT interception,
// the default). So the sender has to say who it is, in resource attributes:
//   - applications: k8s.pod.uid (plus name and namespace) in OTEL_RESOURCE_ATTRIBUTES from the
//     downward API (apps/demo-service manifests);
//   - Envoy: its OpenTelemetry tracer puts Istio's custom tags on spans, not on the resource, so the
//     Telemetry resource tags every span with k8s.pod.name and k8s.namespace.name (packages/istio
//     telemetry.ts POD_IDENTITY_TAGS) and the statements below lift them onto the resource before
//     k8s_attributes runs.
export const POD_NAME = 'k8s.pod.name';
export const NAMESPACE = 'k8s.namespace.name';

const attr = (name: string) => `span.attributes[${JSON.stringify(name)}]`;
const res = (name: string) => `resource.attributes[${JSON.stringify(name)}]`;

/**
 * Span-context statements of `transform/pod_identity` (runs before k8s_attributes): copy the span's
 * pod name and namespace to its resource when the resource names no pod and the span names both.
 * A resource that already names a pod (an SDK's) is left as it is. Setting a resource attribute from
 * a span statement changes the resource shared by every span of that ResourceSpans (transformprocessor
 * v0.161.0 README, `flatten_data`, which splits them, exists for logs only): right for Envoy, whose
 * spans in one ResourceSpans all come from one proxy.
 * The namespace goes first, as the pod name is what both guards test.
 */
export function podIdentityStatements(): string[] {
  const guard = `${res(POD_NAME)} == nil and ${attr(POD_NAME)} != nil and ${attr(NAMESPACE)} != nil`;
  return [`set(${res(NAMESPACE)}, ${attr(NAMESPACE)}) where ${guard}`, `set(${res(POD_NAME)}, ${attr(POD_NAME)}) where ${guard}`];
}

const fromResource = (name: string) => ({ from: 'resource_attribute', name });

/**
 * Association rules, tried in order. The first rule whose every source is present on the resource
 * decides, and a miss does not fall through to the next rule (pod_association.go extractPodID; README
 * "Complete Configuration Options": "If a source attribute is found but doesn't match any pod, the
 * association fails"). So the most specific comes first:
 *   1. k8s.pod.uid                          apps with the downward-API OTEL_RESOURCE_ATTRIBUTES
 *   2. k8s.pod.name + k8s.namespace.name    Envoy spans (lifted above), SDKs with name detection;
 *                                           both must match (README: "all the sources specified
 *                                           need to match", at most 4 per rule)
 *   3. k8s.pod.ip                           agents in passthrough mode
 *   4. connection                           last resort: never matches behind the collector's sidecar
 *                                           (see the top of this file), kept for a collector run
 *                                           without one or with TPROXY interception.
 */
export const POD_ASSOCIATION = [
  { sources: [fromResource('k8s.pod.uid')] },
  { sources: [fromResource(POD_NAME), fromResource(NAMESPACE)] },
  { sources: [fromResource('k8s.pod.ip')] },
  { sources: [{ from: 'connection' }] },
];

export function k8sAttributesProcessor() {
  return {
    auth_type: 'serviceAccount',
    passthrough: false,
    extract: { metadata: ['k8s.namespace.name', 'k8s.pod.name', 'k8s.pod.uid', 'k8s.deployment.name', 'k8s.node.name'] },
    pod_association: POD_ASSOCIATION,
  };
}
