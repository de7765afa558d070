// The schema's cross-field checks restate facts of the renderers (packages/config cannot import them):
// the labels Alertmanager routes on, the SLO burn-rate windows, the derived object names. These tests
// hold the two sides together, so a renderer change that the schema does not follow fails here.

import { GROUP_BY, INHIBITIONS } from '@meshobs/alerts';
import {
  derivedObjects,
  durationSeconds,
  endpointsOf,
  fastBurnFactor,
  parseConfig,
  ROUTING_LABELS,
  SLO_LONGEST_WINDOW,
} from '@meshobs/config';
import { burnRates, ruleGroups } from '@meshobs/model';
import { BURN_RATES } from '@meshobs/signals';
import { describe, expect, it } from 'vitest';
import { buildInMemory } from '../src/commands.ts';
import { REPO_CONFIG } from './helpers.ts';

describe('schema checks follow the renderers', () => {
  it('reserves every label Alertmanager groups or inhibits on, and every label a rule sets besides extraLabels', () => {
    const used = new Set<string>([
      ...GROUP_BY,
      ...INHIBITIONS.flatMap((i) => [...i.source, ...i.target].map(([n]) => n)),
      ...INHIBITIONS.flatMap((i) => i.equal),
    ]);
    const c = parseConfig({ alerts: { slo: { enabled: true } } });
    for (const g of ruleGroups(c)) for (const r of g.rules) if ('alert' in r) for (const l of Object.keys(r.labels ?? {})) used.add(l);
    expect([...used].filter((l) => !(ROUTING_LABELS as readonly string[]).includes(l)).sort()).toEqual([]);
  });

  it('knows the fastest burn factor and the longest burn-rate window', () => {
    for (const period of ['3d', '28d', '30d', '365d'])
      expect(fastBurnFactor(period)).toBeCloseTo(Math.max(...burnRates(period).map((b) => b.factor)), 3);
    expect(durationSeconds(SLO_LONGEST_WINDOW)).toBe(Math.max(...BURN_RATES.map((b) => durationSeconds(b.long))));
  });

  it('derives the Services the bundle contains under the names the bundle gives them', async () => {
    const { config, components } = await buildInMemory(REPO_CONFIG);
    const services = new Set(
      components
        .flatMap((c) => c.objects)
        .filter((o) => o.kind === 'Service')
        .map((o) => `${o.metadata.namespace}/${o.metadata.name}`),
    );
    const derived = derivedObjects(config)
      .filter((o) => o.kind === 'Service')
      .map((o) => `${o.namespace}/${o.name}`);
    // every Service of the bundle is in the table (the table also holds Operator- and cluster-made ones)
    expect([...services].filter((s) => !derived.includes(s))).toEqual([]);
    const e = endpointsOf(config);
    expect(derived).toEqual(
      expect.arrayContaining(
        [e.collector.service, e.jaeger.collectorService, e.jaeger.queryService].map((n) => `${config.namespaces.observability}/${n}`),
      ),
    );
  });
});
