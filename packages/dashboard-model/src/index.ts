// Reading a built Grafana dashboard model back: its panels with rows flattened, their queries, and the
// queries of its variables. Product code (the `$cluster` scoping of every query) and the dev-only QA tooling both walk
// dashboards this way, so the walk lives once, below both.
import type { Dashboard, Panel, RowPanel, VariableModel } from '@grafana/grafana-foundation-sdk/dashboard';

export const isRow = (p: Panel | RowPanel): p is RowPanel => p.type === 'row';

export function panelsOf(d: Dashboard): Panel[] {
  return (d.panels ?? []).flatMap((p) => (isRow(p) ? (p.panels ?? []) : [p]));
}

export interface PanelQuery {
  refId: string;
  expr: string;
  legend: string;
  instant: boolean;
  datasource: unknown;
}

export function queriesOf(p: Panel): PanelQuery[] {
  return (p.targets ?? []).map((t) => {
    const q = t as unknown as Record<string, unknown>;
    return {
      refId: String(q.refId),
      expr: String(q.expr ?? ''),
      legend: String(q.legendFormat ?? ''),
      instant: q.instant === true,
      datasource: q.datasource,
    };
  });
}

export const variablesOf = (d: Dashboard): VariableModel[] => d.templating?.list ?? [];

export function variableQuery(v: VariableModel): string | undefined {
  if (v.type !== 'query') return undefined;
  return typeof v.query === 'string' ? v.query : (v.query as { query?: string } | undefined)?.query;
}

/** `label_values(selector, label)` variable queries, parsed. */
export function parseLabelValues(query: string): { selector: string; label: string } | undefined {
  const m = /^label_values\((.*),\s*([A-Za-z_][A-Za-z0-9_]*)\)$/s.exec(query.trim());
  return m ? { selector: m[1]!.trim(), label: m[2]! } : undefined;
}
