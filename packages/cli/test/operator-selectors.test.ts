// With profile.operators.opentelemetry the OpenTelemetry Operator creates the collector pods, so every
// selector of the whole bundle that means the collector (Services, NetworkPolicies, Istio
// PeerAuthentication/AuthorizationPolicy, other components' egress rules) must match the labels the
// Operator gives them, and none may still name the plain Deployment's pod labels.

import { parseConfig } from '@meshobs/config';
import { describe, expect, it } from 'vitest';
import { renderComponents } from '../src/render.ts';

type Json = Record<string, any>;

/**
 * Pod labels of an OpenTelemetryCollector, written out from open-telemetry/opentelemetry-operator v0.158.0
 * internal/manifests/manifestutils/labels.go (Labels: the CR's labels, overwritten by SelectorLabels).
 */
const operatorPodLabels = (cr: Json): Record<string, string> => ({
  ...cr.metadata.labels,
  'app.kubernetes.io/managed-by': 'opentelemetry-operator',
  'app.kubernetes.io/instance': `${cr.metadata.namespace}.${cr.metadata.name}`,
  'app.kubernetes.io/part-of': 'opentelemetry',
  'app.kubernetes.io/component': 'opentelemetry-collector',
});

const matches = (sel: Record<string, string>, labels: Record<string, string>) => Object.entries(sel).every(([k, v]) => labels[k] === v);

/** Every pod selector of an object, with where it was found. */
function podSelectors(o: Json): Array<{ at: string; sel: Record<string, string> }> {
  const out: Array<{ at: string; sel: Record<string, string> }> = [];
  const id = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  if (o.kind === 'Service' && o.spec?.selector) out.push({ at: `${id} spec.selector`, sel: o.spec.selector });
  const walk = (v: unknown, path: string) => {
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      if (
        (k === 'podSelector' || (k === 'selector' && o.apiVersion.includes('istio.io'))) &&
        x &&
        typeof x === 'object' &&
        (x as Json).matchLabels
      )
        out.push({ at: `${id} ${path}${k}`, sel: (x as Json).matchLabels });
      else walk(x, `${path}${k}.`);
    }
  };
  walk(o.spec, 'spec.');
  return out;
}

describe('profile.operators.opentelemetry: the whole bundle selects the pods the Operator creates', () => {
  for (const mode of ['single', 'two-tier'] as const)
    it(`${mode}`, () => {
      const config = parseConfig({ profile: { operators: { opentelemetry: true } }, tracing: { collector: { mode } } });
      const objects = renderComponents(config).flatMap((c) => c.objects) as Json[];
      const crs = objects.filter((o) => o.kind === 'OpenTelemetryCollector');
      expect(crs.length).toBe(mode === 'single' ? 1 : 2);
      const collectorPods = crs.map(operatorPodLabels);
      const selectors = objects.flatMap(podSelectors);
      // No selector names the plain workloads' pods (app.kubernetes.io/name otel-collector with a tier component).
      const stale = selectors.filter(
        ({ sel }) =>
          sel['app.kubernetes.io/name'] === 'otel-collector' && ['collector', 'sampler'].includes(sel['app.kubernetes.io/component']!),
      );
      expect(stale.map((s) => s.at)).toEqual([]);
      // Every selector aimed at the collector selects exactly one tier's Operator pods.
      const aimed = selectors.filter(({ sel }) => sel['app.kubernetes.io/component'] === 'opentelemetry-collector');
      for (const { at, sel } of aimed) expect(collectorPods.filter((p) => matches(sel, p)).length, at).toBe(1);
      // ...and they include the Istio policies on the collector's pods and both tiers' Services and NetworkPolicies.
      const kinds = new Set(aimed.map((a) => a.at.split('/')[0]));
      for (const kind of ['Service', 'NetworkPolicy', 'PeerAuthentication', 'AuthorizationPolicy']) expect(kinds, kind).toContain(kind);
      for (const cr of crs)
        for (const kind of ['Service', 'NetworkPolicy'])
          expect(
            aimed.some((a) => a.at.startsWith(`${kind}/`) && matches(a.sel, operatorPodLabels(cr))),
            `${kind} for ${cr.metadata.name}`,
          ).toBe(true);
    });
});
