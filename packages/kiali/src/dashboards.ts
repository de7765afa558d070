// Kiali links a workload's or service's metrics to Grafana dashboards by title, appending the
// dashboard's own template variables (`var-namespace=...`). The entries come from the dashboards'
// identities in the mesh model, which the dashboards component builds with (its structure test holds
// the rendered dashboards to them), so a renamed dashboard or variable can never drift.
import type { DashboardIdentity } from '@meshobs/model';

/** The context Kiali can fill in, as named in the `variables` of a Kiali dashboard entry. */
export const KIALI_VARIABLES = ['namespace', 'app', 'service', 'workload', 'version'] as const;

export interface KialiDashboard {
  name: string;
  variables?: Record<string, string>;
}

interface GrafanaVariable {
  name?: string;
  type?: string;
}

interface DashboardJson {
  title?: string;
  templating?: { list?: GrafanaVariable[] };
}

/** One Kiali entry for a Grafana dashboard model: its title plus the variables Kiali can fill. */
export function kialiDashboardEntry(dashboard: DashboardJson): KialiDashboard | undefined {
  if (!dashboard.title) return undefined;
  const vars = dashboard.templating?.list ?? [];
  const variables: Record<string, string> = {};
  const datasource = vars.find((v) => v.type === 'datasource' && v.name);
  if (datasource) variables.datasource = `var-${datasource.name}`;
  for (const key of KIALI_VARIABLES) if (vars.some((v) => v.name === key)) variables[key] = `var-${key}`;
  return Object.keys(variables).length ? { name: dashboard.title, variables } : { name: dashboard.title };
}

/** Entries for the bundle's dashboards, by uid (the order of their JSON files). */
export function kialiDashboards(dashboards: readonly DashboardIdentity[]): KialiDashboard[] {
  return [...dashboards]
    .sort((a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0))
    .map((d) =>
      kialiDashboardEntry({
        title: d.title,
        templating: { list: d.variables.map((name, i) => ({ name, type: i === 0 ? 'datasource' : 'query' })) },
      }),
    )
    .filter((d): d is KialiDashboard => d !== undefined);
}
