// Names of the synthetic mesh: namespaces, services, workloads and pods, derived only from the size.
import type { MeshSize } from './size.ts';

const NAMESPACE_NAMES = ['podinfo', 'shop', 'payments', 'identity', 'search', 'media'];
const SERVICE_NAMES = ['podinfo', 'frontend', 'backend', 'cart', 'checkout', 'catalog', 'orders', 'users'];

export const ISTIO_NAMESPACE = 'istio-system';
export const OBSERVABILITY_NAMESPACE = 'observability';
export const INGRESS_GATEWAY = 'istio-ingressgateway';
export const EGRESS_GATEWAY = 'istio-egressgateway';
/** A caller without a sidecar: destination proxies report it with connection_security_policy="none". */
export const PLAINTEXT_SOURCE = 'unknown';

export interface Pod {
  name: string;
  namespace: string;
  ip: string;
}

export interface Workload {
  /** Deployment name, the `*_workload` label value. */
  name: string;
  namespace: string;
  app: string;
  version: string;
  /** Share of the service's traffic this workload receives. */
  weight: number;
  pods: Pod[];
}

export interface Service {
  name: string;
  namespace: string;
  /** Index in the mesh, used to vary latency and error shares between services. */
  index: number;
  workloads: Workload[];
  /** Callers: gateway, other services' first workload, or the plaintext source. */
  sources: Workload[];
}

export interface Topology {
  namespaces: string[];
  services: Service[];
  gateways: { ingress: Workload; egress: Workload };
  istiod: Pod[];
}

let ipCounter = 0;
const nextIp = () => {
  const n = ipCounter++;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
};

const pick = (names: string[], i: number) => (i < names.length ? names[i]! : `${names[i % names.length]}-${Math.floor(i / names.length)}`);

/** Deterministic pod-name suffix, like a ReplicaSet hash plus a pod hash. */
function podSuffix(seed: string, i: number): string {
  let h = 2166136261;
  for (const c of `${seed}/${i}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  const s = (h >>> 0).toString(36).padStart(7, '0');
  return `${s.slice(0, 5)}-${s.slice(-5).padStart(5, 'x')}`;
}

function workload(name: string, namespace: string, app: string, version: string, weight: number, pods: number): Workload {
  return {
    name,
    namespace,
    app,
    version,
    weight,
    pods: Array.from({ length: pods }, (_, i) => ({ name: `${name}-${podSuffix(name, i)}`, namespace, ip: nextIp() })),
  };
}

export function topology(size: MeshSize): Topology {
  ipCounter = 0;
  const namespaces = Array.from({ length: size.namespaces }, (_, i) => pick(NAMESPACE_NAMES, i));
  const total = size.versions.reduce((a, v) => a + v.weight, 0);
  const services: Service[] = [];
  let index = 0;
  for (const namespace of namespaces)
    for (let s = 0; s < size.servicesPerNamespace; s++) {
      const name = pick(SERVICE_NAMES, index);
      const workloads = size.versions.map((v, vi) =>
        workload(vi === 0 ? name : `${name}-${v.name}`, namespace, name, v.name, v.weight / total, size.podsPerVersion),
      );
      services.push({ name, namespace, index: index++, workloads, sources: [] });
    }
  const ingress = workload(INGRESS_GATEWAY, ISTIO_NAMESPACE, INGRESS_GATEWAY, 'unknown', 1, size.gatewayReplicas);
  const egress = workload(EGRESS_GATEWAY, ISTIO_NAMESPACE, EGRESS_GATEWAY, 'unknown', 1, size.gatewayReplicas);
  const plaintext: Workload = {
    name: PLAINTEXT_SOURCE,
    namespace: PLAINTEXT_SOURCE,
    app: PLAINTEXT_SOURCE,
    version: PLAINTEXT_SOURCE,
    weight: 1,
    pods: [],
  };
  for (const svc of services) {
    const meshCallers = Math.max(0, size.sourcesPerService - (size.sourcesPerService >= 3 ? 2 : 1));
    svc.sources.push(ingress);
    for (let k = 1; k <= meshCallers && services.length > 1; k++) {
      const caller = services[(svc.index + k) % services.length]!;
      if (caller !== svc) svc.sources.push(caller.workloads[0]!);
    }
    if (size.sourcesPerService >= 3) svc.sources.push(plaintext);
  }
  const istiod = Array.from({ length: size.istiodReplicas }, (_, i) => ({
    name: `istiod-${podSuffix('istiod', i)}`,
    namespace: ISTIO_NAMESPACE,
    ip: nextIp(),
  }));
  return { namespaces, services, gateways: { ingress, egress }, istiod };
}
