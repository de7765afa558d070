// The scrape jobs the rules and panels select on (prometheus.jobs.*), who produces each in the cluster
// profile, and the ports and pod labels of the Istio targets, one home for the monitors, the plain scrape
// config, the rule tests and the synthetic mesh.
import type { MeshobsConfig } from '@meshobs/config';
import { ISTIO_PORTS } from '@meshobs/kube';

/** Pod labels copied onto every Envoy series (the gateway alerts need `istio`, the version split `version`). */
export const ENVOY_POD_LABELS = ['app', 'version', 'istio'] as const;

/** istiod's monitoring port (Service port name and number). */
export const ISTIOD_MONITORING_PORT = { name: 'http-monitoring', number: 15014 } as const;
/** Envoy's Prometheus endpoint on every sidecar and gateway (container port name on istio-proxy). */
export const ENVOY_PROM_PORT = { name: 'http-envoy-prom', number: ISTIO_PORTS.envoyStats, path: '/stats/prometheus' } as const;

export type JobKey = keyof MeshobsConfig['prometheus']['jobs'];

/** A scrape job the bundle's rules and panels read, and what produces it in the cluster profile. */
export interface ScrapeJob {
  key: JobKey;
  /** The job label value (prometheus.jobs.<key>). */
  name: string;
  /**
   * `bundle`: the bundle's own monitors (kube-prometheus-stack) or scrape-configs.yml (plain Prometheus).
   * `kube-prometheus-stack`: the chart's own kubelet and kube-state-metrics monitors, under its job names.
   */
  producer: 'bundle' | 'kube-prometheus-stack';
}

/** kube-prometheus-stack scrapes the kubelet and kube-state-metrics itself; a plain Prometheus gets them from the bundle. */
const CLUSTER_JOBS: readonly JobKey[] = ['cadvisor', 'kubeStateMetrics'];

export function jobsOf(config: MeshobsConfig): ScrapeJob[] {
  const kps = config.profile.prometheus === 'kube-prometheus-stack';
  return (Object.keys(config.prometheus.jobs) as JobKey[]).map((key) => ({
    key,
    name: config.prometheus.jobs[key],
    producer: kps && CLUSTER_JOBS.includes(key) ? 'kube-prometheus-stack' : 'bundle',
  }));
}
