import type { MeshobsConfig } from '@meshobs/config';
import { endpointsOf } from '@meshobs/config';
import {
  autoscaler,
  container,
  deployment,
  type HttpProbe,
  imageOf,
  type KubeObject,
  type NamedPort,
  NONROOT_UID,
  podDisruptionBudget,
  podTemplate,
  replicasNote,
  service,
  standardLabels,
  withComment,
} from '@meshobs/kube';
import type { DemoTier as Tier } from '@meshobs/model';

const SHUTDOWN_DELAY_S = 5;
const SHUTDOWN_TIMEOUT_S = 10;
/** Drain delay + in-flight timeout + span flush (OTLP export timeout) + margin. */
const GRACE_S = SHUTDOWN_DELAY_S + SHUTDOWN_TIMEOUT_S + 10 + 5;

export const tierLabels = (tier: Tier, version?: string) => ({
  ...standardLabels({ name: tier.name, component: 'demo', instance: tier.name }),
  app: tier.name,
  ...(version ? { version } : {}),
});

const fieldEnv = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });

/**
 * The pod's identity from the downward API. The collector behind its Istio sidecar sees every
 * connection come from the sidecar (127.0.0.6), so k8s_attributes can only find the pod from
 * resource attributes the app sends: k8s.pod.uid first (packages/otel-collector pipeline.ts).
 */
export const POD_IDENTITY_ENV = [
  ['K8S_POD_NAME', 'metadata.name'],
  ['K8S_NAMESPACE_NAME', 'metadata.namespace'],
  ['K8S_POD_UID', 'metadata.uid'],
  ['K8S_NODE_NAME', 'spec.nodeName'],
] as const;

/**
 * The same identity in OTEL_RESOURCE_ATTRIBUTES, which every OTel SDK reads, through Kubernetes'
 * `$(VAR)` expansion of variables defined earlier in the container's env (core/v1 EnvVar.value:
 * "Variable references $(VAR_NAME) are expanded using the previously defined environment variables
 * in the container"). The demo's SDK also sets name, namespace and node from K8S_* (tracing/resource.ts);
 * here they serve any SDK, and service.instance.id stays the pod name, set by the demo itself.
 */
export const POD_IDENTITY_ATTRIBUTES = [
  'k8s.pod.name=$(K8S_POD_NAME)',
  'k8s.namespace.name=$(K8S_NAMESPACE_NAME)',
  'k8s.pod.uid=$(K8S_POD_UID)',
  'k8s.node.name=$(K8S_NODE_NAME)',
];

function env(config: MeshobsConfig, tier: Tier, version: Tier['versions'][number]) {
  const collector = endpointsOf(config).collector;
  return [
    { name: 'PODINFO_PORT', value: String(tier.port) },
    ...(tier.backendUrl ? [{ name: 'PODINFO_BACKEND_URL', value: tier.backendUrl }] : []),
    { name: 'PODINFO_UI_MESSAGE', value: `greetings from ${tier.name} (${version.label})` },
    ...(version.canary ? [{ name: 'PODINFO_UI_COLOR', value: '#d97706' }] : []),
    { name: 'PODINFO_MAX_DELAY_SECONDS', value: String(config.demo.maxDelaySeconds) },
    { name: 'PODINFO_SERVER_SHUTDOWN_DELAY', value: `${SHUTDOWN_DELAY_S}s` },
    { name: 'PODINFO_SERVER_SHUTDOWN_TIMEOUT', value: `${SHUTDOWN_TIMEOUT_S}s` },
    { name: 'OTEL_SERVICE_NAME', value: tier.name },
    { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: `http://${collector.host}:${collector.otlpHttpPort}` },
    { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'http/protobuf' },
    ...POD_IDENTITY_ENV.map(([name, fieldPath]) => fieldEnv(name, fieldPath)),
    { name: 'K8S_CLUSTER_NAME', value: config.cluster.name },
    { name: 'DEPLOYMENT_ENVIRONMENT', value: config.cluster.environment },
    // Last, so every $(VAR) it names is already defined (see POD_IDENTITY_ENV).
    {
      name: 'OTEL_RESOURCE_ATTRIBUTES',
      value: [`service.namespace=${tier.namespace}`, `app.version=${version.label}`, ...POD_IDENTITY_ATTRIBUTES].join(','),
    },
  ];
}

/** The container port, the Service port and the port the NetworkPolicy and AuthorizationPolicy open. */
export const tierPort = (tier: Tier): NamedPort => ({ name: 'http', port: tier.port, appProtocol: 'http' });

function tierDeployment(config: MeshobsConfig, tier: Tier, version: Tier['versions'][number]): KubeObject {
  const name = `${tier.name}-${version.subset}`;
  const selector = { app: tier.name, version: version.label };
  const labels = tierLabels(tier, version.label);
  const port = tierPort(tier);
  const probe = (path: string, failureThreshold: number): HttpProbe => ({
    path,
    port: port.name,
    periodSeconds: 5,
    timeoutSeconds: 2,
    failureThreshold,
  });
  const template = podTemplate({
    labels,
    selector,
    annotations: {
      // Scraped through Istio's metrics merging (pilot-agent :15020), which mTLS and AuthorizationPolicy leave alone.
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(port.port),
      'prometheus.io/path': '/metrics',
      // The sidecar starts before the app and outlives its span flush on shutdown.
      'proxy.istio.io/config': JSON.stringify({
        holdApplicationUntilProxyStarts: true,
        terminationDrainDuration: `${GRACE_S - 5}s`,
      }),
    },
    serviceAccountName: tier.name,
    automountServiceAccountToken: false,
    uid: NONROOT_UID,
    terminationGracePeriodSeconds: GRACE_S,
    containers: [
      container({
        name: 'podinfo',
        image: imageOf('demoService', config.demo.image),
        uid: NONROOT_UID,
        env: env(config, tier, version),
        ports: [port],
        readiness: probe('/readyz', 2),
        liveness: probe('/healthz', 6),
        startup: probe('/healthz', 30),
        resources: config.demo.resources,
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      }),
    ],
    volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '16Mi' } }],
  });
  return withComment(
    deployment({ name, namespace: tier.namespace, labels }, { replicas: version.replicas.min, selector, template }),
    `${tier.name} ${version.subset} (version=${version.label}): ${replicasNote(config.profile, version.replicas)} SIGTERM: unready for ${SHUTDOWN_DELAY_S}s, in-flight requests get ${SHUTDOWN_TIMEOUT_S}s, then every span is flushed.`,
  );
}

export function workloadObjects(config: MeshobsConfig, tier: Tier): KubeObject[] {
  const labels = tierLabels(tier);
  const objects: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: tier.name, namespace: tier.namespace, labels },
      automountServiceAccountToken: false,
    },
    service(
      { name: tier.name, namespace: tier.namespace, labels },
      { selector: { app: tier.name }, ports: [tierPort(tier)], targetPort: 'name' },
    ),
    podDisruptionBudget({ name: tier.name, namespace: tier.namespace, labels, selector: { app: tier.name } }),
  ];
  for (const version of tier.versions) {
    const d = tierDeployment(config, tier, version);
    objects.push(
      d,
      ...autoscaler(
        config.profile,
        {
          name: d.metadata.name,
          namespace: tier.namespace,
          labels: tierLabels(tier, version.label),
          target: { apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name },
        },
        version.replicas,
        70,
      ),
    );
  }
  return objects;
}
