// The mesh from the seeds: podinfo on Istio with a stable and a canary version, in the production
// cluster "kubernetes-security-cluster". Every value not written here takes its default from
// packages/config (the numbers of REQUIREMENTS.md); they are spelled out where a reader expects them.
//
// podinfo is the demo service, which this repository deploys (demo.enabled): its front end is monitored
// like any listed service. A mesh of your own lists its services under `services` instead, for example
//   services: [{ name: 'reviews', namespace: 'bookinfo', owner: 'team-books',
//                versions: [{ name: 'v1', weight: 50 }, { name: 'v2', weight: 30 }, { name: 'v3', weight: 20 }] }],
// and leaves the demo off: the bundle then deploys nothing into the services' namespaces.
import { defineConfig } from '@meshobs/cli/config';

export default defineConfig({
  cluster: { name: 'kubernetes-security-cluster', environment: 'production' },
  namespaces: {
    injected: ['podinfo', 'observability', 'default'],
    excluded: ['monitoring'],
  },
  demo: {
    enabled: true,
    namespace: 'podinfo',
    name: 'podinfo',
    port: 9898,
    versions: [
      { name: 'stable', weight: 90 },
      { name: 'canary', weight: 10 },
    ],
  },
  prometheus: { release: 'kube-prometheus-stack' },
  tracing: {
    sampling: { defaultPercent: 100, healthCheckPercent: 10, metricsPercent: 1 },
  },
  jaeger: {
    retention: { days: 7 },
  },
  // The edge: HTTPS only on the Istio ingress gateway (TLS 1.3 minimum, HTTP redirected), with the
  // certificate of this Secret in istio-system; Jaeger and Kiali behind the oauth2-proxy sign-in.
  ingress: {
    tls: { credentialName: 'meshobs-ingress-tls' },
    hosts: { jaeger: 'jaeger.example.com' },
    signIn: { service: 'oauth2-proxy.oauth2-proxy.svc.cluster.local', port: 4180 },
  },
});
