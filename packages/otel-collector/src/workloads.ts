// Kubernetes objects that run the collector: single Deployment, or (two-tier) a load-balancing
// Deployment in front of a sampling StatefulSet behind a headless Service.
import { createHash } from 'node:crypto';
import type { MeshobsConfig } from '@meshobs/config';
import { endpointsOf } from '@meshobs/config';
import {
  type BundleFile,
  containerSecurityContext,
  horizontalPodAutoscaler,
  ISTIO_PORTS,
  imageOf,
  imageTag,
  type KubeObject,
  type NetworkPolicyRule,
  networkPolicy,
  podAntiAffinity,
  podDisruptionBudget,
  podSecurityContext,
  resources,
  selectorLabels,
  standardLabels,
  withComment,
} from '@meshobs/kube';
import { COLLECTOR_CONFIG_FILE, SAMPLER_CONFIG_FILE } from './files.ts';
import { operatorPodSelector, runsOnOperator } from './operator-labels.ts';
import { memoryLimiter } from './pipeline.ts';

export const COLLECTOR_APP = 'otel-collector';

export interface Tier {
  /** Object name (Deployment/StatefulSet, ConfigMap, Service). */
  name: string;
  component: 'collector' | 'sampler';
  kind: 'Deployment' | 'StatefulSet';
  configFile: BundleFile;
}

/** The collector image of the bundle: the config's override, else the pinned one. */
export const collectorImage = (config: MeshobsConfig) => imageOf('otelCollector', config.tracing.collector.image);

export function tiersOf(config: MeshobsConfig, files: BundleFile[]): Tier[] {
  const c = config.tracing.collector;
  const file = (path: string) => files.find((f) => f.path === path)!;
  const tiers: Tier[] = [{ name: c.name, component: 'collector', kind: 'Deployment', configFile: file(COLLECTOR_CONFIG_FILE) }];
  if (c.mode === 'two-tier')
    tiers.push({ name: tierName(config, 'sampler'), component: 'sampler', kind: 'StatefulSet', configFile: file(SAMPLER_CONFIG_FILE) });
  return tiers;
}

/** Name of a tier's objects: its Deployment/StatefulSet, ConfigMap and Service, or its OpenTelemetryCollector. */
export const tierName = (config: MeshobsConfig, component: Tier['component']) =>
  component === 'sampler' ? endpointsOf(config).collector.samplerHeadlessService : config.tracing.collector.name;

/**
 * The labels selecting a tier's pods: the bundle's own, or, when the OpenTelemetry Operator runs the
 * collector (profile.operators.opentelemetry), those the Operator puts on the pods of that tier's CR.
 */
export const tierSelector = (config: MeshobsConfig, tier: Pick<Tier, 'component'>) =>
  runsOnOperator(config)
    ? operatorPodSelector(config, tierName(config, tier.component))
    : selectorLabels({ name: COLLECTOR_APP, instance: config.tracing.collector.name, component: tier.component });

const tierLabels = (config: MeshobsConfig, tier: Tier) =>
  standardLabels({
    name: COLLECTOR_APP,
    instance: config.tracing.collector.name,
    component: tier.component,
    version: imageTag(collectorImage(config)),
  });

/**
 * Name of the span-metrics port, which the ServiceMonitor scrapes by name. Port names are
 * IANA service names: at most 15 characters (the API server rejects "http-spanmetrics").
 */
export const SPAN_METRICS_PORT_NAME = 'http-spanmetric';

/** Container ports; names carry the protocol prefix Istio uses for protocol selection. */
function ports(config: MeshobsConfig, tier: Tier) {
  const e = endpointsOf(config).collector;
  const list = [{ name: 'grpc-otlp', containerPort: e.otlpGrpcPort }];
  if (tier.component === 'collector')
    list.push(
      { name: 'http-otlp', containerPort: e.otlpHttpPort },
      { name: 'http-zipkin', containerPort: e.zipkinPort },
      { name: 'grpc-jaeger', containerPort: 14250 },
      { name: 'http-jaeger', containerPort: 14268 },
      { name: SPAN_METRICS_PORT_NAME, containerPort: e.spanMetricsPort },
    );
  list.push({ name: 'http-metrics', containerPort: e.metricsPort }, { name: 'http-health', containerPort: e.healthPort });
  return list;
}

