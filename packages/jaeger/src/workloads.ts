// Collector and query Deployments with their ConfigMaps, Services, HPA and PodDisruptionBudgets.
import type { MeshobsConfig } from '@meshobs/config';
import {
  autoscaler,
  checksummedConfigMap,
  container,
  deployment,
  type HttpProbe,
  type KubeObject,
  type NamedPort,
  podDisruptionBudget,
  podTemplate,
  type ResourceSpec,
  service,
  toYaml,
  withComment,
} from '@meshobs/kube';
import {
  JAEGER_HEALTH as HEALTH,
  JAEGER_HEALTH_PORT as HEALTH_PORT,
  jaegerImages,
  jaegerLayout as layoutOf,
  JAEGER_METRICS as METRICS,
  type JaegerRole as Role,
} from '@meshobs/model';
import { COLLECTOR_CONFIG_FILE, collectorConfig, configPath, QUERY_CONFIG_FILE, queryConfig } from './jaeger-config.ts';
import { CONFIG_DIR, CREDENTIALS_DIR, ES_CA_DIR, JAEGER_UID } from './layout.ts';

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
  /** The role's serving ports; the Service exposes them and METRICS, the container also HEALTH. */
  ports: NamedPort[];
}

/** The ConfigMap, Deployment and Service of a role. */
function roleObjects(config: MeshobsConfig, spec: RoleSpec): KubeObject[] {
  const l = layoutOf(config);
  const ca = caVolume(config);
  const metadata = { name: spec.role.name, namespace: l.namespace, labels: spec.role.labels };
  const configMapName = `${spec.role.name}-config`;
  const { configMap, checksum } = checksummedConfigMap({ ...metadata, name: configMapName }, { [spec.configFile]: spec.configYaml });
  const probe = (initialDelaySeconds: number): HttpProbe => ({
    path: '/status',
    port: HEALTH_PORT,
    initialDelaySeconds,
    periodSeconds: 10,
    timeoutSeconds: 3,
    failureThreshold: 3,
  });
  const template = podTemplate({
    labels: spec.role.labels,
    selector: spec.role.selector,
    configChecksum: checksum,
    automountServiceAccountToken: false,
    uid: JAEGER_UID,
    terminationGracePeriodSeconds: 30,
    containers: [
      container({
        name: 'jaeger',
        image: jaegerImages(config).jaeger,
        uid: JAEGER_UID,
        args: [`--config=${configPath(spec.configFile)}`],
        ports: [...spec.ports, METRICS, HEALTH],
        readiness: probe(5),
        liveness: probe(15),
        resources: spec.resources,
        volumeMounts: [
          { name: 'config', mountPath: `${CONFIG_DIR}/${spec.configFile}`, subPath: spec.configFile, readOnly: true },
          { name: 'es-credentials', mountPath: CREDENTIALS_DIR, readOnly: true },
          ...ca.mounts,
          { name: 'tmp', mountPath: '/tmp' },
        ],
      }),
    ],
    volumes: [
      { name: 'config', configMap: { name: configMapName } },
      credentialsVolume(config),
      ...ca.volumes,
      { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
    ],
  });
  return [
    withComment(
      configMap,
      'Jaeger v2 configuration (OpenTelemetry Collector format). Credentials are read from the Secret mounted as files.',
    ),
    deployment(metadata, { replicas: spec.replicas, revisionHistoryLimit: 5, selector: spec.role.selector, template }),
    service(metadata, { type: 'ClusterIP', selector: spec.role.selector, ports: [...spec.ports, METRICS], targetPort: 'number' }),
  ];
}

export function collectorObjects(config: MeshobsConfig): { objects: KubeObject[]; configYaml: string } {
  const l = layoutOf(config);
  const c = l.collector;
  const configYaml = toYaml(collectorConfig(config));
  const objects = [
    ...roleObjects(config, {
      role: c,
      configFile: COLLECTOR_CONFIG_FILE,
      configYaml,
      replicas: config.jaeger.collector.replicas.min,
      resources: config.jaeger.collector.resources,
      ports: c.ports,
    }),
    ...autoscaler(
      config.profile,
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
  const objects = [
    ...roleObjects(config, {
      role: q,
      configFile: QUERY_CONFIG_FILE,
      configYaml,
      replicas: config.jaeger.query.replicas,
      resources: config.jaeger.query.resources,
      ports: q.ports,
    }),
    // maxUnavailable: 1, so the budget never blocks a drain, even of a single replica.
    podDisruptionBudget({ name: q.name, namespace: l.namespace, labels: q.labels, selector: q.selector }),
  ];
  return { objects, configYaml };
}
