// SLO recording rules scale with namespaces, not services, and keep each service's own latency bucket.
import { parseConfig } from '@meshobs/config';
import { describe, expect, it } from 'vitest';
import { resolveModel } from '../src/index.ts';

const sloGroup = (raw: unknown) => resolveModel(parseConfig(raw)).ruleGroups.find((g) => g.name === 'meshobs.slo.recording')!;

describe('SLO recording rules', () => {
  it('200 services in 10 namespaces: 23 rules per namespace (7 windows x 3 SLIs + 2 objectives)', () => {
    const services = Array.from({ length: 200 }, (_, i) => ({ name: `svc-${i}`, namespace: `team-${i % 10}` }));
    expect(sloGroup({ services }).rules).toHaveLength(230);
  });

  it('services of one namespace with different latency thresholds: one rule per window, a term per bucket', () => {
    const g = sloGroup({
      services: [
        { name: 'fast', namespace: 'shop', slo: { latencyThresholdSeconds: 0.1 } },
        { name: 'slow', namespace: 'shop', slo: { latencyThresholdSeconds: 1 } },
      ],
    });
    const latency = g.rules.filter((r) => 'record' in r && r.record === 'service:slo_latency_error:ratio_rate5m');
    expect(latency).toHaveLength(1);
    const expr = (latency[0] as { expr: string }).expr;
    expect(expr).toMatch(/destination_service_name="fast", le=~"100\|/);
    expect(expr).toMatch(/destination_service_name="slow", le=~"1000\|/);
    const objective = g.rules.find((r) => 'record' in r && r.record === 'service:slo_latency:objective') as { expr: string };
    expect(objective.expr.split('\nor\n')).toHaveLength(2);
  });
});
