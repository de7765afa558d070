// One full dashboard load against a real Prometheus, the way Grafana runs it: variables in order
// (each may use the ones before it), then every panel target, a few at a time like a browser.

import { labelValues } from '@meshobs/qa/evaluate';
import { parseLabelValues, substitute } from '@meshobs/qa/inspect';
import type { DashboardPlan, Target, VariableSpec } from './dashboard-plan.ts';
import { panelStep, rateIntervalSeconds } from './grafana.ts';

export interface LoadWindow {
  url: string;
  start: number;
  end: number;
  widthPx: number;
  scrapeSeconds: number;
  /** Queries in flight at once (a browser allows 6 per host over HTTP/1.1). */
  concurrency: number;
}

export interface LoadResult {
  seconds: number;
  queries: number;
  series: number;
  points: number;
  errors: string[];
  values: Record<string, string>;
}

async function promApi<T>(url: string, path: string, params: Record<string, string>): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
    signal: AbortSignal.timeout(300_000),
  });
  const body = (await res.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(body.error ?? String(res.status));
  return body.data;
}

interface Sample {
  metric: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

/** How Grafana prints a query_result row before applying the variable's regex. */
export const queryResultText = (s: Sample) =>
  `${s.metric.__name__ ?? ''}{${Object.entries(s.metric)
    .filter(([k]) => k !== '__name__')
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ')}} ${s.value?.[1] ?? ''} ${s.value?.[0] ?? ''}`;

/** Applies a Grafana `/regex/` to texts: the first capture group (or the whole match) of each. */
export function applyRegex(texts: string[], regex: string | undefined): string[] {
  if (!regex) return [...new Set(texts)];
  const m = /^\/(.*)\/([a-z]*)$/s.exec(regex);
  const re = new RegExp(m ? m[1]! : regex, m ? m[2] : '');
  const out: string[] = [];
  for (const t of texts) {
    const hit = re.exec(t);
    if (hit) out.push(hit[1] ?? hit[0]);
  }
  return [...new Set(out)].filter(Boolean).sort();
}

/** Grafana's multi-value format for Prometheus: regex-escaped values joined as (a|b|c). */
export const allRegex = (values: string[]) => `(${values.map((v) => v.replace(/[\\^$*+?.()|[\]{}]/g, '\\\\$&')).join('|')})`;

async function variableOptions(v: VariableSpec, values: Record<string, string>, w: LoadWindow): Promise<string[]> {
  if (v.kind === 'custom')
    return v.query
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const q = substitute(v.query, values);
  const qr = /^query_result\((.*)\)$/s.exec(q.trim());
  if (qr) {
    const data = await promApi<{ result: Sample[] }>(w.url, '/api/v1/query', { query: qr[1]!, time: String(w.end) });
    return applyRegex(data.result.map(queryResultText), v.regex);
  }
  const lv = parseLabelValues(q);
  if (lv) return applyRegex(await labelValues({ url: w.url, startSeconds: w.start, endSeconds: w.end }, lv.selector, lv.label), v.regex);
  throw new Error(`variable $${v.name}: unsupported query ${v.query}`);
}

function choose(v: VariableSpec, options: string[]): string {
  if (v.includeAll && (v.current === '$__all' || v.current === undefined)) return v.allValue ?? allRegex(options);
  if (v.current && options.includes(v.current)) return v.current;
  return options[0] ?? '';
}

async function runTarget(t: Target, values: Record<string, string>, w: LoadWindow): Promise<{ series: number; points: number }> {
  const step = panelStep(w.end - w.start, w.widthPx, w.scrapeSeconds, t.minInterval);
  const expr = substitute(t.expr, { ...values, __rate_interval: `${rateIntervalSeconds(step, w.scrapeSeconds)}s`, __interval: `${step}s` });
  if (t.instant) {
    const data = await promApi<{ result: Sample[] }>(w.url, '/api/v1/query', { query: expr, time: String(w.end) });
    return { series: data.result.length, points: data.result.length };
  }
  // Grafana aligns the range to the step.
  const start = Math.floor(w.start / step) * step;
  const data = await promApi<{ result: Sample[] }>(w.url, '/api/v1/query_range', {
    query: expr,
    start: String(start),
    end: String(w.end),
    step: String(step),
  });
  return { series: data.result.length, points: data.result.reduce((n, s) => n + (s.values?.length ?? 0), 0) };
}

export async function loadDashboard(plan: DashboardPlan, w: LoadWindow): Promise<LoadResult> {
  const t0 = performance.now();
  const values: Record<string, string> = {};
  const errors: string[] = [];
  for (const v of plan.variables) {
    try {
      values[v.name] = choose(v, await variableOptions(v, values, w));
    } catch (e) {
      errors.push(`$${v.name}: ${(e as Error).message}`);
      values[v.name] = '';
    }
  }
  let series = 0;
  let points = 0;
  const queue = [...plan.targets];
  const worker = async () => {
    for (let t = queue.shift(); t; t = queue.shift()) {
      try {
        const r = await runTarget(t, values, w);
        series += r.series;
        points += r.points;
      } catch (e) {
        errors.push(`${t.panel}/${t.refId}: ${(e as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, w.concurrency) }, worker));
  return { seconds: (performance.now() - t0) / 1000, queries: plan.variables.length + plan.targets.length, series, points, errors, values };
}
