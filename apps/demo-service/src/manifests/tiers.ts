import type { MeshobsConfig, ServiceConfig } from '@meshobs/config';

/** One deployable tier of the demo: a front end from `services`, or the shared backend of its namespace. */
export interface Tier {
  name: string;
  namespace: string;
  port: number;
  /** version label -> share of traffic in percent (integers summing to 100). */
  versions: { subset: 'stable' | 'canary'; label: string; weight: number; replicas: { min: number; max: number } }[];
  /** Where /echo posts to (front ends only). */
  backendUrl?: string;
  /** Names of the tiers allowed to call this one, besides the ingress gateway. */
  callers: string[];
  /** Front ends are exposed through the ingress gateway. */
  exposed: boolean;
}

export const serviceHost = (name: string, namespace: string) => `${name}.${namespace}.svc.cluster.local`;

/** Istio route weights are integers: the canary share is rounded, the stable subset gets the rest. */
export const canaryWeight = (s: ServiceConfig) => Math.round(s.canaryWeight);

export function tiersOf(config: MeshobsConfig): Tier[] {
  const backend = config.demo.backendName;
  const namespaces = [...new Set(config.services.map((s) => s.namespace))];
  const frontends: Tier[] = config.services.map((s) => ({
    name: s.name,
    namespace: s.namespace,
    port: s.port,
    versions: [
      { subset: 'stable', label: s.stableVersion, weight: 100 - canaryWeight(s), replicas: s.replicas },
      { subset: 'canary', label: s.canaryVersion, weight: canaryWeight(s), replicas: { min: 1, max: s.replicas.max } },
    ],
    backendUrl: `http://${serviceHost(backend, s.namespace)}:9898/echo`,
    callers: [backend],
    exposed: true,
  }));
  const backends: Tier[] = namespaces.map((namespace) => ({
    name: backend,
    namespace,
    port: 9898,
    versions: [{ subset: 'stable', label: 'stable', weight: 100, replicas: { min: 2, max: 5 } }],
    callers: config.services.filter((s) => s.namespace === namespace).map((s) => s.name),
    exposed: false,
  }));
  return [...frontends, ...backends];
}
