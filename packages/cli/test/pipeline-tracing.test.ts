// The trace pipeline does not trace itself: every pod of the collector tiers and of Jaeger is selected
// by a Telemetry in its own namespace that disables span reporting, and no other pod is. Without it
// the mesh-wide Telemetry (100 % sampling on every proxy) makes each export hop a traced request whose
// span is exported in turn. istiod's own reading of these objects is checked in the cluster tier.

import { parseConfig } from '@meshobs/config';
import type { KubeObject } from '@meshobs/kube';
import { describe, expect, it } from 'vitest';
import { renderComponents } from '../src/render.ts';

type Json = Record<string, any>;

const selects = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Pod templates of every workload, with their namespace. */
function podsOf(objects: KubeObject[]) {
  return objects
    .filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind))
    .map((o) => ({
      name: `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`,
      ns: o.metadata.namespace!,
      labels: (o as Json).spec.template.metadata.labels,
    }));
}

/** The workloads whose sidecar reports no spans: selected by a Telemetry of their namespace with disableSpanReporting. */
function silenced(objects: KubeObject[]): string[] {
  const telemetries = objects.filter((o) => o.kind === 'Telemetry' && (o as Json).spec.selector) as Json[];
  return podsOf(objects)
    .filter((p) =>
      telemetries.some(
        (t) =>
          t.metadata.namespace === p.ns &&
          selects(t.spec.selector.matchLabels, p.labels) &&
          t.spec.tracing?.some((tr: Json) => tr.disableSpanReporting === true),
      ),
    )
    .map((p) => p.name)
    .sort();
}

describe.each([
  ['single', parseConfig({})],
  ['two-tier', parseConfig({ tracing: { collector: { mode: 'two-tier', replicas: { min: 2, max: 3 } } } })],
])('%s collector: the pipeline does not trace itself', (_mode, config) => {
  const objects = renderComponents(config).flatMap((c) => c.objects);
  const pipeline = podsOf(objects)
    .filter((p) => p.ns === config.namespaces.observability)
    .map((p) => p.name)
    .sort();

  it('every pipeline workload, and only those, is silenced', () => {
    expect(pipeline.length).toBeGreaterThanOrEqual(3);
    expect(silenced(objects)).toEqual(pipeline);
  });

  it('a selector that matches nothing would be seen (mutation)', () => {
    const broken = objects.map((o) =>
      o.kind === 'Telemetry' && (o as Json).spec.selector
        ? { ...o, spec: { ...(o as Json).spec, selector: { matchLabels: { app: 'nothing' } } } }
        : o,
    );
    expect(silenced(broken)).toEqual([]);
  });
});
