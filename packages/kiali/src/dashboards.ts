// Kiali links a workload's or service's metrics to Grafana dashboards by title, appending the
// dashboard's own template variables (`var-namespace=...`). The entries are read from the
// dashboards the bundle actually renders, so a renamed dashboard or variable can never drift.
import type { ComponentBundle } from '@meshobs/kube';

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

/** Entries for every dashboard JSON file of the dashboards component, in file order. */
export function kialiDashboards(dashboards: ComponentBundle): KialiDashboard[] {
  return dashboards.files
    .filter((f) => f.path.endsWith('.json'))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((f) => kialiDashboardEntry(JSON.parse(f.content) as DashboardJson))
    .filter((d): d is KialiDashboard => d !== undefined);
}
