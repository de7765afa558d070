// Static HTML preview of a dashboard: panels placed by gridPos, every series drawn with uPlot from
// real Prometheus results. One self-contained file per dashboard (uPlot inlined).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Dashboard, Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import type { Evaluation } from '../evaluate.ts';
import { isRow } from '../inspect.ts';

const require = createRequire(import.meta.url);
const uplotDir = dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));

const ROW_PX = 30;
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

interface PreviewPanel {
  id: number;
  type: string;
  title: string;
  description: string;
  unit: string;
  gridPos: { x: number; y: number; w: number; h: number };
  noDataReason?: string;
  series: { name: string; points: [number, number][] }[];
  /** Tables: value column titles and one row per label combination (last value of each query). */
  table?: { columns: string[]; units: string[]; rows: string[][] };
}

/** Rebuilds what Grafana's merge + organize transformations show: label columns, then one value column per query. */
function tableOf(p: Panel, results: Evaluation['queries']): PreviewPanel['table'] {
  const organize = (p.transformations ?? []).find((t) => t.id === 'organize')?.options as
    | { renameByName?: Record<string, string> }
    | undefined;
  const rename = organize?.renameByName ?? {};
  const labels = Object.keys(rename).filter((k) => !k.startsWith('Value #'));
  const values = Object.keys(rename).filter((k) => k.startsWith('Value #'));
  const units = values.map((v) => {
    const o = p.fieldConfig?.overrides?.find((x) => x.matcher?.options === rename[v]);
    return String(o?.properties?.find((x) => x.id === 'unit')?.value ?? '');
  });
  const rows = new Map<string, string[]>();
  results.forEach((r, i) => {
    for (const s of r.series) {
      const key = labels.map((l) => s.metric[l] ?? '').join('\u0000');
      const row = rows.get(key) ?? [...labels.map((l) => s.metric[l] ?? ''), ...values.map(() => '')];
      row[labels.length + i] = s.values.at(-1)?.[1] ?? '';
      rows.set(key, row);
    }
  });
  return {
    columns: [...labels.map((l) => rename[l]!), ...values.map((v) => rename[v]!)],
    units: [...labels.map(() => ''), ...units],
    rows: [...rows.values()].sort((a, b) => a.join().localeCompare(b.join())),
  };
}

const legendOf = (format: string, metric: Record<string, string>) =>
  format && format !== '__auto'
    ? format.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, k: string) => metric[k] ?? '')
    : JSON.stringify(metric);

export function previewModel(d: Dashboard, e: Evaluation, noData: Record<string, string>): PreviewPanel[] {
  const panels: PreviewPanel[] = [];
  for (const p of d.panels ?? []) {
    const base = { id: p.id!, title: p.title ?? '', gridPos: p.gridPos!, description: '', unit: '', series: [] };
    if (isRow(p)) {
      panels.push({ ...base, type: 'row' });
      continue;
    }
    const results = e.queries.filter((q) => q.panelId === p.id);
    const reason = Object.entries(noData).find(([k]) => k.startsWith(`${d.uid}/${p.title}/`))?.[1];
    panels.push({
      ...base,
      type: p.type,
      description: p.description ?? '',
      unit: p.fieldConfig?.defaults?.unit ?? '',
      noDataReason: results.every((r) => !r.series.length) ? reason : undefined,
      table: p.type === 'table' ? tableOf(p, results) : undefined,
      series: results.flatMap((r) =>
        r.series.map((s) => ({ name: legendOf(r.legend, s.metric), points: s.values.map(([t, v]) => [t, Number(v)] as [number, number]) })),
      ),
    });
  }
  return panels;
}

