// Combinators and named signals: the selectors follow the config (job names, gateway names).

import { parseConfig } from '@meshobs/config';
import { describe, expect, it } from 'vitest';
import {
  aggregate,
  controlPlane,
  gatewaySignals,
  histogramQuantile,
  ratioOrZero,
  recordNamesFor,
  selector,
  sumRate,
  targetsUp,
} from '../src/index.ts';

describe('combinators', () => {
  it('build selectors, aggregations and ratios', () => {
    expect(selector('up')).toBe('up');
    expect(selector('up', 'job="a"', undefined, false, 'x="y"')).toBe('up{job="a", x="y"}');
    expect(aggregate('max', [], 'up')).toBe('max(up)');
    expect(aggregate('max', ['a', 'b'], 'up')).toBe('max by (a, b) (up)');
    expect(sumRate('m_total', '5m', ['a'], 'j="x"')).toBe('sum by (a) (rate(m_total{j="x"}[5m]))');
    expect(histogramQuantile(0.99, 'b')).toBe('histogram_quantile(0.99, b)');
    expect(ratioOrZero('p', 't')).toBe('(p or t * 0) / t');
  });
});

describe('signals from the config', () => {
  it('use the configured job names', () => {
    const config = parseConfig({ prometheus: { jobs: { istiod: 'cp', envoy: 'proxies' } } });
    expect(controlPlane(config).up).toBe('up{job="cp"}');
    expect(controlPlane(config).pushSendErrors('5m')).toBe('sum by (type) (rate(pilot_xds_pushes{job="cp", type=~".*_senderr"}[5m]))');
    expect(targetsUp(config, 'envoy', 'app="a"')).toBe('up{job="proxies", app="a"}');
  });

  it('select the configured gateways, and nothing when none is enabled', () => {
    const custom = gatewaySignals(
      parseConfig({ istio: { gateways: { ingress: { name: 'edge-gateway' }, egress: { enabled: true, name: 'istio-egress-internal' } } } }),
    );
    expect(custom.pods).toBe('istio=~"edge-gateway|egress-internal"');
    expect(custom.replicasAvailable()).toContain('deployment=~"edge-gateway|istio-egress-internal"');
    expect(custom.targetsUp).toContain('istio=~"edge-gateway|egress-internal"');
    const none = gatewaySignals(parseConfig({ istio: { gateways: { ingress: { enabled: false }, egress: { enabled: false } } } }));
    expect(none.pods).toBeUndefined();
    expect(none.replicasAvailable()).toContain('deployment=""');
  });

  it('name recording rules after the config window', () => {
    expect(recordNamesFor(parseConfig({ alerts: { window: '2m' } })).serviceErrorRatio).toBe('service:istio_requests_5xx:ratio_rate2m');
  });
});
