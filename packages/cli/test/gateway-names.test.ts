// Gateway names come from the config (istio.gateways.*.name) in every alert, recording rule, panel and
// rule test of the bundle: with renamed gateways no file may still name Istio's default gateways.

import { parseConfig } from '@meshobs/config';
import { assembleBundle } from '@meshobs/kube';
import { describe, expect, it } from 'vitest';
import { renderComponents } from '../src/render.ts';

describe('gateway names', () => {
  it('follow istio.gateways.*.name everywhere in the bundle', () => {
    const config = parseConfig({ istio: { gateways: { ingress: { name: 'edge-gateway' }, egress: { name: 'istio-egress-internal' } } } });
    const files = assembleBundle(renderComponents(config));
    // The IstioOperator's per-kind values roots are Istio's own keys, not gateway names: every ingress
    // gateway shares `values.gateways.istio-ingressgateway` (operator/pkg/component/component.go,
    // ToHelmValuesTreeRoot), which is where autoscaling is switched off without metrics-server.
    const valuesRoot = /^ {6}istio-(ingress|egress)gateway:\n {8}autoscaleEnabled: false\n/gm;
    const stale = [...files].filter(([, text]) => /ingressgateway|egressgateway/.test(text.replace(valuesRoot, ''))).map(([path]) => path);
    expect(stale).toEqual([]);
    const all = [...files.values()].join('\n');
    expect(all).toContain('edge-gateway');
    expect(all).toContain('egress-internal');
  });
});
