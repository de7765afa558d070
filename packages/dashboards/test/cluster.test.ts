// Every dashboard has the $cluster variable, and every query selects it (a real Prometheus runs them
// in queries.test.ts, a real Thanos in thanos.e2e.test.ts).
import { parseConfig } from '@meshobs/config';
import { resolveModel } from '@meshobs/model';
import { panelsOf, queriesOf, variableQuery, variablesOf } from '@meshobs/qa/inspect';
import { CLUSTER_VARIABLE } from '@meshobs/signals';
import { describe, expect, it } from 'vitest';
import { buildDashboards } from '../src/index.ts';

describe.each([
  ['cluster', parseConfig({})],
  ['k8s_cluster', parseConfig({ cluster: { label: 'k8s_cluster' } })],
])('cluster label %s', (label, config) => {
  const dashboards = buildDashboards(resolveModel(config));

  it('every dashboard offers $cluster right after the data source, All = .*', () => {
    for (const d of dashboards) {
      const vars = variablesOf(d);
      const v = vars[1]!;
      expect([vars[0]!.name, v.name, variableQuery(v), v.allValue, v.includeAll, v.multi], d.uid).toEqual([
        'datasource',
        CLUSTER_VARIABLE,
        `label_values(up, ${label})`,
        '.*',
        true,
        true,
      ]);
    }
  });

  it('every selector of every panel and variable query selects $cluster', () => {
    const matcher = `${label}=~"$${CLUSTER_VARIABLE}"`;
    for (const d of dashboards) {
      const exprs = [
        ...panelsOf(d).flatMap((p) => queriesOf(p).map((q) => q.expr)),
        ...variablesOf(d)
          .filter((v) => v.name !== CLUSTER_VARIABLE)
          .map((v) => variableQuery(v) ?? ''),
      ];
      for (const e of exprs) {
        // every `{...}` selector body starts with the matcher (vector() reference lines have none)
        const bodies = [...e.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]!).filter((b) => !b.startsWith('{'));
        for (const b of bodies) if (!b.includes('$labels')) expect(b.startsWith(matcher), `${d.uid}: ${e}`).toBe(true);
      }
    }
  });
});
