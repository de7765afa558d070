// profile.operators.opentelemetry: true runs the collector through the OpenTelemetry Operator. The CRs
// replace the Deployment/StatefulSet in the base, with the plain workloads' config and sizing, and the
// bundle's Services, NetworkPolicies and ServiceMonitor must reach the pods the Operator creates.

import { type MeshobsConfig, parseConfig } from '@meshobs/config';
import { validateObjects } from '@meshobs/kube';
import { operatorInstanceLabel, resolveModel } from '@meshobs/model';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { OPERATOR_FILE, renderCollector } from '../src/index.ts';

type Json = Record<string, any>;

const configOf = (collector: Json = {}, namespaces: Json = {}) =>
  parseConfig({ profile: { operators: { opentelemetry: true } }, tracing: { collector }, namespaces });

/**
 * The labels the Operator gives the pods of a CR, written out from upstream rather than taken from the
 * renderer: open-telemetry/opentelemetry-operator v0.158.0 internal/manifests/manifestutils/labels.go
 * `Labels`: the CR's labels, overwritten by `SelectorLabels` (managed-by, instance "<ns>.<name>", part-of,
 * component "opentelemetry-collector"), plus the version from the image tag; a CR `app.kubernetes.io/name`
 * is kept. Services the Operator creates get the same labels (internal/manifests/collector/service.go).
 */
function operatorPodLabels(cr: Json): Record<string, string> {
  const { namespace, name } = cr.metadata;
  return {
    ...cr.metadata.labels,
    'app.kubernetes.io/managed-by': 'opentelemetry-operator',
    'app.kubernetes.io/instance': `${namespace}.${name}`,
    'app.kubernetes.io/part-of': 'opentelemetry',
    'app.kubernetes.io/component': 'opentelemetry-collector',
    'app.kubernetes.io/version': String(cr.spec.image).split(':').pop(),
  };
}

const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Ports the collector config listens on: receivers, extensions, Prometheus exporters, own telemetry. */
function listenPorts(cfg: Json): number[] {
  const out: number[] = [];
  const walk = (v: unknown) => {
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      if (k === 'endpoint' && typeof x === 'string' && /^0\.0\.0\.0:\d+$/.test(x)) out.push(Number(x.split(':')[1]));
      else if (k === 'port' && typeof x === 'number') out.push(x);
      else walk(x);
    }
  };
  walk(cfg.receivers);
  walk(cfg.extensions);
  walk(Object.fromEntries(Object.entries(cfg.exporters).filter(([id]) => id.startsWith('prometheus'))));
  walk(cfg.service.telemetry);
  return out;
}

/** The plain config file without the sections collectorYaml leaves out when empty. */
const nonEmpty = (cfg: Json) =>
  Object.fromEntries(Object.entries(cfg).filter(([, v]) => !(v && typeof v === 'object' && Object.keys(v).length === 0)));

function rendered(config: MeshobsConfig) {
  const b = renderCollector(resolveModel(config));
  const objects = b.objects as Json[];
  const crs = objects.filter((o) => o.kind === 'OpenTelemetryCollector');
  return { b, objects, crs, of: (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)! };
}

