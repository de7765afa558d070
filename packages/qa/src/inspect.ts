// Reading a built dashboard back: its panels, queries and variables. Used by the structural checks,
// the real-Prometheus proof, the HTML preview and the dashboard benchmark.
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { isRow, type PanelQuery, panelsOf, parseLabelValues, queriesOf, variableQuery, variablesOf } from '@meshobs/dashboard-model';

export { isRow, type PanelQuery, panelsOf, parseLabelValues, queriesOf, variableQuery, variablesOf };

const VARIABLE_REF = /\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::[a-z]+)?\}?/g;

/** Names of the template variables a text refers to ($x, ${x}, ${x:fmt}); Grafana built-ins ($__*) excluded. */
export function referencedVariables(text: string): string[] {
  return [...text.matchAll(VARIABLE_REF)].map((m) => m[1]!).filter((n) => !n.startsWith('__'));
}

/** Replaces $x / ${x} with values (Prometheus range-query form, as Grafana would). */
export function substitute(text: string, values: Record<string, string>): string {
  return text.replace(VARIABLE_REF, (all, name: string) => (name in values ? values[name]! : all));
}

/** Every structural rule a dashboard must keep; returns the problems found (empty is good). */
export function structuralProblems(d: Dashboard): string[] {
  const problems: string[] = [];
  const all = (d.panels ?? []).flatMap((p) => (isRow(p) ? [p, ...(p.panels ?? [])] : [p]));
  const ids = new Map<number, string>();
  for (const p of all) {
    const title = p.title ?? '(untitled)';
    if (!p.id) problems.push(`panel "${title}" has no explicit non-zero id`);
    else if (ids.has(p.id)) problems.push(`panel id ${p.id} is used by "${ids.get(p.id)}" and "${title}"`);
    else ids.set(p.id, title);
    const g = p.gridPos;
    if (!g) problems.push(`panel "${title}" has no gridPos`);
    else if (g.x < 0 || g.w < 1 || g.x + g.w > 24 || g.h < 1) problems.push(`panel "${title}" is outside the 24-column grid`);
  }
  for (let i = 0; i < all.length; i++)
    for (let j = i + 1; j < all.length; j++) {
      const a = all[i]!.gridPos!;
      const b = all[j]!.gridPos!;
      if (a && b && a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h)
        problems.push(`panels "${all[i]!.title}" and "${all[j]!.title}" overlap`);
    }
  const variables = variablesOf(d);
  const names = new Set(variables.map((v) => v.name));
  const used = new Set<string>();
  const use = (text: string, where: string) => {
    for (const name of referencedVariables(text)) {
      if (!names.has(name)) problems.push(`${where} refers to undefined variable $${name}`);
      used.add(name);
    }
  };
  for (const p of panelsOf(d)) {
    const title = p.title ?? '(untitled)';
    if (!p.description) problems.push(`panel "${title}" has no description`);
    if (!p.fieldConfig?.defaults?.unit) problems.push(`panel "${title}" has no unit`);
    if (!p.fieldConfig?.defaults?.thresholds) problems.push(`panel "${title}" has no thresholds`);
    if (p.type === 'timeseries' && !(p.options as { legend?: { showLegend?: boolean } })?.legend?.showLegend)
      problems.push(`panel "${title}" shows no legend`);
    const queries = queriesOf(p);
    if (!queries.length) problems.push(`panel "${title}" has no query`);
    use(JSON.stringify(p.datasource ?? ''), `panel "${title}" datasource`);
    for (const q of queries) {
      if (!q.datasource) problems.push(`panel "${title}" query ${q.refId} has no datasource`);
      use(JSON.stringify(q.datasource ?? ''), `panel "${title}" query ${q.refId} datasource`);
      if (!q.expr) problems.push(`panel "${title}" query ${q.refId} is empty`);
      if (/\[\d+[smhd]\]/.test(q.expr) && !q.expr.includes('$__rate_interval'))
        problems.push(`panel "${title}" query ${q.refId} uses a fixed range instead of $__rate_interval`);
      use(q.expr, `panel "${title}" query ${q.refId}`);
    }
  }
  for (const v of variables) {
    const q = variableQuery(v);
    if (q) use(q, `variable $${v.name}`);
    use(JSON.stringify(v.datasource ?? ''), `variable $${v.name} datasource`);
  }
  for (const v of variables) if (!used.has(v.name)) problems.push(`variable $${v.name} is never used`);
  return problems;
}
