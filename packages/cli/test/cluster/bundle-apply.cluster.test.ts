// The bundle against a real kube-apiserver + etcd shaped like the cluster each profile describes:
// its namespaces (as an Istio + kube-prometheus-stack install leaves them) and exactly its CRDs.
// What this proves: the server admits every object (unknown fields, enums, CEL rules, immutable
// fields, missing CRDs, name limits), applies are idempotent, and deletes leave what existed before.
// What it does not: no controller, scheduler or kubelet runs, so nothing is reconciled or started.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { missingTools, tempDir } from '@meshobs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import repoConfig from '../../../../meshobs.config.ts';
import {
  type ApiServer,
  applyKustomization,
  buildBundle,
  crdFiles,
  grafanaDashboardStandInCrdFile,
  kialiCrdFile,
  openTelemetryCollectorStandInCrdFile,
  PREEXISTING_NAMESPACES,
  renderedObjects,
  runScript,
  startClusterLike,
} from './cluster-kit.ts';

const skip = missingTools('etcd', 'kube-apiserver', 'kubectl');

interface ProfileCase {
  name: string;
  /** Config sections that select the profile. */
  config: Record<string, unknown>;
  /** CRD manifests the target cluster has. */
  crds: (scratch: string) => string[];
  /** Kustomization (relative to the bundle) the user applies on this cluster. */
  apply: string;
  /** Kinds that must be in what is applied, and kinds that must not. */
  kinds: { present: string[]; absent: string[] };
}

const istio = () => crdFiles('istio');
const kps = () => [...crdFiles('istio'), ...crdFiles('prometheus-operator')];