function podTemplate(config: MeshobsConfig, tier: Tier, serviceAccountName: string) {
  const c = config.tracing.collector;
  const checksum = createHash('sha256').update(tier.configFile.content).digest('hex').slice(0, 16);
  const probe = (initialDelaySeconds: number) => ({
    httpGet: { path: '/', port: 'http-health' },
    initialDelaySeconds,
    periodSeconds: 10,
    timeoutSeconds: 2,
    failureThreshold: 3,
  });
  return {
    metadata: {
      labels: tierLabels(config, tier),
      annotations: {
        // Rolls the pods when the config changes.
        'checksum/config': checksum,
        // Let the sidecar start first so the exporter's first connection is not refused.
        'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts": true}',
      },
    },
    spec: {
      serviceAccountName,
      // Only the receiving tier calls the Kubernetes API (k8s_attributes, k8s resolver).
      automountServiceAccountToken: tier.component === 'collector',
      securityContext: podSecurityContext(10001),
      affinity: podAntiAffinity(tierSelector(config, tier)),
      terminationGracePeriodSeconds: 60,
      containers: [
        {
          name: 'otel-collector',
          image: collectorImage(config),
          imagePullPolicy: 'IfNotPresent',
          args: ['--config=/etc/otelcol/config.yaml'],
          env: [
            // The Go GC works towards this soft limit; memory_limiter refuses data before it.
            { name: 'GOMEMLIMIT', value: `${memoryLimiter(config).limit_mib}MiB` },
            { name: 'K8S_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
            { name: 'K8S_POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          ],
          ports: ports(config, tier).map((p) => ({ ...p, protocol: 'TCP' })),
          livenessProbe: probe(10),
          readinessProbe: probe(5),
          resources: resources(c.resources),
          securityContext: containerSecurityContext(10001),
          volumeMounts: [{ name: 'config', mountPath: '/etc/otelcol', readOnly: true }],
        },
      ],
      volumes: [{ name: 'config', configMap: { name: tier.name, items: [{ key: 'config.yaml', path: 'config.yaml' }] } }],
    },
  };
}

function workload(config: MeshobsConfig, tier: Tier, serviceAccountName: string): KubeObject {
  const c = config.tracing.collector;
  const ns = config.namespaces.observability;
  const template = podTemplate(config, tier, serviceAccountName);
  const annotations =
    tier.component === 'collector'
      ? { 'checkov.io/skip1': 'CKV_K8S_38=k8s_attributes and the load_balancing k8s resolver call the Kubernetes API with this token' }
      : undefined;
  const base = {
    apiVersion: 'apps/v1',
    kind: tier.kind,
    metadata: { name: tier.name, namespace: ns, labels: tierLabels(config, tier), annotations },
  };
  if (tier.kind === 'StatefulSet')
    return withComment(
      {
        ...base,
        spec: {
          serviceName: tier.name,
          replicas: c.samplerReplicas,
          // Samplers hold traces in memory only; starting them all at once is safe and fast.
          podManagementPolicy: 'Parallel',
          selector: { matchLabels: tierSelector(config, tier) },
          template,
        },
      },
      'Sampling tier: the load_balancing exporter routes every span of a trace to one of these pods (k8s resolver on the headless Service).',
    );
  return {
    ...base,
    spec: {
      // The HPA owns the replica count from here on.
      replicas: c.replicas.min,
      selector: { matchLabels: tierSelector(config, tier) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template,
    },
  };
}

function services(config: MeshobsConfig, tier: Tier): KubeObject[] {
  const ns = config.namespaces.observability;
  const servicePorts = ports(config, tier)
    .filter((p) => p.name !== 'http-health')
    // The Operator's pods name their container ports after the receivers, not these names: target the number.
    .map((p) => ({ name: p.name, port: p.containerPort, targetPort: runsOnOperator(config) ? p.containerPort : p.name, protocol: 'TCP' }));
  const svc: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: tier.name, namespace: ns, labels: tierLabels(config, { ...tier }) },
    spec: { type: 'ClusterIP', selector: tierSelector(config, tier), ports: servicePorts },
  };
  if (tier.component === 'sampler') {
    (svc.spec as Record<string, unknown>).clusterIP = 'None';
    // Keep starting pods in the ring: the load balancer retries while a sampler warms up, and
    // fewer ring changes mean fewer traces split across samplers.
    (svc.spec as Record<string, unknown>).publishNotReadyAddresses = true;
    return [withComment(svc, 'Headless: the load_balancing exporter resolves the sampler pods through it.')];
  }
  return [svc];
}

function rbac(config: MeshobsConfig, saName: string, twoTier: boolean): KubeObject[] {
  const ns = config.namespaces.observability;
  const labels = standardLabels({ name: COLLECTOR_APP, instance: config.tracing.collector.name, component: 'collector' });
  const clusterRoleName = `${config.tracing.collector.name}-${ns}-k8sattributes`;
  const objects: KubeObject[] = [
    withComment(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: clusterRoleName, labels },
        rules: [
          { apiGroups: [''], resources: ['pods', 'namespaces', 'nodes'], verbs: ['get', 'list', 'watch'] },
          { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['get', 'list', 'watch'] },
        ],
      },
      'Read-only access k8s_attributes needs to tag spans with pod, namespace, deployment and node.',
    ),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: clusterRoleName, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRoleName },
      subjects: [{ kind: 'ServiceAccount', name: saName, namespace: ns }],
    },
  ];
  if (twoTier) {
    const roleName = `${config.tracing.collector.name}-lb-resolver`;
    objects.push(
      withComment(
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: { name: roleName, namespace: ns, labels },
          rules: [{ apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] }],
        },
        "The load_balancing exporter's k8s resolver watches the sampler Service's EndpointSlices.",
      ),
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: roleName, namespace: ns, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName },
        subjects: [{ kind: 'ServiceAccount', name: saName, namespace: ns }],
      },
    );
  }
  return objects;
}

