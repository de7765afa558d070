// Production posture shared by every workload the bundle emits: hardened security contexts,
// resources, spread, disruption budgets and autoscaling.
import type { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import type { ISecurityContext } from 'kubernetes-models/v1/SecurityContext';
import type { KubeObject } from './types.ts';

export interface ResourceSpec {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

/** The default non-root user (and group) of the bundle's pods: distroless' "nonroot". */
export const NONROOT_UID = 65532;

/** Non-root, seccomp RuntimeDefault, fsGroup for writable emptyDirs. */
export function podSecurityContext(uid = NONROOT_UID): IPodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Read-only root filesystem, no privilege escalation, every capability dropped. */
export function containerSecurityContext(uid = NONROOT_UID): ISecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function resources(spec: ResourceSpec) {
  return {
    requests: { cpu: spec.requests.cpu, memory: spec.requests.memory },
    limits: { cpu: spec.limits.cpu, memory: spec.limits.memory },
  };
}

/** Parses a Kubernetes memory quantity ("1Gi", "512Mi", "1000000") into bytes. */
export function memoryBytes(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity);
  if (!m) throw new Error(`not a memory quantity: ${quantity}`);
  const factor: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  return Number(m[1]) * (m[2] ? factor[m[2]]! : 1);
}

/** Spreads replicas across nodes (preferred) and zones (preferred). */
export function podAntiAffinity(selector: Record<string, string>) {
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 100, podAffinityTerm: { labelSelector: { matchLabels: selector }, topologyKey: 'kubernetes.io/hostname' } },
        { weight: 50, podAffinityTerm: { labelSelector: { matchLabels: selector }, topologyKey: 'topology.kubernetes.io/zone' } },
      ],
    },
  };
}

interface Named {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  selector: Record<string, string>;
}

/**
 * The disruption budget of every bundle workload: at most one pod voluntarily evicted at a time, and
 * never zero. `maxUnavailable: 1` allows one disruption at any replica count, so a single replica (or an
 * autoscaler at its minimum) never blocks a node drain, where `minAvailable: 1` would. Pods that are not
 * ready are always evictable (`unhealthyPodEvictionPolicy: AlwaysAllow`, policy/v1 since Kubernetes
 * 1.26, GA in 1.31), so a crash-looping pod does not hold a drain either. Eviction of a single replica
 * means a short outage of that component during the drain; run two or more for none.
 */
export const PDB_SPEC = { maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow' } as const;

export function podDisruptionBudget(w: Named): KubeObject {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: w.name, namespace: w.namespace, labels: w.labels },
    spec: { ...PDB_SPEC, selector: { matchLabels: w.selector } },
  };
}

/**
 * The autoscaler of a workload whose replica count may move within `range`, or nothing. An HPA on
 * CPU or memory reads the `metrics.k8s.io` API, which only metrics-server (or an adapter serving it)
 * provides; kube-prometheus-stack installs none, and without it the HPA reports
 * `FailedGetResourceMetric` forever and never scales (kubernetes/kubernetes
 * pkg/controller/podautoscaler/metrics/client.go, resourceMetricsClient reads metrics.k8s.io/v1beta1).
 * So an HPA is rendered only when the cluster profile says metrics-server runs
 * (`profile.metricsServer`); otherwise the workload stays at the range's minimum, its first-apply size.
 * A fixed range (min = max) never needs one.
 */
export function autoscaler(
  profile: { metricsServer: boolean },
  w: Omit<Named, 'selector'> & { target: { apiVersion: string; kind: string; name: string } },
  range: { min: number; max: number },
  cpuUtilization = 70,
  memoryUtilization?: number,
): KubeObject[] {
  if (!profile.metricsServer || range.min >= range.max) return [];
  const metrics: unknown[] = [
    { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpuUtilization } } },
  ];
  if (memoryUtilization)
    metrics.push({
      type: 'Resource',
      resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: memoryUtilization } },
    });
  return [
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: w.name, namespace: w.namespace, labels: w.labels },
      spec: { scaleTargetRef: w.target, minReplicas: range.min, maxReplicas: range.max, metrics },
    },
  ];
}

/** What a workload's replica count is, in one line for a manifest comment. */
export const replicasNote = (profile: { metricsServer: boolean }, range: { min: number; max: number }): string =>
  range.min >= range.max
    ? `${range.min} replica${range.min === 1 ? '' : 's'}.`
    : profile.metricsServer
      ? `${range.min}–${range.max} replicas (HorizontalPodAutoscaler; it owns the count after the first apply).`
      : `${range.min} replicas, fixed: the cluster profile has no metrics-server (profile.metricsServer), so no autoscaler could scale within ${range.min}–${range.max}.`;

export interface NetworkPolicyRule {
  /** Peers allowed in: namespace names (matched by kubernetes.io/metadata.name) and/or pod labels. */
  from?: { namespace?: string; pods?: Record<string, string> }[];
  to?: { namespace?: string; pods?: Record<string, string> }[];
  ports: { port: number; protocol?: 'TCP' | 'UDP' }[];
}

function peers(list: NonNullable<NetworkPolicyRule['from']>) {
  return list.map((p) => ({
    ...(p.namespace ? { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': p.namespace } } } : {}),
    ...(p.pods ? { podSelector: { matchLabels: p.pods } } : {}),
  }));
}

/**
 * A NetworkPolicy that selects `w.selector` pods and allows only the listed ingress (and, if given,
 * egress) rules. DNS egress is always allowed when egress is restricted.
 */
export function networkPolicy(w: Named, rules: { ingress: NetworkPolicyRule[]; egress?: NetworkPolicyRule[] }): KubeObject {
  const policyTypes = rules.egress ? ['Ingress', 'Egress'] : ['Ingress'];
  const spec: Record<string, unknown> = { podSelector: { matchLabels: w.selector }, policyTypes };
  // No rules means deny all ingress (policyTypes has Ingress). Written as an absent field, never as
  // `ingress: []`: the API server drops empty lists, so a server-side apply of [] rewrites the object every time.
  if (rules.ingress.length)
    spec.ingress = rules.ingress.map((r) => ({
      ...(r.from ? { from: peers(r.from) } : {}),
      ports: r.ports.map((p) => ({ port: p.port, protocol: p.protocol ?? 'TCP' })),
    }));
  if (rules.egress) {
    spec.egress = [
      {
        to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [
          { port: 53, protocol: 'UDP' },
          { port: 53, protocol: 'TCP' },
        ],
      },
      ...rules.egress.map((r) => ({
        ...(r.to ? { to: peers(r.to) } : {}),
        ports: r.ports.map((p) => ({ port: p.port, protocol: p.protocol ?? 'TCP' })),
      })),
    ];
  }
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: w.name, namespace: w.namespace, labels: w.labels },
    spec,
  };
}
