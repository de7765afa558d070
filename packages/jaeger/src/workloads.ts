// Collector and query Deployments with their ConfigMaps, Services, HPA and PodDisruptionBudgets.
import { createHash } from 'node:crypto';
import type { MeshobsConfig } from '@meshobs/config';
import {
  containerSecurityContext,
  horizontalPodAutoscaler,
  type KubeObject,
  podAntiAffinity,
  podDisruptionBudget,
  podSecurityContext,
  type ResourceSpec,
  resources,
  toYaml,
  withComment,
} from '@meshobs/kube';
import { COLLECTOR_CONFIG_FILE, collectorConfig, configPath, QUERY_CONFIG_FILE, queryConfig } from './jaeger-config.ts';
import {
  CONFIG_DIR,
  CREDENTIALS_DIR,
  ES_CA_DIR,
  HEALTH_PORT,
  JAEGER_UID,
  jaegerImages,
  layoutOf,
  METRICS_PORT,
  type Role,
} from './layout.ts';

interface ContainerPort {
  name: string;
  containerPort: number;
  protocol: 'TCP';
}
const port = (name: string, containerPort: number): ContainerPort => ({ name, containerPort, protocol: 'TCP' });

/** The credentials Secret as the files the Jaeger config reads (username, password). */
function credentialsVolume(config: MeshobsConfig) {
  const c = config.elasticsearch.credentials;
  return {
    name: 'es-credentials',
    secret: {
      secretName: c.secretName,
      defaultMode: 0o440,
      items: [
        { key: c.usernameKey, path: 'username' },
        { key: c.passwordKey, path: 'password' },
      ],
    },
  };
}

export const usesTls = (config: MeshobsConfig) => layoutOf(config).esUrl.protocol === 'https:';

/** The CA bundle volume when the search engine speaks TLS (none for plain http). */
export function caVolume(config: MeshobsConfig) {
  if (!usesTls(config)) return { volumes: [], mounts: [] };
  const ca = config.elasticsearch.caSecret;
  return {
    volumes: [{ name: 'es-ca', secret: { secretName: ca.name, items: [{ key: ca.key, path: ca.key }] } }],
    mounts: [{ name: 'es-ca', mountPath: ES_CA_DIR, readOnly: true }],
  };
}

interface RoleSpec {
  role: Role;
  configFile: string;
  configYaml: string;
  replicas: number;
  resources: ResourceSpec;
  ports: ContainerPort[];
}