describe('profile.operators.opentelemetry: the collector runs through the Operator', () => {
  it('two-tier: one CR per tier instead of the Deployment/StatefulSet/ConfigMaps/HPA/PDBs, schema-valid, no stand-alone file', async () => {
    const { b, objects, crs } = rendered(configOf({ mode: 'two-tier', samplerReplicas: 4, replicas: { min: 2, max: 6 } }));
    expect(await validateObjects(b.objects)).toEqual([]);
    for (const kind of ['Deployment', 'StatefulSet', 'ConfigMap', 'HorizontalPodAutoscaler', 'PodDisruptionBudget'])
      expect(
        objects.filter((o) => o.kind === kind).map((o) => o.metadata.name),
        kind,
      ).toEqual([]);
    expect(b.files.map((f) => f.path)).not.toContain(OPERATOR_FILE);
    expect(crs.map((c) => [c.metadata.name, c.spec.mode])).toEqual([
      ['otel-collector', 'deployment'],
      ['otel-collector-sampler', 'statefulset'],
    ]);
    const [lb, sampler] = crs as [Json, Json];
    // The same config as the plain workloads run (the files of the folder), resolver included.
    expect(nonEmpty(lb.spec.config)).toEqual(parse(b.files.find((f) => f.path === 'config.yaml')!.content));
    expect(nonEmpty(sampler.spec.config)).toEqual(parse(b.files.find((f) => f.path === 'sampler-config.yaml')!.content));
    expect(lb.spec.config.exporters.load_balancing.resolver.k8s.service).toBe('otel-collector-sampler.observability');
    // Sizing: the HPA range on the load balancer, a fixed sampler.
    expect(lb.spec.autoscaler).toEqual({ minReplicas: 2, maxReplicas: 6, targetCPUUtilization: 70, targetMemoryUtilization: 80 });
    expect([lb.spec.replicas, sampler.spec.replicas, sampler.spec.autoscaler]).toEqual([undefined, 4, undefined]);
    for (const cr of crs) {
      expect(cr.spec.serviceAccount).toBe('otel-collector');
      expect(objects.some((o) => o.kind === 'ServiceAccount' && o.metadata.name === 'otel-collector')).toBe(true);
      expect(cr.spec.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      expect(cr.spec.resources.limits.memory).toBeDefined();
      // The bundle's NetworkPolicies and ServiceMonitor apply: the Operator's own are off.
      expect([cr.spec.networkPolicy, cr.spec.observability.metrics.enableMetrics]).toEqual([{ enabled: false }, false]);
    }
    expect(objects.filter((o) => o.kind === 'Role').map((r) => r.rules[0].resources)).toEqual([['endpointslices']]);
  });

  it('single mode: one CR with one fixed replica', () => {
    const { objects, crs } = rendered(configOf({ mode: 'single' }));
    expect(crs.map((c) => [c.metadata.name, c.spec.mode, c.spec.replicas, c.spec.autoscaler])).toEqual([
      ['otel-collector', 'deployment', 1, undefined],
    ]);
    expect(objects.filter((o) => o.kind === 'Deployment')).toEqual([]);
  });

  for (const mode of ['single', 'two-tier'] as const)
    it(`${mode}: Services, NetworkPolicies, anti-affinity and the ServiceMonitor select the Operator's pods of the right tier`, () => {
      const { objects, crs, of } = rendered(configOf({ mode }));
      const pods = Object.fromEntries(crs.map((cr) => [cr.metadata.name, { labels: operatorPodLabels(cr), cr }]));
      const tiers = mode === 'two-tier' ? ['otel-collector', 'otel-collector-sampler'] : ['otel-collector'];
      expect(Object.keys(pods)).toEqual(tiers);
      for (const tier of tiers) {
        const others = tiers.filter((t) => t !== tier);
        const svc = of('Service', tier);
        const np = of('NetworkPolicy', tier);
        expect(selects(svc.spec.selector, pods[tier]!.labels), `Service ${tier}`).toBe(true);
        expect(selects(np.spec.podSelector.matchLabels, pods[tier]!.labels), `NetworkPolicy ${tier}`).toBe(true);
        for (const other of others) {
          expect(selects(svc.spec.selector, pods[other]!.labels), `Service ${tier} selects ${other}`).toBe(false);
          expect(selects(np.spec.podSelector.matchLabels, pods[other]!.labels), `NetworkPolicy ${tier} selects ${other}`).toBe(false);
        }
        const anti =
          pods[tier]!.cr.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector
            .matchLabels;
        expect(selects(anti, pods[tier]!.labels), `anti-affinity ${tier}`).toBe(true);
        // The Operator's pods name their ports after the receivers: the Services target numbers the config listens on.
        const listening = listenPorts(pods[tier]!.cr.spec.config);
        for (const p of svc.spec.ports) expect(listening, `Service ${tier} port ${p.name}`).toContain(p.targetPort);
      }
      if (mode === 'two-tier') {
        // Only the load balancer may send spans to the samplers; the load balancer may reach them.
        const from = of('NetworkPolicy', 'otel-collector-sampler')
          .spec.ingress.flatMap((r: Json) => r.from ?? [])
          .find((f: Json) => f.podSelector);
        expect(selects(from.podSelector.matchLabels, pods['otel-collector']!.labels)).toBe(true);
        const to = of('NetworkPolicy', 'otel-collector')
          .spec.egress.flatMap((r: Json) => r.to ?? [])
          .filter((t: Json) => t.podSelector);
        expect(to.some((t: Json) => selects(t.podSelector.matchLabels, pods['otel-collector-sampler']!.labels))).toBe(true);
        expect(of('Service', 'otel-collector-sampler').spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
      }
      // The ServiceMonitor scrapes through the bundle's receiving Service (metrics and span metrics ports),
      // not through the Services the Operator creates, whose labels it does not match (no double scrape).
      const sm = objects.find((o) => o.kind === 'ServiceMonitor')!;
      const main = of('Service', 'otel-collector');
      expect(selects(sm.spec.selector.matchLabels, main.metadata.labels)).toBe(true);
      const portNames = main.spec.ports.map((p: Json) => p.name);
      for (const ep of sm.spec.endpoints) expect(portNames).toContain(ep.port);
      for (const cr of crs)
        expect(
          selects(sm.spec.selector.matchLabels, operatorPodLabels(cr)),
          `ServiceMonitor selects ${cr.metadata.name}'s Operator Services`,
        ).toBe(false);
    });

  it("uses the Operator's truncation of the instance label (namespace cut first) for long names", () => {
    const ns = 'n'.repeat(55);
    // 55 + 1 + 14 = 70 characters: 7 come off the namespace (naming.Truncate("%s.%s", 63, ns, name)).
    expect(operatorInstanceLabel(ns, 'otel-collector')).toBe(`${'n'.repeat(48)}.otel-collector`);
    expect(operatorInstanceLabel('observability', 'otel-collector')).toBe('observability.otel-collector');
    // A namespace not longer than the excess is dropped whole (2 + 1 + 62 = 65, 2 over), and the
    // leading "." left over is trimmed (trimNonAlphaNumeric); 3 over: the rest comes off the name.
    expect(operatorInstanceLabel('ab', 'x'.repeat(62))).toBe('x'.repeat(62));
    expect(operatorInstanceLabel('ab', 'x'.repeat(63))).toBe('x'.repeat(62));
    const { objects } = rendered(configOf({}, { observability: ns }));
    const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'otel-collector')!;
    expect(svc.spec.selector['app.kubernetes.io/instance']).toHaveLength(63);
  });

  it('without the operator the Deployment stays in the base and the CRs stay in the stand-alone file', () => {
    const b = renderCollector(resolveModel(parseConfig({})));
    expect(b.objects.map((o) => o.kind)).toEqual(expect.arrayContaining(['Deployment', 'StatefulSet']));
    expect(b.objects.filter((o) => o.kind === 'OpenTelemetryCollector')).toEqual([]);
    expect(b.files.map((f) => f.path)).toContain(OPERATOR_FILE);
  });

  it("spreads the stand-alone file's CRs too: their anti-affinity selects the Operator's pod labels", () => {
    const file = renderCollector(resolveModel(parseConfig({}))).files.find((f) => f.path === OPERATOR_FILE)!;
    const crs = file.content
      .split(/^---$/m)
      .map((d) => parse(d))
      .filter((d) => d?.kind === 'OpenTelemetryCollector');
    expect(crs.length).toBeGreaterThan(0);
    for (const cr of crs) {
      const anti =
        cr.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector.matchLabels;
      expect(selects(anti, operatorPodLabels(cr)), cr.metadata.name).toBe(true);
    }
  });
});
