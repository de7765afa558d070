// The profiles and overlays for optional operators, on one API server with Istio and
// kube-prometheus-stack's monitoring kinds that gains one operator's CRDs per step (profile-chain.ts says what each step
// proves and what it does not). Each profile's kinds list also names the CRs of the operators installed
// by an earlier step that it must not contain, so running after them proves it does not need them.
import repoConfig from '../../../../meshobs.config.ts';
import { crdFiles, grafanaDashboardStandInCrdFile, kialiCrdFile, openTelemetryCollectorStandInCrdFile } from './cluster-kit.ts';
import { describeProfileChain } from './profile-chain.ts';

describeProfileChain('bundle on a cluster with Istio and kube-prometheus-stack, then each optional operator', [
  {
    cluster: '+ the kiali-operator',
    // Of prometheus-operator's CRDs, those of the kinds a bundle applies: the other six (Prometheus,
    // Alertmanager, ...: 3.3 MB of schema) change no verdict here and cost every kubectl run seconds of
    // OpenAPI parsing. The default profile meets all of them in bundle-apply.cluster.test.ts.
    crds: (scratch) => [
      ...crdFiles('istio'),
      ...crdFiles('prometheus-operator').filter((f) => /_(servicemonitors|podmonitors|prometheusrules|alertmanagerconfigs)\.yaml$/.test(f)),
      kialiCrdFile(scratch),
    ],
    profiles: [
      {
        // The default bundle's opt-in overlay, on a cluster that does run the operator.
        name: 'default+overlay-kiali-operator',
        config: {},
        apply: 'overlays/kiali-operator',
        kinds: { present: ['Kiali', 'ServiceMonitor'], absent: ['GrafanaDashboard', 'OpenTelemetryCollector'] },
      },
    ],
  },
  {
    cluster: '+ the grafana-operator',
    crds: (scratch) => [grafanaDashboardStandInCrdFile(scratch)],
    profiles: [
      {
        name: 'default+overlay-grafana-operator',
        config: {},
        apply: 'overlays/grafana-operator',
        kinds: { present: ['GrafanaDashboard', 'ServiceMonitor'], absent: ['Kiali', 'OpenTelemetryCollector'] },
      },
    ],
  },
  {
    cluster: '+ the OpenTelemetry Operator',
    crds: (scratch) => [openTelemetryCollectorStandInCrdFile(scratch)],
    profiles: [
      {
        name: 'opentelemetry-operator-single',
        config: { profile: { operators: { opentelemetry: true } }, tracing: { ...repoConfig.tracing, collector: { mode: 'single' } } },
        apply: '.',
        kinds: {
          present: ['OpenTelemetryCollector/otel-collector', 'Service/otel-collector', 'NetworkPolicy/otel-collector'],
          absent: ['Deployment/otel-collector', 'OpenTelemetryCollector/otel-collector-sampler', 'Kiali', 'GrafanaDashboard'],
        },
      },
      {
        name: 'operators',
        config: { profile: { operators: { grafana: true, kiali: true, opentelemetry: true } } },
        apply: '.',
        kinds: {
          // Two-tier collector through the Operator: one CR per tier, and none of the workloads it creates itself.
          present: [
            'GrafanaDashboard',
            'Kiali',
            'ServiceMonitor',
            'OpenTelemetryCollector/otel-collector',
            'OpenTelemetryCollector/otel-collector-sampler',
            'Service/otel-collector-sampler',
          ],
          absent: [
            'Namespace/istio-system',
            'Deployment/otel-collector',
            'StatefulSet/otel-collector-sampler',
            'ConfigMap/otel-collector',
            'HorizontalPodAutoscaler/otel-collector',
          ],
        },
      },
    ],
  },
]);
