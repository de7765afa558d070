// The same pipeline as OpenTelemetryCollector (opentelemetry.io/v1beta1) resources, for clusters
// that run the OpenTelemetry Operator instead of applying the Deployment/StatefulSet.
import type { MeshobsConfig } from '@meshobs/config';
import { endpointsOf } from '@meshobs/config';
import {
  containerSecurityContext,
  type KubeObject,
  PDB_SPEC,
  podAntiAffinity,
  podSecurityContext,
  resources,
  standardLabels,
} from '@meshobs/kube';
import { COLLECTOR_APP, COLLECTOR_POD_ANNOTATIONS, COLLECTOR_UID, collectorImage, operatorPodSelector } from '@meshobs/model';
import { COMPONENT_IDS } from '@meshobs/signals';
import { collectorServiceAccountName } from './identity.ts';
import { buildCollectorConfig, type CollectorRole, memoryLimiter } from './pipeline.ts';

/**
 * Where the CRs go. 'base': the kustomization, beside the bundle's own Services and NetworkPolicies
 * (which select the Operator's pods): the config is the plain workloads' one, and the Operator's
 * NetworkPolicy and ServiceMonitor are turned off, the bundle's own apply. 'file': the stand-alone
 * plain file, applied instead of the otel-collector folder (so the Operator's Services carry the traffic).
 */
export type OperatorPlacement = 'base' | 'file';

function cr(
  config: MeshobsConfig,
  name: string,
  role: CollectorRole,
  mode: 'deployment' | 'statefulset',
  placement: OperatorPlacement,
): KubeObject {
  const c = config.tracing.collector;
  const { connectors, ...rest } = buildCollectorConfig(config, role);
  const collectorConfig = Object.keys(connectors).length ? { ...rest, connectors } : rest;
  const component = role === 'sampler' ? 'sampler' : 'collector';
  const spec: Record<string, unknown> = {
    mode,
    image: collectorImage(config),
    serviceAccount: collectorServiceAccountName(config),
    config: collectorConfig,
    resources: resources(c.resources),
    env: [{ name: 'GOMEMLIMIT', value: `${memoryLimiter(config).limit_mib}MiB` }],
    podSecurityContext: podSecurityContext(COLLECTOR_UID),
    securityContext: containerSecurityContext(COLLECTOR_UID),
    // The Operator's own pod labels in both placements (a `<name>-collector` name label is not on its pods).
    affinity: podAntiAffinity(operatorPodSelector(config, name)),
    // One eviction at a time, never zero (PDB_SPEC). The operator's v1beta1 PodDisruptionBudgetSpec
    // (opentelemetry-operator v0.150.0 API types) has only minAvailable/maxUnavailable.
    podDisruptionBudget: { maxUnavailable: PDB_SPEC.maxUnavailable },
    podAnnotations: COLLECTOR_POD_ANNOTATIONS,
    observability: { metrics: { enableMetrics: placement === 'file' } },
  };
  // The Operator's own NetworkPolicy (spec.networkPolicy, defaulted on by its EnableOperandNetworkPolicy
  // feature gate: internal/webhook/collector_webhook.go, v0.158.0) would add allow rules to the bundle's.
  if (placement === 'base') spec.networkPolicy = { enabled: false };
  if (mode === 'deployment' && c.replicas.min < c.replicas.max)
    spec.autoscaler = { minReplicas: c.replicas.min, maxReplicas: c.replicas.max, targetCPUUtilization: 70, targetMemoryUtilization: 80 };
  else if (mode === 'deployment') spec.replicas = c.replicas.min;
  else spec.replicas = c.samplerReplicas;
  return {
    apiVersion: 'opentelemetry.io/v1beta1',
    kind: 'OpenTelemetryCollector',
    metadata: {
      name,
      namespace: config.namespaces.observability,
      labels: standardLabels({ name: COLLECTOR_APP, instance: c.name, component }),
    },
    spec,
  };
}

/**
 * One CR in single mode, two in two-tier mode. The Operator names the Services "<name>-collector"
 * and "<name>-collector-headless" (internal/naming/main.go); in the plain file the load balancer's
 * resolver is pointed at the sampler CR's headless Service accordingly. In the base the bundle's own
 * headless Service (same name as the plain StatefulSet's) selects the sampler pods, so the config is
 * unchanged.
 */
export function operatorCollectors(config: MeshobsConfig, placement: OperatorPlacement): KubeObject[] {
  const c = config.tracing.collector;
  if (c.mode !== 'two-tier') return [cr(config, c.name, 'single', 'deployment', placement)];
  const samplerName = endpointsOf(config).collector.samplerHeadlessService;
  const lb = cr(config, c.name, 'loadbalancer', 'deployment', placement);
  if (placement === 'base') return [lb, cr(config, samplerName, 'sampler', 'statefulset', placement)];
  const lbConfig = (lb.spec as { config: { exporters: Record<string, { resolver: { k8s: { service: string } } }> } }).config;
  lbConfig.exporters[COMPONENT_IDS.loadBalancingExporter]!.resolver.k8s.service =
    `${samplerName}-collector-headless.${config.namespaces.observability}`;
  return [lb, cr(config, samplerName, 'sampler', 'statefulset', placement)];
}
