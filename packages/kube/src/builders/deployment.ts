// The hardened pod template every bundle workload runs (non-root, read-only root filesystem, no
// capabilities, seccomp RuntimeDefault, spread over nodes and zones), its container and probes, and
// the Deployment and StatefulSet around it.
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { Manifest, ObjectMeta } from '../types.ts';
import { containerSecurityContext, podAntiAffinity, podSecurityContext, type ResourceSpec, resources } from '../workload.ts';
import { CONFIG_CHECKSUM_ANNOTATION } from './config-map.ts';
import { containerPorts, type NamedPort } from './ports.ts';

export interface HttpProbe {
  path: string;
  /** Container port name or number. */
  port: string | number;
  initialDelaySeconds?: number;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
}

export const httpProbe = (p: HttpProbe): IProbe => ({
  httpGet: { path: p.path, port: p.port },
  ...(p.initialDelaySeconds === undefined ? {} : { initialDelaySeconds: p.initialDelaySeconds }),
  periodSeconds: p.periodSeconds,
  timeoutSeconds: p.timeoutSeconds,
  failureThreshold: p.failureThreshold,
});

export interface ContainerOptions {
  name: string;
  image: string;
  /** The user (and group) it runs as. */
  uid: number;
  args?: string[];
  env?: IContainer['env'];
  ports: NamedPort[];
  readiness: HttpProbe;
  liveness: HttpProbe;
  startup?: HttpProbe;
  resources: ResourceSpec;
  volumeMounts: NonNullable<IContainer['volumeMounts']>;
}

/** A container with the hardened security context. */
export function container(o: ContainerOptions): IContainer {
  return {
    name: o.name,
    image: o.image,
    imagePullPolicy: 'IfNotPresent',
    ...(o.args ? { args: o.args } : {}),
    ...(o.env ? { env: o.env } : {}),
    ports: containerPorts(o.ports),
    readinessProbe: httpProbe(o.readiness),
    livenessProbe: httpProbe(o.liveness),
    ...(o.startup ? { startupProbe: httpProbe(o.startup) } : {}),
    resources: resources(o.resources),
    securityContext: containerSecurityContext(o.uid),
    volumeMounts: o.volumeMounts,
  };
}

type PodSpec = NonNullable<IPodTemplateSpec['spec']>;

export interface PodTemplateOptions {
  labels: Record<string, string>;
  /** Labels the replicas are spread by (the workload's selector). */
  selector: Record<string, string>;
  /** The checksum of the ConfigMap the pods mount (checksummedConfigMap): a change rolls them. */
  configChecksum?: string;
  annotations?: Record<string, string>;
  serviceAccountName?: string;
  automountServiceAccountToken: boolean;
  /** The user (and group, fsGroup) the pod runs as. */
  uid: number;
  terminationGracePeriodSeconds: number;
  containers: IContainer[];
  volumes: NonNullable<PodSpec['volumes']>;
}

/** A pod template's metadata: labels and, when there are any, annotations. */
type TemplateMeta = { labels: Record<string, string>; annotations?: Record<string, string> };

export function podTemplate(o: PodTemplateOptions): IPodTemplateSpec & { metadata: TemplateMeta } {
  const annotations = {
    ...(o.configChecksum ? { [CONFIG_CHECKSUM_ANNOTATION]: o.configChecksum } : {}),
    ...o.annotations,
  };
  return {
    metadata: { labels: o.labels, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec: {
      ...(o.serviceAccountName ? { serviceAccountName: o.serviceAccountName } : {}),
      automountServiceAccountToken: o.automountServiceAccountToken,
      securityContext: podSecurityContext(o.uid),
      affinity: podAntiAffinity(o.selector),
      terminationGracePeriodSeconds: o.terminationGracePeriodSeconds,
      containers: o.containers,
      volumes: o.volumes,
    },
  };
}

/** One pod more during a rollout, never one less. */
const ROLLING_UPDATE = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } as const;

interface WorkloadOptions {
  /** The size on first apply (an HPA, where there is one, owns it from then on). */
  replicas: number;
  selector: Record<string, string>;
  template: IPodTemplateSpec;
}

export interface DeploymentOptions extends WorkloadOptions {
  revisionHistoryLimit?: number;
}

export function deployment(metadata: ObjectMeta, o: DeploymentOptions): Manifest<IDeployment> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      replicas: o.replicas,
      ...(o.revisionHistoryLimit === undefined ? {} : { revisionHistoryLimit: o.revisionHistoryLimit }),
      selector: { matchLabels: o.selector },
      strategy: ROLLING_UPDATE,
      template: o.template,
    },
  };
}

export interface StatefulSetOptions extends WorkloadOptions {
  /** The headless Service that names the pods. */
  serviceName: string;
  podManagementPolicy: 'Parallel' | 'OrderedReady';
}

export function statefulSet(metadata: ObjectMeta, o: StatefulSetOptions): Manifest<IStatefulSet> {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata,
    spec: {
      serviceName: o.serviceName,
      replicas: o.replicas,
      podManagementPolicy: o.podManagementPolicy,
      selector: { matchLabels: o.selector },
      template: o.template,
    },
  };
}