const RECEIVER_PORTS = (config: MeshobsConfig) => {
  const e = endpointsOf(config).collector;
  return [e.otlpGrpcPort, e.otlpHttpPort, e.zipkinPort, 14250, 14268];
};

function tierNetworkPolicy(config: MeshobsConfig, tier: Tier, twoTier: boolean): KubeObject {
  const e = endpointsOf(config).collector;
  const ns = config.namespaces.observability;
  const monitoring = config.namespaces.monitoring;
  const named = { name: tier.name, namespace: ns, labels: tierLabels(config, tier), selector: tierSelector(config, tier) };
  const ingress: NetworkPolicyRule[] =
    tier.component === 'collector'
      ? [
          // Applications and Envoy sidecars/gateways in any namespace send spans.
          { ports: RECEIVER_PORTS(config).map((port) => ({ port })) },
          { from: [{ namespace: monitoring }], ports: [{ port: e.metricsPort }, { port: e.spanMetricsPort }] },
        ]
      : [
          { from: [{ pods: tierSelector(config, { component: 'collector' }) }], ports: [{ port: e.otlpGrpcPort }] },
          { from: [{ namespace: monitoring }], ports: [{ port: e.metricsPort }] },
        ];
  // Kubelet probes (Istio rewrites them to the sidecar's 15020) and the sidecar's own ports.
  ingress.push({ ports: [{ port: e.healthPort }, { port: ISTIO_PORTS.mergedMetrics }, { port: ISTIO_PORTS.health }] });
  ingress.push({ from: [{ namespace: monitoring }], ports: [{ port: ISTIO_PORTS.envoyStats }] });
  const jaegerPort = Number(endpointsOf(config).jaeger.collectorOtlpGrpc.split(':').pop());
  const egress: NetworkPolicyRule[] = [
    // istiod: xDS and certificates for the sidecar.
    { to: [{ namespace: config.namespaces.istio }], ports: [{ port: ISTIO_PORTS.istiodXds }, { port: ISTIO_PORTS.istiodWebhook }] },
  ];
  if (tier.component === 'sampler' || !twoTier) egress.push({ to: [{ namespace: ns }], ports: [{ port: jaegerPort }] });
  if (tier.component === 'collector') {
    // Kubernetes API (k8s_attributes, k8s resolver): not a pod, so no selector can name it.
    egress.push({ ports: [{ port: 443 }, { port: 6443 }] });
    if (twoTier) egress.push({ to: [{ pods: tierSelector(config, { component: 'sampler' }) }], ports: [{ port: e.otlpGrpcPort }] });
  }
  return networkPolicy(named, { ingress, egress });
}