const PROFILES: ProfileCase[] = [
  {
    name: 'default',
    config: {},
    crds: kps,
    apply: '.',
    kinds: {
      present: ['ServiceMonitor', 'PodMonitor', 'PrometheusRule', 'AlertmanagerConfig'],
      absent: ['GrafanaDashboard', 'Kiali', 'Namespace/istio-system', 'Namespace/monitoring', 'Namespace/default'],
    },
  },
  {
    name: 'plain-prometheus',
    config: { profile: { prometheus: 'plain' } },
    crds: istio,
    apply: '.',
    kinds: {
      present: ['Telemetry', 'NetworkPolicy'],
      absent: ['ServiceMonitor', 'PodMonitor', 'PrometheusRule', 'AlertmanagerConfig', 'GrafanaDashboard', 'Kiali'],
    },
  },
  {
    name: 'operators',
    config: { profile: { operators: { grafana: true, kiali: true, opentelemetry: true } } },
    crds: (scratch) => [
      ...kps(),
      kialiCrdFile(scratch),
      grafanaDashboardStandInCrdFile(scratch),
      openTelemetryCollectorStandInCrdFile(scratch),
    ],
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
  {
    name: 'opentelemetry-operator-single',
    config: { profile: { operators: { opentelemetry: true } }, tracing: { ...repoConfig.tracing, collector: { mode: 'single' } } },
    crds: (scratch) => [...kps(), openTelemetryCollectorStandInCrdFile(scratch)],
    apply: '.',
    kinds: {
      present: ['OpenTelemetryCollector/otel-collector', 'Service/otel-collector', 'NetworkPolicy/otel-collector'],
      absent: ['Deployment/otel-collector', 'OpenTelemetryCollector/otel-collector-sampler'],
    },
  },
  {
    // The default bundle's opt-in overlays, on a cluster that does run those operators.
    name: 'default+overlay-kiali-operator',
    config: {},
    crds: (scratch) => [...kps(), kialiCrdFile(scratch)],
    apply: 'overlays/kiali-operator',
    kinds: { present: ['Kiali', 'ServiceMonitor'], absent: ['GrafanaDashboard'] },
  },
  {
    name: 'default+overlay-grafana-operator',
    config: {},
    crds: (scratch) => [...kps(), grafanaDashboardStandInCrdFile(scratch)],
    apply: 'overlays/grafana-operator',
    kinds: { present: ['GrafanaDashboard', 'ServiceMonitor'], absent: ['Kiali'] },
  },
  {
    name: 'plain-prometheus+overlay-prometheus-operator',
    config: { profile: { prometheus: 'plain' } },
    crds: kps,
    apply: 'overlays/prometheus-operator',
    kinds: { present: ['ServiceMonitor', 'PodMonitor', 'PrometheusRule'], absent: ['Kiali'] },
  },
];

describe.skipIf(skip).each(PROFILES)('profile $name', (profile) => {
  let api: ApiServer;
  let bundle: string;
  let target: string;

  beforeAll(async () => {
    bundle = await buildBundle(profile.name, profile.config);
    target = join(bundle, profile.apply);
    api = await startClusterLike(profile.crds(tempDir('crds')));
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('contains only what this cluster can accept, and no namespace it does not own', () => {
    const ids = renderedObjects(api, target).flatMap((o) => [o.kind, `${o.kind}/${o.metadata.name}`]);
    for (const k of profile.kinds.present) expect(ids, `${k} missing`).toContain(k);
    for (const k of profile.kinds.absent) expect(ids, `${k} must not be applied`).not.toContain(k);
  });

  it('passes a server-side dry-run apply', () => {
    // A dry run creates nothing, so objects inside a namespace the bundle itself creates would fail
    // with "namespace not found": the bundle's own Namespace objects are applied for real first.
    const own = renderedObjects(api, target).filter((o) => o.kind === 'Namespace');
    if (own.length)
      api.kubectl(['apply', '--server-side', '--field-manager=meshobs', '-f', '-'], own.map((o) => `---\n${stringify(o)}`).join(''));
    const r = api.kubectlResult(['apply', '--server-side', '--field-manager=meshobs', '--dry-run=server', '-k', target]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('applies, and a second apply changes nothing', () => {
    const first = applyKustomization(api, target);
    expect(first.length).toBeGreaterThan(0);
    const second = applyKustomization(api, target);
    expect(second).toEqual(first);
    const diff = api.kubectlResult(['diff', '--server-side', '--field-manager=meshobs', '-k', target]);
    expect(diff.stdout).toBe('');
    expect(diff.code).toBe(0);
  });

  it('labels the existing namespaces only through the opt-in script', () => {
    const script = join(bundle, 'namespaces', 'label-existing-namespaces.sh');
    expect(existsSync(script)).toBe(true);
    const label = (ns: string) =>
      (JSON.parse(api.kubectl(['get', 'namespace', ns, '-o', 'json'])) as { metadata: { labels?: Record<string, string> } }).metadata
        .labels?.['istio-injection'];
    expect(label('default')).toBeUndefined();
    runScript(api, script);
    expect(label('default')).toBe('enabled');
    expect(label('monitoring')).toBe('disabled');
  });

  it('deletes without touching the namespaces the cluster had before', () => {
    // No namespace controller runs here, so a deleted namespace stays Terminating: do not wait for it.
    api.kubectl(['delete', '-k', target, '--wait=false']);
    for (const ns of PREEXISTING_NAMESPACES) {
      const obj = JSON.parse(api.kubectl(['get', 'namespace', ns, '-o', 'json'])) as { metadata: { deletionTimestamp?: string } };
      expect(obj.metadata.deletionTimestamp, `namespace ${ns} is being deleted`).toBeUndefined();
    }
    const left = JSON.parse(api.kubectl(['get', 'namespaces', '-o', 'json'])) as {
      items: Array<{ metadata: { name: string; deletionTimestamp?: string } }>;
    };
    const terminating = left.items
      .filter((n) => n.metadata.deletionTimestamp)
      .map((n) => n.metadata.name)
      .sort();
    expect(terminating).toEqual(
      renderedObjects(api, target)
        .filter((o) => o.kind === 'Namespace')
        .map((o) => o.metadata.name)
        .sort(),
    );
  });
});
