// The demo service's tiers (demo.*): a front end with its versions and its backend, in the demo's own
// namespace. Only when demo.enabled: the bundle deploys nothing into the namespaces of the mesh's services.
import type { MeshobsConfig } from '@meshobs/config';

/** One deployable tier of the demo: the front end, or the backend it chains to. */
export interface Tier {
  name: string;
  namespace: string;
  port: number;
  /**
   * Its versions: the `version` pod label (also the Deployment suffix and the DestinationRule subset) and the
   * share of traffic in percent (integers summing to 100). `canary` marks the version the `x-canary: true`
   * header routes to: the last of two or more.
   */
  versions: { subset: string; label: string; weight: number; canary: boolean; replicas: { min: number; max: number } }[];
  /** Where /echo posts to (the front end only). */
  backendUrl?: string;
  /** Names of the tiers allowed to call this one, besides the ingress gateway. */
  callers: string[];
  /** The front end is exposed through the ingress gateway. */
  exposed: boolean;
}

export const serviceHost = (name: string, namespace: string) => `${name}.${namespace}.svc.cluster.local`;

/** The demo's tiers, front end first; none when the demo is off. */
export function demoTiers(config: MeshobsConfig): Tier[] {
  const d = config.demo;
  if (!d.enabled) return [];
  const last = d.versions.length - 1;
  const frontend: Tier = {
    name: d.name,
    namespace: d.namespace,
    port: d.port,
    versions: d.versions.map((v, i) => ({
      subset: v.name,
      label: v.name,
      weight: v.weight,
      canary: last > 0 && i === last,
      // A canary takes a share of the traffic: it may run smaller, never below one pod.
      replicas: last > 0 && i === last ? { min: 1, max: d.replicas.max } : d.replicas,
    })),
    backendUrl: `http://${serviceHost(d.backendName, d.namespace)}:9898/echo`,
    callers: [d.backendName],
    exposed: true,
  };
  const backend: Tier = {
    name: d.backendName,
    namespace: d.namespace,
    port: 9898,
    versions: [{ subset: 'stable', label: 'stable', weight: 100, canary: false, replicas: d.replicas }],
    callers: [d.name],
    exposed: false,
  };
  return [frontend, backend];
}
