// telemetry.istio.io/v1 Telemetry: mesh-wide tracing with custom tags, and access logging.
import type { MeshobsConfig } from '@meshobs/config';
import { type KubeObject, standardLabels, withComment } from '@meshobs/kube';
import type { MeshModel } from '@meshobs/model';
import { type CardinalityPlan, EMPTY_PLAN, REPORTER_MODE } from '@meshobs/signals';
import { PROVIDERS } from './providers.ts';

/**
 * The pod identity of the proxy under its semantic-convention names, for the collector's
 * k8s_attributes: Envoy's OpenTelemetry tracer puts custom tags on spans, not on the resource, and
 * the collector's sidecar hides the sender's IP, so the collector lifts these two span attributes
 * into resource attributes and finds the pod by name + namespace (packages/otel-collector pipeline.ts).
 *
 * The variables are istio-proxy's own, from the downward API in the injection template
 * (istio/istio manifests/charts/istio-control/istio-discovery/files/injection-template.yaml at the
 * pinned commit eed52ebb66ad: POD_NAME = metadata.name, POD_NAMESPACE = metadata.namespace, also
 * INSTANCE_IP = status.podIP, SERVICE_ACCOUNT, HOST_IP, ISTIO_META_NODE_NAME), and Envoy sees them:
 * pilot-agent starts it with its own environment (pkg/envoy/proxy.go: `cmd.Env = os.Environ()`).
 * No default value: Envoy drops a custom tag whose value is empty (envoyproxy/envoy
 * source/common/tracing/custom_tag_impl.cc, CustomTagBase::apply and EnvironmentCustomTag), so a
 * proxy without the variable sends no tag instead of a name that matches no pod.
 */
export const POD_IDENTITY_TAGS = {
  'k8s.pod.name': { environment: { name: 'POD_NAME' } },
  'k8s.namespace.name': { environment: { name: 'POD_NAMESPACE' } },
} as const;

/**
 * Same tag names the collector fills in for application spans (packages/otel-collector tags.ts),
 * so one Jaeger search finds Envoy and application spans alike, plus the pod identity above.
 * Telemetry API field names: telemetry.istio.io/v1 Tracing.customTags, a map of tag name to
 * CustomTag { literal | environment {name, defaultValue} | header {name, defaultValue} }
 * (istio/api telemetry/v1alpha1/telemetry.proto).
 */
export function customTags(config: MeshobsConfig) {
  return {
    environment: { literal: { value: config.cluster.environment } },
    cluster_name: { literal: { value: config.cluster.name } },
    pod_name: { environment: { name: 'POD_NAME', defaultValue: 'unknown' } },
    namespace: { environment: { name: 'POD_NAMESPACE', defaultValue: 'unknown' } },
    request_id: { header: { name: 'x-request-id', defaultValue: '' } },
    user_agent: { header: { name: 'user-agent', defaultValue: '' } },
    ...POD_IDENTITY_TAGS,
  };
}

/** Security events for the audit provider: authentication/authorization refusals and RBAC denials. */
export const AUDIT_FILTER = 'response.code == 401 || response.code == 403 || response.code_details.startsWith("rbac_access_denied")';

/**
 * The cardinality profile's label removal (config `cardinality.removeUnreadIstioLabels`): one
 * override on every standard metric, client and server side, removing each tag no alert, rule or
 * panel reads, then one per metric and side for the tags no read of that metric on that side needs.
 * Field names: istio/api telemetry/v1/telemetry.proto, Metrics { providers, overrides },
 * MetricsOverrides { match: MetricSelector { metric: ALL_METRICS | REQUEST_DURATION | ..., mode:
 * CLIENT_AND_SERVER | CLIENT | SERVER }, tagOverrides: map<string, TagOverride { operation: REMOVE }> }
 * (a REMOVE must not carry a value). The proxy then never emits the tag, so the series that differed
 * only in it are one series.
 */
export function metricsOverrides(plan: CardinalityPlan) {
  if (!plan.removeLabels.length && !plan.removeByMetric.length) return undefined;
  const remove = (labels: readonly string[]) => Object.fromEntries(labels.map((l) => [l, { operation: 'REMOVE' }]));
  return [
    {
      providers: [{ name: PROVIDERS.prometheus }],
      overrides: [
        ...(plan.removeLabels.length
          ? [{ match: { metric: 'ALL_METRICS', mode: 'CLIENT_AND_SERVER' }, tagOverrides: remove(plan.removeLabels) }]
          : []),
        // Each carries the every-metric removals too, so it is complete whether istiod merges the
        // overrides that match one metric or lets the later one win.
        ...plan.removeByMetric.map((r) => ({
          match: { metric: r.metric, mode: REPORTER_MODE[r.reporter] },
          tagOverrides: remove([...plan.removeLabels, ...r.labels]),
        })),
      ],
    },
  ];
}

export function meshTelemetry(config: MeshobsConfig, plan: CardinalityPlan = EMPTY_PLAN): KubeObject {
  const metrics = metricsOverrides(plan);
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
        ...(metrics ? { metrics } : {}),
      },
    },
    'Mesh-wide tracing (custom tags) and access logs: errors only, plus a security audit stream.' +
      (metrics ? ` Metrics: the Istio labels nothing of the bundle reads are removed (${removalSummary(plan)}).` : ''),
  );
}

/** The removal in one line: the labels gone from every metric, then the per-metric ones. */
function removalSummary(plan: CardinalityPlan): string {
  const all = plan.removeLabels.length ? [`every metric: ${plan.removeLabels.join(', ')}`] : [];
  return [...all, ...plan.removeByMetric.map((r) => `${r.metric} ${REPORTER_MODE[r.reporter]}: ${r.labels.join(', ')}`)].join('; ');
}

/**
 * The trace pipeline's own proxies report no spans. The mesh-wide Telemetry above samples every
 * proxy, including the sidecars of the collector tiers and Jaeger: each export hop (app -> collector,
 * load balancer -> sampler, sampler -> Jaeger, Jaeger -> search engine) would be a request whose
 * span is exported in turn, so the pipeline would trace itself without end, and the load-balancing
 * tier's egress policy would refuse its own sidecar's span exports. A workload-scoped Telemetry
 * (`selector`, in the workload's namespace) takes precedence over the root-namespace one, and
 * `disableSpanReporting` stops the reports while the provider and sampling are inherited: "Tracing
 * configuration support overrides of the fields providers, random_sampling_percentage,
 * disable_span_reporting, and custom_tags at each level ... with missing values filled in from parent
 * resources" (istio/api telemetry/v1alpha1/telemetry.proto, Tracing; the v1 API serves the same
 * message). Trace context still propagates through these proxies.
 */
export function pipelineTelemetry(model: MeshModel): KubeObject[] {
  const p = model.workloads.pipeline;
  const workloads = [p.collector, ...(p.sampler ? [p.sampler] : []), p.jaegerCollector, p.jaegerQuery];
  return workloads.map(({ name, selector }) =>
    withComment(
      {
        apiVersion: 'telemetry.istio.io/v1',
        kind: 'Telemetry',
        metadata: {
          name: `${name}-no-spans`,
          namespace: model.namespaces.observability,
          labels: standardLabels({ name: 'istio-telemetry', component: 'pipeline' }),
        },
        spec: { selector: { matchLabels: selector }, tracing: [{ disableSpanReporting: true }] },
      },
      `${name} is part of the trace pipeline: its sidecar reports no spans, so the pipeline does not trace its own exports.`,
    ),
  );
}
