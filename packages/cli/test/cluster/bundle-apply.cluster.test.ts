// The profiles without optional operators, on one API server whose cluster grows from Istio alone
// to Istio + kube-prometheus-stack (profile-chain.ts says what each step proves and what it does not).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { crdFiles } from './cluster-kit.ts';
import { describeProfileChain } from './profile-chain.ts';

const EDGE = parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'valid-edge', 'edge-egress-jwt.yaml'), 'utf8'));

describeProfileChain('bundle on a cluster with Istio, then kube-prometheus-stack', [
  {
    cluster: 'Istio only (no prometheus-operator)',
    crds: () => crdFiles('istio'),
    profiles: [
      {
        name: 'plain-prometheus',
        config: { profile: { prometheus: 'plain' } },
        apply: '.',
        kinds: {
          present: ['Telemetry', 'NetworkPolicy'],
          absent: ['ServiceMonitor', 'PodMonitor', 'PrometheusRule', 'AlertmanagerConfig', 'GrafanaDashboard', 'Kiali'],
        },
      },
    ],
  },
  {
    // The default profile meets exactly kube-prometheus-stack's CRDs: no operator CRD beyond them.
    cluster: '+ kube-prometheus-stack (prometheus-operator CRDs)',
    crds: () => crdFiles('prometheus-operator'),
    profiles: [
      {
        name: 'default',
        config: {},
        apply: '.',
        kinds: {
          present: ['ServiceMonitor', 'PodMonitor', 'PrometheusRule', 'AlertmanagerConfig'],
          absent: [
            'GrafanaDashboard',
            'Kiali',
            'OpenTelemetryCollector',
            'Namespace/istio-system',
            'Namespace/monitoring',
            'Namespace/default',
            // The trace pipeline's: it holds the user's search-engine Secrets (the namespace script creates it).
            'Namespace/observability',
          ],
        },
      },
      {
        // The egress and authentication edge (fixtures/valid-edge/edge-egress-jwt.yaml): every new Istio kind.
        name: 'edge-egress-jwt',
        config: EDGE,
        apply: '.',
        kinds: {
          present: ['ServiceEntry', 'Gateway', 'VirtualService', 'Sidecar', 'RequestAuthentication', 'AuthorizationPolicy'],
          absent: ['Namespace/istio-system', 'Namespace/default'],
        },
      },
      {
        name: 'plain-prometheus+overlay-prometheus-operator',
        config: { profile: { prometheus: 'plain' } },
        apply: 'overlays/prometheus-operator',
        kinds: { present: ['ServiceMonitor', 'PodMonitor', 'PrometheusRule'], absent: ['Kiali', 'GrafanaDashboard'] },
      },
    ],
  },
]);
