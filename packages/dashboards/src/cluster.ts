// Many clusters: a `$cluster` variable on every dashboard and every query narrowed to it, with the
// cluster label kept through every aggregation (clusterScoped of @meshobs/signals). "All" is `.*`,
// which also matches series without the label: on one Prometheus (no cluster label anywhere) every
// query returns what it did before. Through a global store (Thanos Query) "All" shows every cluster's
// series side by side, each once: nothing sums two clusters into one series.
import type { Dashboard, VariableModel } from '@grafana/grafana-foundation-sdk/dashboard';
import { QueryVariableBuilder, VariableRefresh, VariableSort } from '@grafana/grafana-foundation-sdk/dashboard';
import type { MeshobsConfig } from '@meshobs/config';
import { panelsOf, parseLabelValues, variableQuery } from '@meshobs/dashboard-model';
import { CLUSTER_VARIABLE, clusterLabel, clusterScoped, dashboardScope, selector } from '@meshobs/signals';
import { DATASOURCE_VARIABLE, datasourceRef } from './panels.ts';

/** `up` exists wherever Prometheus scrapes anything: the clusters of every dashboard's data. */
export const clusterVariableQuery = (config: MeshobsConfig) => `label_values(${selector('up')}, ${clusterLabel(config)})`;

export function clusterVariable(config: MeshobsConfig): VariableModel {
  const q = clusterVariableQuery(config);
  return new QueryVariableBuilder(CLUSTER_VARIABLE)
    .label('Cluster')
    .datasource(datasourceRef)
    .query(q)
    .definition(q)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ selected: true, text: ['All'], value: ['$__all'] })
    .build();
}

/** Adds the `$cluster` variable (after the data source) and narrows every query of `d` to it. */
export function clusterScopedDashboard(d: Dashboard, config: MeshobsConfig): Dashboard {
  const scope = dashboardScope(config);
  for (const p of panelsOf(d))
    for (const t of p.targets ?? []) {
      const q = t as unknown as { expr?: string };
      if (q.expr) q.expr = clusterScoped(q.expr, scope);
    }
  const list = d.templating?.list ?? [];
  for (const v of list) {
    const parsed = parseLabelValues(variableQuery(v) ?? '');
    if (!parsed) continue;
    const scoped = `label_values(${clusterScoped(parsed.selector, scope)}, ${parsed.label})`;
    v.query = scoped;
    v.definition = scoped;
  }
  const at = list.findIndex((v) => v.name === DATASOURCE_VARIABLE) + 1;
  list.splice(at, 0, clusterVariable(config));
  d.templating = { ...d.templating, list };
  return d;
}
