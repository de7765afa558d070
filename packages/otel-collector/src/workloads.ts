// Kubernetes objects that run the collector: single Deployment, or (two-tier) a load-balancing
// Deployment in front of a sampling StatefulSet behind a headless Service.
import type { MeshobsConfig } from '@meshobs/config';
import {
  autoscaler,
  checksummedConfigMap,
  container,
  deployment,
  type HttpProbe,
  type KubeObject,
  podDisruptionBudget,
  podTemplate,
  replicasNote,
  service,
  statefulSet,
  withComment,
} from '@meshobs/kube';
import {
  COLLECTOR_POD_ANNOTATIONS,
  COLLECTOR_UID,
  collectorImage,
  ownPorts,
  runsOnOperator,
  type Tier,
  type TierConfigFiles,
  tierLabels,
  tierPorts,
  tierSelector,
  tiersOf,
} from '@meshobs/model';
import { collectorIdentity, collectorServiceAccountName } from './identity.ts';
import { tierNetworkPolicy } from './network.ts';
import { memoryLimiter } from './pipeline.ts';

export { COLLECTOR_APP, collectorImage, SPAN_METRICS_PORT_NAME, type Tier, tierName, tierSelector } from '@meshobs/model';
export { collectorIdentity, collectorServiceAccountName } from './identity.ts';

function podSpecTemplate(config: MeshobsConfig, tier: Tier, checksum: string) {
  const probe = (initialDelaySeconds: number): HttpProbe => ({
    path: '/',
    port: ownPorts(config).health.name,
    initialDelaySeconds,
    periodSeconds: 10,
    timeoutSeconds: 2,
    failureThreshold: 3,
  });
  return podTemplate({
    labels: tierLabels(config, tier),
    selector: tierSelector(config, tier),
    configChecksum: checksum,
    annotations: COLLECTOR_POD_ANNOTATIONS,
    serviceAccountName: collectorServiceAccountName(config),
    // Only the receiving tier calls the Kubernetes API (k8s_attributes, k8s resolver).
    automountServiceAccountToken: tier.component === 'collector',
    uid: COLLECTOR_UID,
    terminationGracePeriodSeconds: 60,
    containers: [
      container({
        name: 'otel-collector',
        image: collectorImage(config),
        uid: COLLECTOR_UID,
        args: ['--config=/etc/otelcol/config.yaml'],
        env: [
          // The Go GC works towards this soft limit; memory_limiter refuses data before it.
          { name: 'GOMEMLIMIT', value: `${memoryLimiter(config).limit_mib}MiB` },
          { name: 'K8S_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          { name: 'K8S_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        ],
        ports: tierPorts(config, tier),
        readiness: probe(5),
        liveness: probe(10),
        resources: config.tracing.collector.resources,
        volumeMounts: [{ name: 'config', mountPath: '/etc/otelcol', readOnly: true }],
      }),
    ],
    volumes: [{ name: 'config', configMap: { name: tier.name, items: [{ key: 'config.yaml', path: 'config.yaml' }] } }],
  });
}

function workload(config: MeshobsConfig, tier: Tier, checksum: string): KubeObject {
  const c = config.tracing.collector;
  const metadata = {
    name: tier.name,
    namespace: config.namespaces.observability,
    labels: tierLabels(config, tier),
    annotations:
      tier.component === 'collector'
        ? { 'checkov.io/skip1': 'CKV_K8S_38=k8s_attributes and the load_balancing k8s resolver call the Kubernetes API with this token' }
        : undefined,
  };
  const template = podSpecTemplate(config, tier, checksum);
  if (tier.kind === 'StatefulSet')
    return withComment(
      statefulSet(metadata, {
        serviceName: tier.name,
        replicas: c.samplerReplicas,
        // Samplers hold traces in memory only; starting them all at once is safe and fast.
        podManagementPolicy: 'Parallel',
        selector: tierSelector(config, tier),
        template,
      }),
      'Sampling tier: the load_balancing exporter routes every span of a trace to one of these pods (k8s resolver on the headless Service).',
    );
  return withComment(
    deployment(metadata, { replicas: c.replicas.min, selector: tierSelector(config, tier), template }),
    replicasNote(config.profile, c.replicas),
  );
}

function tierService(config: MeshobsConfig, tier: Tier): KubeObject {
  const sampler = tier.component === 'sampler';
  const svc = service(
    { name: tier.name, namespace: config.namespaces.observability, labels: tierLabels(config, tier) },
    {
      type: 'ClusterIP',
      selector: tierSelector(config, tier),
      ports: tierPorts(config, tier).filter((p) => p.name !== ownPorts(config).health.name),
      // The Operator's pods name their container ports after the receivers, not these names: target the number.
      targetPort: runsOnOperator(config) ? 'number' : 'name',
      headless: sampler,
      // Keep starting pods in the ring: the load balancer retries while a sampler warms up, and
      // fewer ring changes mean fewer traces split across samplers.
      publishNotReadyAddresses: sampler,
    },
  );
  return sampler ? withComment(svc, 'Headless: the load_balancing exporter resolves the sampler pods through it.') : svc;
}

/**
 * Everything but the ServiceMonitor. When the OpenTelemetry Operator runs the collector, it creates the
 * ConfigMaps, Deployment/StatefulSet, PodDisruptionBudgets and HPA from the CRs itself: only the
 * identity, the Services the rest of the bundle addresses and the NetworkPolicies are rendered here.
 */
export function collectorWorkloads(config: MeshobsConfig, files: TierConfigFiles): KubeObject[] {
  const c = config.tracing.collector;
  const ns = config.namespaces.observability;
  const twoTier = c.mode === 'two-tier';
  const objects: KubeObject[] = collectorIdentity(config);
  for (const tier of tiersOf(config, files)) {
    const labels = tierLabels(config, tier);
    const named = { name: tier.name, namespace: ns, labels, selector: tierSelector(config, tier) };
    if (runsOnOperator(config)) {
      objects.push(tierService(config, tier), tierNetworkPolicy(config, tier, twoTier));
      continue;
    }
    const { configMap, checksum } = checksummedConfigMap(
      { name: tier.name, namespace: ns, labels },
      { 'config.yaml': tier.configFile.content },
    );
    objects.push(
      configMap,
      workload(config, tier, checksum),
      tierService(config, tier),
      podDisruptionBudget(named),
      tierNetworkPolicy(config, tier, twoTier),
    );
    // Samplers are not autoscaled: a changing ring re-routes traces mid-flight. Scale them deliberately.
    // A fixed range (single mode is always 1–1) needs no autoscaler.
    if (tier.kind === 'Deployment')
      objects.push(
        ...autoscaler(
          config.profile,
          { name: tier.name, namespace: ns, labels, target: { apiVersion: 'apps/v1', kind: 'Deployment', name: tier.name } },
          c.replicas,
          70,
          80,
        ),
      );
  }
  return objects;
}