const CLIENT = `
const fmt = (v, unit) => {
  if (v == null || !isFinite(v)) return '-';
  if (unit === 'percentunit') return (v * 100).toFixed(2) + ' %';
  if (unit === 'bytes' || unit === 'Bps') { const u = ['B','KiB','MiB','GiB','TiB']; let i = 0; while (Math.abs(v) >= 1024 && i < u.length - 1) { v /= 1024; i++; } return v.toFixed(1) + ' ' + u[i] + (unit === 'Bps' ? '/s' : ''); }
  if (unit === 's' && Math.abs(v) >= 86400) return (v / 86400).toFixed(0) + ' d';
  const s = Math.abs(v) >= 1000 ? v.toExponential(2) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toPrecision(3);
  return s + ({ reqps: ' req/s', ops: ' ops/s', cps: ' c/s', s: ' s', ms: ' ms' }[unit] || '');
};
const COLORS = ['#73bf69','#f2cc0c','#5794f2','#ff780a','#f2495c','#b877d9','#8ab8ff','#ffb357','#96d98d','#ca95e5'];
function chart(el, p, compact) {
  const times = [...new Set(p.series.flatMap(s => s.points.map(pt => pt[0])))].sort((a, b) => a - b);
  const idx = new Map(times.map((t, i) => [t, i]));
  const data = [times, ...p.series.map(s => { const a = new Array(times.length).fill(null); for (const [t, v] of s.points) a[idx.get(t)] = isFinite(v) ? v : null; return a; })];
  const opts = {
    width: el.clientWidth, height: compact ? el.clientHeight : Math.max(60, el.clientHeight - 44), legend: { show: !compact }, cursor: { show: !compact },
    axes: compact ? [{ show: false }, { show: false }] : [{ stroke: '#ccc', grid: { stroke: '#333' } }, { stroke: '#ccc', grid: { stroke: '#333' }, size: 90, values: (u, vals) => vals.map(v => fmt(v, p.unit)) }],
    series: [{}, ...p.series.map((s, i) => ({ label: s.name, stroke: COLORS[i % COLORS.length], width: 1.5, fill: compact ? COLORS[i % COLORS.length] + '33' : undefined, value: (u, v) => fmt(v, p.unit) }))],
  };
  new uPlot(opts, data, el);
}
for (const p of PANELS) {
  const box = document.querySelector('[data-panel-id="' + p.id + '"]');
  if (!box || p.type === 'row') continue;
  const body = box.querySelector('.body');
  if (!p.series.length) { body.innerHTML = '<div class="nodata">No data' + (p.noDataReason ? ': ' + p.noDataReason : '') + '</div>'; box.dataset.rendered = p.noDataReason ? 'no-data-expected' : 'no-data'; continue; }
  if (p.type === 'stat' || p.type === 'gauge') {
    const last = p.series[0].points.filter(pt => isFinite(pt[1])).at(-1);
    body.innerHTML = '<div class="big">' + fmt(last && last[1], p.unit) + '</div><div class="spark"></div>';
    chart(body.querySelector('.spark'), p, true);
  } else if (p.type === 'table') {
    const t = p.table;
    const cell = (v, i) => t.units[i] ? fmt(Number(v), t.units[i]) : String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;');
    const head = '<tr>' + t.columns.map(c => '<th>' + c + '</th>').join('') + '</tr>';
    const rows = t.rows.map(r => '<tr>' + r.map((v, i) => '<td>' + cell(v, i) + '</td>').join('') + '</tr>').join('');
    body.innerHTML = '<div class="spark"></div><div class="table"><table>' + head + rows + '</table></div>';
    chart(body.querySelector('.spark'), p, true);
  } else {
    chart(body, p, false);
  }
  box.dataset.rendered = box.querySelector('canvas') ? 'chart' : 'none';
}
document.body.dataset.done = 'true';
`;

export function previewHtml(d: Dashboard, panels: PreviewPanel[], subtitle: string): string {
  const bottom = Math.max(...panels.map((p) => p.gridPos.y + p.gridPos.h));
  const boxes = panels
    .map((p) => {
      const g = p.gridPos;
      const style = `left:${(g.x / 24) * 100}%;top:${g.y * ROW_PX}px;width:calc(${(g.w / 24) * 100}% - 6px);height:${g.h * ROW_PX - 6}px`;
      if (p.type === 'row') return `<div class="row" style="${style}">${esc(p.title)}</div>`;
      return `<div class="panel ${p.type}" data-panel-id="${p.id}" data-type="${p.type}" style="${style}"><div class="title" title="${esc(p.description)}">${esc(p.title)}</div><div class="body"></div></div>`;
    })
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${esc(d.title ?? '')} (preview)</title>
<style>${readFileSync(join(uplotDir, 'uPlot.min.css'), 'utf8')}
body{background:#111217;color:#ccccdc;font:12px sans-serif;margin:0;padding:8px}
h1{font-size:16px;margin:4px 0}.sub{color:#8e8e9e;margin-bottom:8px}
.grid{position:relative;height:${bottom * ROW_PX}px}
.panel,.row{position:absolute;box-sizing:border-box}
.panel{background:#181b1f;border:1px solid #2c3235;border-radius:3px;display:flex;flex-direction:column;overflow:hidden}
.row{font-weight:bold;font-size:14px;padding-top:6px;border-bottom:1px solid #2c3235}
.title{padding:4px 8px;font-weight:500;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.body{flex:1;min-height:0;position:relative;overflow:hidden}
.big{font-size:28px;font-weight:500;color:#73bf69;padding:0 8px;position:relative;z-index:1}
.stat .spark,.gauge .spark{position:absolute;left:0;right:0;bottom:0;height:55%}
.table .spark{height:40px}.table .table{overflow:auto;height:calc(100% - 40px)}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #2c3235;padding:2px 6px;text-align:left}th{color:#6e9fff}
.nodata{color:#8e8e9e;padding:8px}
.u-legend{font-size:10px;max-height:40px;overflow:auto}
</style>
<script>${readFileSync(join(uplotDir, 'uPlot.iife.min.js'), 'utf8')}</script>
</head><body>
<h1>${esc(d.title ?? '')}</h1><div class="sub">${esc(subtitle)}</div>
<div class="grid">
${boxes}
</div>
<script>const PANELS = ${JSON.stringify(panels).replace(/</g, '\\u003c')};
${CLIENT}</script>
</body></html>
`;
}
