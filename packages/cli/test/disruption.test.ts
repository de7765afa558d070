// No PodDisruptionBudget of the bundle may block every voluntary disruption (a node drain), whatever
// the replica settings: with all pods healthy, each budget allows at least one eviction.

import { parseConfig } from '@meshobs/config';
import { type KubeObject, validateObjects } from '@meshobs/kube';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { workloadsOf } from '../src/audit.ts';
import { renderComponents } from '../src/render.ts';

type Json = Record<string, any>;

/** What the disruption controller allows with `pods` healthy pods (percentages as Kubernetes rounds them). */
export function disruptionsAllowed(spec: Json, pods: number): number {
  const count = (v: number | string, roundUp: boolean) => {
    if (typeof v === 'number') return v;
    const share = (pods * Number(v.replace('%', ''))) / 100;
    return roundUp ? Math.ceil(share) : Math.floor(share);
  };
  if (spec.maxUnavailable !== undefined) return Math.min(pods, count(spec.maxUnavailable, true));
  if (spec.minAvailable !== undefined) return Math.max(0, pods - count(spec.minAvailable, true));
  return pods;
}

const SETTINGS = [
  { min: 1, max: 1 },
  { min: 1, max: 3 },
  { min: 2, max: 2 },
  { min: 3, max: 5 },
];

function configWith(r: { min: number; max: number }, mode: 'single' | 'two-tier') {
  return parseConfig({
    demo: { enabled: true, replicas: r },
    services: [{ name: 'checkout', namespace: 'shop' }],
    // single mode samples on one instance only: the schema refuses more collector replicas there.
    tracing: { collector: { mode, replicas: mode === 'single' ? { min: 1, max: 1 } : r, samplerReplicas: r.min } },
    jaeger: { collector: { replicas: r }, query: { replicas: r.min } },
    kiali: { replicas: r.min },
  });
}

interface Budget {
  id: string;
  spec: Json;
  pods: number;
}

function budgetsOf(config: ReturnType<typeof configWith>): Budget[] {
  const components = renderComponents(config);
  const workloads = workloadsOf(components);
  const out: Budget[] = [];
  for (const o of components.flatMap((c) => c.objects) as Json[]) {
    if (o.kind === 'PodDisruptionBudget') {
      const sel: Record<string, string> = o.spec.selector.matchLabels;
      const pods = workloads
        .filter((w) => w.namespace === o.metadata.namespace && Object.entries(sel).every(([k, v]) => w.podLabels[k] === v))
        .reduce((n, w) => n + w.replicas, 0);
      out.push({ id: `PodDisruptionBudget ${o.metadata.namespace}/${o.metadata.name}`, spec: o.spec, pods });
    }
    // The Kiali operator copies deployment.pod_disruption_budget.spec into the PDB it creates.
    if (o.kind === 'Kiali' && o.spec.deployment.pod_disruption_budget)
      out.push({ id: 'Kiali CR', spec: o.spec.deployment.pod_disruption_budget.spec, pods: o.spec.deployment.replicas });
  }
  // The OpenTelemetry Operator creates a PDB from spec.podDisruptionBudget of each CR.
  const operatorFile = components
    .find((c) => c.name === 'otel-collector')!
    .files.find((f) => f.path === 'operator/opentelemetrycollector.yaml')!;
  for (const doc of parseAllDocuments(operatorFile.content)) {
    const cr = doc.toJS() as Json;
    if (cr.kind === 'OpenTelemetryCollector' && cr.spec.podDisruptionBudget)
      out.push({
        id: `OpenTelemetryCollector ${cr.metadata.name}`,
        spec: cr.spec.podDisruptionBudget,
        pods: cr.spec.autoscaler?.minReplicas ?? cr.spec.replicas,
      });
  }
  return out;
}

describe('disruption budgets of the built bundle', () => {
  for (const mode of ['single', 'two-tier'] as const)
    it.each(SETTINGS)(`allow at least one eviction with replicas %o (collector ${mode})`, async (r) => {
      const budgets = budgetsOf(configWith(r, mode));
      expect(budgets.length).toBeGreaterThan(5);
      const blocking = budgets
        .filter((b) => !(b.pods >= 1 && disruptionsAllowed(b.spec, b.pods) >= 1))
        .map((b) => `${b.id}: ${JSON.stringify(b.spec)} over ${b.pods} pod(s)`);
      expect(blocking).toEqual([]);
    });

  it('are valid policy/v1 objects', async () => {
    const pdbs = renderComponents(configWith({ min: 1, max: 1 }, 'single'))
      .flatMap((c) => c.objects)
      .filter((o): o is KubeObject => o.kind === 'PodDisruptionBudget');
    expect(await validateObjects(pdbs)).toEqual([]);
  });

  it('counts as Kubernetes does', () => {
    expect(disruptionsAllowed({ minAvailable: 1 }, 1)).toBe(0);
    expect(disruptionsAllowed({ minAvailable: 1 }, 3)).toBe(2);
    expect(disruptionsAllowed({ minAvailable: '50%' }, 3)).toBe(1);
    expect(disruptionsAllowed({ maxUnavailable: 1 }, 1)).toBe(1);
    expect(disruptionsAllowed({ maxUnavailable: '10%' }, 3)).toBe(1);
  });
});
