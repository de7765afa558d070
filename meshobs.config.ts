// The mesh from the seeds: podinfo on Istio with a stable and a canary version, in the production
// cluster "kubernetes-security-cluster". Every value not written here takes its default from
// packages/config (the numbers of REQUIREMENTS.md); they are spelled out where a reader expects them.
import { defineConfig } from '@meshobs/cli/config';

export default defineConfig({
  cluster: { name: 'kubernetes-security-cluster', environment: 'production' },
  namespaces: {
    injected: ['podinfo', 'observability', 'default'],
    excluded: ['monitoring'],
  },
  services: [
    {
      name: 'podinfo',
      namespace: 'podinfo',
      port: 9898,
      stableVersion: 'stable',
      canaryVersion: 'canary',
      canaryWeight: 10,
    },
  ],
  prometheus: { release: 'kube-prometheus-stack' },
  tracing: {
    sampling: { defaultPercent: 100, healthCheckPercent: 10, metricsPercent: 1 },
  },
  jaeger: {
    retention: { days: 7 },
    query: { ingress: { host: 'jaeger.example.com' } },
  },
});