/** The ServiceAccount every collector pod runs as (both tiers, Deployment/StatefulSet and Operator CRs alike). */
export const collectorServiceAccountName = (config: MeshobsConfig) => config.tracing.collector.name;

/**
 * The collector's ServiceAccount and its RBAC: k8s_attributes reads pods, namespaces, nodes and
 * replicasets cluster-wide; in two-tier mode the load_balancing k8s resolver watches EndpointSlices.
 * Shipped with the Deployment/StatefulSet and with the OpenTelemetryCollector CRs (whose
 * `serviceAccount` names it: the Operator creates none when one is named).
 */
export function collectorIdentity(config: MeshobsConfig): KubeObject[] {
  const c = config.tracing.collector;
  const saName = collectorServiceAccountName(config);
  return [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name: saName,
        namespace: config.namespaces.observability,
        labels: standardLabels({ name: COLLECTOR_APP, instance: c.name, component: 'collector' }),
      },
    },
    ...rbac(config, saName, c.mode === 'two-tier'),
  ];
}

/**
 * Everything but the ServiceMonitor. When the OpenTelemetry Operator runs the collector, it creates the
 * ConfigMaps, Deployment/StatefulSet, PodDisruptionBudgets and HPA from the CRs itself: only the
 * identity, the Services the rest of the bundle addresses and the NetworkPolicies are rendered here.
 */
export function collectorWorkloads(config: MeshobsConfig, files: BundleFile[]): KubeObject[] {
  const c = config.tracing.collector;
  const ns = config.namespaces.observability;
  const twoTier = c.mode === 'two-tier';
  const saName = collectorServiceAccountName(config);
  const objects: KubeObject[] = collectorIdentity(config);
  for (const tier of tiersOf(config, files)) {
    const labels = tierLabels(config, tier);
    const named = { name: tier.name, namespace: ns, labels, selector: tierSelector(config, tier) };
    if (runsOnOperator(config)) {
      objects.push(...services(config, tier), tierNetworkPolicy(config, tier, twoTier));
      continue;
    }
    objects.push(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: tier.name, namespace: ns, labels },
        data: { 'config.yaml': tier.configFile.content },
      },
      workload(config, tier, saName),
      ...services(config, tier),
      podDisruptionBudget(named),
      tierNetworkPolicy(config, tier, twoTier),
    );
    // Samplers are not autoscaled: a changing ring re-routes traces mid-flight. Scale them deliberately.
    // A fixed range (single mode is always 1–1) needs no autoscaler.
    if (tier.kind === 'Deployment' && c.replicas.min < c.replicas.max)
      objects.push(
        horizontalPodAutoscaler(
          { name: tier.name, namespace: ns, labels, target: { apiVersion: 'apps/v1', kind: 'Deployment', name: tier.name } },
          c.replicas,
          70,
          80,
        ),
      );
  }
  return objects;
}
