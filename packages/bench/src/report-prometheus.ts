// Markdown tables for the rule-evaluation and dashboard-load results.
import type { SizeResult } from './prometheus-bench.ts';
import { totalSeconds } from './rule-eval.ts';
import { cycleCost } from './rule-query-cost.ts';
import { count, ratio, seconds, table } from './stats.ts';

const NAIVE_FILE = /naive-rules\.yml$/;

export function ruleTable(results: SizeResult[]): string {
  const rows: (string | number)[][] = [];
  for (const r of results) {
    if (!r.groups.length) continue;
    const bundle = r.groups.filter((g) => !NAIVE_FILE.test(g.file));
    const naive = r.groups.filter((g) => NAIVE_FILE.test(g.file));
    for (const g of [...bundle, ...naive])
      rows.push([
        r.size.name,
        count(r.series),
        NAIVE_FILE.test(g.file) ? 'naive' : 'bundle',
        g.group,
        g.rules,
        seconds(g.seconds),
        g.cycles,
      ]);
    const b = totalSeconds(bundle);
    const n = totalSeconds(naive);
    rows.push([
      r.size.name,
      count(r.series),
      '**total per cycle**',
      `bundle ${seconds(b)} vs naive ${seconds(n)}`,
      '',
      `naive / bundle = **${ratio(n, b)}**`,
      '',
    ]);
    const alertGroups = bundle.filter((g) => /alerts$/.test(g.group));
    const alertPath = r.alertRecording.seconds + totalSeconds(alertGroups);
    rows.push([
      r.size.name,
      count(r.series),
      '**alert path only**',
      `the ${r.alertRecording.rules} recording rules the alerts read + alert groups: ${seconds(alertPath)} vs naive ${seconds(n)}`,
      '',
      `naive / bundle = **${ratio(n, alertPath)}**`,
      r.ruleWindowCovered ? '' : 'data window ended early',
    ]);
  }
  return table(['size', 'active series', 'rule set', 'group', 'rules', 'median last_duration', 'cycles'], rows);
}

/**
 * Rule cost by query per evaluation cycle: the bundle's groups one after another, each 1 m group
 * counted by the quarter of the cycles it runs in (per 15 s cycle), the worst cycle where every group
 * runs, and its slowest group (what a cycle takes when the groups run concurrently), against the naive alerts, on
 * the mesh as generated and as the cardinality profile leaves it. Goal: bundle <= 1 s per 15 s cycle
 * at 1M and <= 1/3 of the naive alerts.
 */
export function ruleQueryTable(results: SizeResult[]): string {
  const rows: (string | number)[][] = [];
  for (const r of results) {
    const asGenerated = r.queryCosts.find((q) => q.data === 'as generated');
    for (const q of r.queryCosts) {
      const b = cycleCost(q.bundle);
      const n = cycleCost(q.naive).total;
      rows.push([
        r.size.name,
        q.data,
        count(q.series),
        `${q.bundle.length} groups, ${q.bundle.reduce((a, g) => a + g.rules, 0)} rules`,
        seconds(b.total),
        seconds(b.worst),
        seconds(b.slowest),
        seconds(n),
        `**${ratio(b.total, n)}**`,
        asGenerated && q !== asGenerated ? `**${ratio(b.total, cycleCost(asGenerated.naive).total)}**` : '',
      ]);
    }
  }
  return table(
    [
      'size',
      'data',
      'active series',
      'bundle',
      'bundle per 15 s cycle',
      'worst cycle (every group)',
      'slowest group',
      'naive per cycle',
      'bundle / naive, same data',
      'bundle / naive as generated',
    ],
    rows,
  );
}

/** The costliest rules by query, per size and data. */
export function costliestQueryRulesTable(results: SizeResult[], top = 8): string {
  const rows: (string | number)[][] = [];
  for (const r of results)
    for (const q of r.queryCosts) {
      const all = [
        ...q.bundle.flatMap((g) => Object.entries(g.ruleSeconds).map(([n, v]) => [g.group, n, v] as const)),
        ...q.naive.flatMap((g) => Object.entries(g.ruleSeconds).map(([n, v]) => [g.group, n, v] as const)),
      ].sort((a, b) => b[2] - a[2]);
      for (const [group, name, v] of all.slice(0, top)) rows.push([r.size.name, q.data, group, `\`${name}\``, seconds(v)]);
    }
  return table(['size', 'data', 'group', 'rule (record or alert)', 'median evaluation time'], rows);
}

export function dashboardTable(results: SizeResult[]): string {
  const rows: (string | number)[][] = [];
  for (const r of results) {
    for (const d of r.dashboards)
      rows.push([
        r.size.name,
        d.plan.origin,
        d.plan.title,
        d.plan.panels,
        d.last.queries,
        count(d.last.series),
        seconds(d.medianSeconds),
        seconds(d.cpuSecondsPerLoad),
        d.last.errors.length ? `${d.last.errors.length} failed` : 'ok',
      ]);
  }
  return table(
    [
      'size',
      'origin',
      'dashboard',
      'panels',
      'queries (vars + targets)',
      'series shown',
      'median full load',
      'Prometheus CPU per load',
      'queries',
    ],
    rows,
  );
}

/** Pairs each of our dashboards with the Istio dashboards covering the same view. */
export const COUNTERPARTS: Record<string, string[]> = {
  'meshobs-mesh-overview': ['Istio Mesh Dashboard', 'Istio Control Plane Dashboard'],
  'meshobs-service': ['Istio Service Dashboard'],
};

