// What a dashboard load runs, read from dashboard JSON (ours from renderDashboards, Istio's from
// its published files): the variables in order, then every panel target.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MeshobsConfig } from '@meshobs/config';
import { renderDashboards } from '@meshobs/dashboards';
import { resolveModel } from '@meshobs/model';
import { panelsOf, queriesOf, variableQuery, variablesOf } from '@meshobs/qa/inspect';
import { REPO_ROOT } from '@meshobs/testkit';

export interface Target {
  panel: string;
  refId: string;
  expr: string;
  instant: boolean;
  /** The panel's "min interval" (e.g. `1m`), which raises the step. */
  minInterval?: string;
}

export interface VariableSpec {
  name: string;
  kind: 'query' | 'custom';
  query: string;
  /** Grafana regex (`/.../`) applied to each result of a query_result variable. */
  regex?: string;
  /** Multi-value with "All": Grafana sends every value as one regex. */
  includeAll: boolean;
  allValue?: string;
  /** The value saved in the dashboard, if any. */
  current?: string;
}

export interface DashboardPlan {
  origin: 'meshobs' | 'istio';
  uid: string;
  title: string;
  panels: number;
  variables: VariableSpec[];
  targets: Target[];
}

type Json = Record<string, unknown>;
type Dashboard = Parameters<typeof panelsOf>[0];
type Panel = ReturnType<typeof panelsOf>[number];

export function planOf(origin: DashboardPlan['origin'], json: Json): DashboardPlan {
  const d = json as unknown as Dashboard;
  const panels = panelsOf(d).filter((p) => (p.targets ?? []).length);
  const targets = panels.flatMap((p: Panel) =>
    queriesOf(p)
      .filter((q) => q.expr)
      .map((q) => ({
        panel: p.title ?? '',
        refId: q.refId,
        expr: q.expr,
        instant: q.instant,
        minInterval: (p as { interval?: string }).interval || undefined,
      })),
  );
  const variables: VariableSpec[] = [];
  for (const v of variablesOf(d)) {
    if (!v.name || (v.type !== 'query' && v.type !== 'custom')) continue;
    const current = (v.current as { value?: unknown } | undefined)?.value;
    variables.push({
      name: v.name,
      kind: v.type,
      query: v.type === 'query' ? (variableQuery(v) ?? '') : String(v.query ?? ''),
      regex: v.regex || undefined,
      includeAll: v.includeAll === true,
      allValue: v.allValue ?? undefined,
      current: typeof current === 'string' ? current : undefined,
    });
  }
  return { origin, uid: String(json.uid ?? ''), title: String(json.title ?? ''), panels: panels.length, variables, targets };
}

export function meshobsPlans(config: MeshobsConfig): DashboardPlan[] {
  return renderDashboards(resolveModel(config))
    .files.filter((f) => f.path.endsWith('.json'))
    .map((f) => planOf('meshobs', JSON.parse(f.content) as Json));
}

/**
 * Istio's own dashboards, copied out of the istio.io/istio Go module at the pinned version
 * (tools/versions.env ISTIO_MODULE_VERSION, manifests/addons/dashboards) by
 * `bash scripts/install-tools.sh bench`.
 */
export const ISTIO_DASHBOARDS_DIR = join(REPO_ROOT, '.tools', 'dashboards', 'istio', 'dashboards');

/**
 * The five that cover what ours show (mesh, service, workload, performance, control plane), by their
 * file names in that folder; the extension and ztunnel dashboards there have no counterpart of ours.
 */
export const ISTIO_DASHBOARD_FILES = [
  'istio-mesh-dashboard.gen.json',
  'istio-performance-dashboard.json',
  'istio-service-dashboard.json',
  'istio-workload-dashboard.json',
  'pilot-dashboard.gen.json',
] as const;

export function istioPlans(dir = ISTIO_DASHBOARDS_DIR): DashboardPlan[] {
  if (!existsSync(dir)) throw new Error(`Istio's dashboards not found in ${dir}: run \`bash scripts/install-tools.sh bench\` first`);
  return ISTIO_DASHBOARD_FILES.map((f) => {
    const path = join(dir, f);
    if (!existsSync(path)) throw new Error(`${f} not found in ${dir} (Istio's manifests/addons/dashboards at the pinned version)`);
    return planOf('istio', JSON.parse(readFileSync(path, 'utf8')) as Json);
  });
}