function configMap(config: MeshobsConfig, spec: RoleSpec): KubeObject {
  return withComment(
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${spec.role.name}-config`, namespace: layoutOf(config).namespace, labels: spec.role.labels },
      data: { [spec.configFile]: spec.configYaml },
    },
    'Jaeger v2 configuration (OpenTelemetry Collector format). Credentials are read from the Secret mounted as files.',
  );
}

function deployment(config: MeshobsConfig, spec: RoleSpec): KubeObject {
  const l = layoutOf(config);
  const ca = caVolume(config);
  const checksum = createHash('sha256').update(spec.configYaml).digest('hex').slice(0, 16);
  const probe = (path: string, initialDelaySeconds: number) => ({
    httpGet: { path, port: HEALTH_PORT },
    initialDelaySeconds,
    periodSeconds: 10,
    timeoutSeconds: 3,
    failureThreshold: 3,
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: spec.role.name, namespace: l.namespace, labels: spec.role.labels },
    spec: {
      replicas: spec.replicas,
      revisionHistoryLimit: 5,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      selector: { matchLabels: spec.role.selector },
      template: {
        metadata: {
          labels: spec.role.labels,
          annotations: { 'meshobs.io/config-checksum': checksum },
        },
        spec: {
          automountServiceAccountToken: false,
          securityContext: podSecurityContext(JAEGER_UID),
          affinity: podAntiAffinity(spec.role.selector),
          terminationGracePeriodSeconds: 30,
          containers: [
            {
              name: 'jaeger',
              image: jaegerImages(config).jaeger,
              imagePullPolicy: 'IfNotPresent',
              args: [`--config=${configPath(spec.configFile)}`],
              ports: spec.ports,
              readinessProbe: probe('/status', 5),
              livenessProbe: probe('/status', 15),
              resources: resources(spec.resources),
              securityContext: containerSecurityContext(JAEGER_UID),
              volumeMounts: [
                { name: 'config', mountPath: `${CONFIG_DIR}/${spec.configFile}`, subPath: spec.configFile, readOnly: true },
                { name: 'es-credentials', mountPath: CREDENTIALS_DIR, readOnly: true },
                ...ca.mounts,
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: `${spec.role.name}-config` } },
            credentialsVolume(config),
            ...ca.volumes,
            { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
          ],
        },
      },
    },
  };
}

function service(config: MeshobsConfig, role: Role, ports: { name: string; port: number; appProtocol?: string }[]): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: role.name, namespace: layoutOf(config).namespace, labels: role.labels },
    spec: {
      type: 'ClusterIP',
      selector: role.selector,
      ports: ports.map((p) => ({
        name: p.name,
        port: p.port,
        targetPort: p.port,
        protocol: 'TCP',
        ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
      })),
    },
  };
}

export function collectorObjects(config: MeshobsConfig): { objects: KubeObject[]; configYaml: string } {
  const l = layoutOf(config);
  const c = l.collector;
  const configYaml = toYaml(collectorConfig(config));
  const spec: RoleSpec = {
    role: c,
    configFile: COLLECTOR_CONFIG_FILE,
    configYaml,
    replicas: config.jaeger.collector.replicas.min,
    resources: config.jaeger.collector.resources,
    ports: [
      port('grpc-otlp', c.otlpGrpcPort),
      port('http-otlp', c.otlpHttpPort),
      port('http-metrics', METRICS_PORT),
      port('http-health', HEALTH_PORT),
    ],
  };
  const objects = [
    configMap(config, spec),
    deployment(config, spec),
    service(config, c, [
      { name: 'grpc-otlp', port: c.otlpGrpcPort, appProtocol: 'grpc' },
      { name: 'http-otlp', port: c.otlpHttpPort, appProtocol: 'http' },
      { name: 'http-metrics', port: METRICS_PORT, appProtocol: 'http' },
    ]),
    horizontalPodAutoscaler(
      { name: c.name, namespace: l.namespace, labels: c.labels, target: { apiVersion: 'apps/v1', kind: 'Deployment', name: c.name } },
      config.jaeger.collector.replicas,
      70,
      80,
    ),
    podDisruptionBudget({ name: c.name, namespace: l.namespace, labels: c.labels, selector: c.selector }),
  ];
  return { objects, configYaml };
}

export function queryObjects(config: MeshobsConfig): { objects: KubeObject[]; configYaml: string } {
  const l = layoutOf(config);
  const q = l.query;
  const configYaml = toYaml(queryConfig(config));
  const replicas = config.jaeger.query.replicas;
  const spec: RoleSpec = {
    role: q,
    configFile: QUERY_CONFIG_FILE,
    configYaml,
    replicas,
    resources: config.jaeger.query.resources,
    ports: [
      port('http-query', q.httpPort),
      port('grpc-query', q.grpcPort),
      port('http-metrics', METRICS_PORT),
      port('http-health', HEALTH_PORT),
    ],
  };
  const objects = [
    configMap(config, spec),
    deployment(config, spec),
    service(config, q, [
      { name: 'http-query', port: q.httpPort, appProtocol: 'http' },
      { name: 'grpc-query', port: q.grpcPort, appProtocol: 'grpc' },
      { name: 'http-metrics', port: METRICS_PORT, appProtocol: 'http' },
    ]),
  ];
  // maxUnavailable: 1, so the budget never blocks a drain, even of a single replica.
  objects.push(podDisruptionBudget({ name: q.name, namespace: l.namespace, labels: q.labels, selector: q.selector }));
  return { objects, configYaml };
}