export function comparisonTable(results: SizeResult[]): string {
  const rows: (string | number)[][] = [];
  for (const r of results) {
    const ours = r.dashboards.filter((d) => d.plan.origin === 'meshobs');
    const istio = r.dashboards.filter((d) => d.plan.origin === 'istio');
    for (const d of ours) {
      const titles = COUNTERPARTS[d.plan.uid];
      if (!titles) continue;
      const theirs = istio.filter((i) => titles.includes(i.plan.title));
      if (!theirs.length) continue;
      const t = theirs.reduce((a, i) => a + i.medianSeconds, 0);
      rows.push([
        r.size.name,
        d.plan.title,
        seconds(d.medianSeconds),
        theirs.map((i) => i.plan.title).join(' + '),
        seconds(t),
        `**${ratio(t, d.medianSeconds)}**`,
      ]);
    }
    const sumOf = (xs: typeof ours) => xs.reduce((a, x) => a + x.medianSeconds, 0);
    const paired = ours.filter((d) => COUNTERPARTS[d.plan.uid]);
    const theirs = istio.filter((i) => Object.values(COUNTERPARTS).flat().includes(i.plan.title));
    rows.push([
      r.size.name,
      'ours with an Istio counterpart',
      seconds(sumOf(paired)),
      'their counterparts',
      seconds(sumOf(theirs)),
      `**${ratio(sumOf(theirs), sumOf(paired))}**`,
    ]);
    rows.push([
      r.size.name,
      'all 3 of ours (incl. tracing, no counterpart)',
      seconds(sumOf(ours)),
      "all 5 of Istio's (incl. performance, workload)",
      seconds(sumOf(istio)),
      ratio(sumOf(istio), sumOf(ours)),
    ]);
  }
  return table(['size', 'ours', 'load', 'Istio counterpart', 'load', 'Istio / ours (goal ≥ 5×)'], rows);
}

/** The most expensive rules of each size: where a cheaper expression or a split group pays off. */
export function costliestRulesTable(results: SizeResult[], top = 10): string {
  const rows: (string | number)[][] = [];
  for (const r of results) {
    const all = r.groups.flatMap((g) => Object.entries(g.ruleSeconds).map(([name, s]) => ({ group: g.group, name, s })));
    for (const x of all.sort((a, b) => b.s - a.s).slice(0, top)) rows.push([r.size.name, x.group, `\`${x.name}\``, seconds(x.s)]);
  }
  return table(['size', 'group', 'rule (record or alert)', 'median evaluation time'], rows);
}

/** Rule evaluation cycles per hour at the 15 s evaluation interval. */
const CYCLES_PER_HOUR = 3600 / 15;
/** Dashboard views per hour the table prices (a view = ours with a counterpart, or their counterparts, loaded once). */
export const VIEWS_PER_HOUR = [60, 600] as const;

const cpuHour = (s: number) => (Number.isFinite(s) ? `${(s / 60).toFixed(s >= 600 ? 0 : 1)} CPU-min` : 'n/a');

/**
 * What Prometheus spends per hour (its own CPU seconds, measured): the bundle's rules every cycle plus
 * N views of our dashboards, against the naive alerts every cycle plus N views of Istio's dashboards
 * covering the same (COUNTERPARTS), on the mesh as generated, and the number of views per hour from
 * which the bundle costs less. Needs the rules and the dashboards sections of the same size.
 */
export function payoffTable(results: SizeResult[]): string {
  const rows: (string | number)[][] = [];
  for (const r of results) {
    const q = r.queryCosts.find((c) => c.data === 'as generated');
    const ours = r.dashboards.filter((d) => d.plan.origin === 'meshobs' && COUNTERPARTS[d.plan.uid]);
    const theirTitles = new Set(ours.flatMap((d) => COUNTERPARTS[d.plan.uid]!));
    const theirs = r.dashboards.filter((d) => d.plan.origin === 'istio' && theirTitles.has(d.plan.title));
    if (!q || !ours.length || !theirs.length) continue;
    const bundleRules = cycleCost(q.bundle).cpu * CYCLES_PER_HOUR;
    const naiveRules = cycleCost(q.naive).cpu * CYCLES_PER_HOUR;
    const oursView = ours.reduce((a, d) => a + d.cpuSecondsPerLoad, 0);
    const theirView = theirs.reduce((a, d) => a + d.cpuSecondsPerLoad, 0);
    const breakEven =
      bundleRules <= naiveRules ? 0 : theirView > oursView ? Math.ceil((bundleRules - naiveRules) / (theirView - oursView)) : Infinity;
    rows.push([
      r.size.name,
      count(r.series),
      `${cpuHour(bundleRules)} vs ${cpuHour(naiveRules)}`,
      `${seconds(oursView)} vs ${seconds(theirView)}`,
      ...VIEWS_PER_HOUR.map((n) => `${cpuHour(bundleRules + n * oursView)} vs ${cpuHour(naiveRules + n * theirView)}`),
      Number.isFinite(breakEven) ? (breakEven === 0 ? '**always** (cheaper rules)' : `**${count(breakEven)} views/h**`) : 'never',
    ]);
  }
  return table(
    [
      'size',
      'active series',
      'rules per hour: bundle vs naive',
      'CPU per view: ours vs Istio',
      ...VIEWS_PER_HOUR.map((n) => `per hour, ${n} views: bundle vs naive + Istio`),
      'bundle cheaper from',
    ],
    rows,
  );
}
