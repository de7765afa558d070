// Runs every variable query and panel query of a dashboard against a real Prometheus, the way
// Grafana would: variables resolved in order from real label values, then each target as a range
// query with the variables and $__rate_interval substituted.
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import type { MeshobsConfig } from '@meshobs/config';
import { resolveModel } from '@meshobs/model';
import { panelsOf, parseLabelValues, queriesOf, substitute, variableQuery, variablesOf } from './inspect.ts';

export interface PromSource {
  url: string;
  startSeconds: number;
  endSeconds: number;
}

export interface SeriesResult {
  metric: Record<string, string>;
  values: [number, string][];
}

export interface QueryResult {
  panelId: number;
  panel: string;
  refId: string;
  legend: string;
  expr: string;
  series: SeriesResult[];
}

export interface VariableResult {
  name: string;
  query: string;
  values: string[];
  /** The value the panels were evaluated with (Prometheus regex form for multi-value). */
  chosen: string;
}

export interface Evaluation {
  variables: VariableResult[];
  queries: QueryResult[];
  step: number;
  rateInterval: string;
}

async function api<T>(src: PromSource, path: string, params: [string, string][]): Promise<T> {
  const res = await fetch(`${src.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  const body = (await res.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? res.status} (${JSON.stringify(params)})`);
  return body.data;
}

/** label_values(selector, label) over the data's span, as Grafana's Prometheus data source runs it. */
export async function labelValues(src: PromSource, selector: string, label: string): Promise<string[]> {
  const series = await api<Record<string, string>[]>(src, '/api/v1/series', [
    ['match[]', selector],
    ['start', String(src.startSeconds)],
    ['end', String(src.endSeconds)],
  ]);
  return [...new Set(series.map((s) => s[label]).filter((v): v is string => v !== undefined && v !== ''))].sort();
}

/** Grafana's $__rate_interval: max($__interval + scrape interval, 4 × scrape interval). */
export const rateInterval = (stepSeconds: number, scrapeSeconds: number) => `${Math.max(stepSeconds + scrapeSeconds, 4 * scrapeSeconds)}s`;

/**
 * Resolves the variables (preferring the first configured service so the configured canary weights
 * apply) and runs every panel target as a range query.
 */
export async function evaluateDashboard(
  d: Dashboard,
  src: PromSource,
  config: MeshobsConfig,
  opts: {
    step?: number;
    scrapeSeconds?: number /** Fixed values for some variables (e.g. `cluster`). */;
    chosen?: Record<string, string>;
  } = {},
): Promise<Evaluation> {
  const step = opts.step ?? 60;
  const rate = rateInterval(step, opts.scrapeSeconds ?? 15);
  const values: Record<string, string> = { __rate_interval: rate };
  const first = resolveModel(config).services[0];
  const preferred: Record<string, string | undefined> = { namespace: first?.namespace, service: first?.name };
  const variables: VariableResult[] = [];
  for (const v of variablesOf(d)) {
    const q = variableQuery(v);
    if (!q || !v.name) continue;
    const parsed = parseLabelValues(substitute(q, values));
    if (!parsed) throw new Error(`variable $${v.name}: unsupported query ${q}`);
    const found = await labelValues(src, parsed.selector, parsed.label);
    const multi = v.multi === true && v.includeAll === true;
    const pick = preferred[v.name] && found.includes(preferred[v.name]!) ? preferred[v.name]! : found[0];
    const chosen = opts.chosen?.[v.name] ?? (multi ? (v.allValue ?? `(${found.join('|')})`) : (pick ?? ''));
    values[v.name] = chosen;
    variables.push({ name: v.name, query: q, values: found, chosen });
  }
  const queries: QueryResult[] = [];
  for (const p of panelsOf(d))
    for (const q of queriesOf(p)) {
      const expr = substitute(q.expr, { ...values, __rate_interval: rate });
      const data = await api<{ result: SeriesResult[] }>(src, '/api/v1/query_range', [
        ['query', expr],
        ['start', String(src.startSeconds)],
        ['end', String(src.endSeconds)],
        ['step', String(step)],
      ]);
      queries.push({ panelId: p.id!, panel: p.title ?? '', refId: q.refId, legend: q.legend, expr, series: data.result });
    }
  return { variables, queries, step, rateInterval: rate };
}

/** Series whose every value is a finite number, and at least one value exists. */
export function finiteSeries(r: QueryResult): SeriesResult[] {
  return r.series.filter((s) => s.values.length > 0 && s.values.some(([, v]) => Number.isFinite(Number(v))));
}
