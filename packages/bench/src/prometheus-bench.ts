// §2 and §3 at one mesh size: load the synthetic mesh into a real Prometheus, time rule
// evaluation (bundle vs naive) and full dashboard loads (ours vs Istio's).
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderAlerts } from '@meshobs/alerts';
import type { MeshobsConfig } from '@meshobs/config';
import { resolveModel } from '@meshobs/model';
import { applyPlan } from '@meshobs/signals';
import { buildMesh, countSeries, loadMesh, type Mesh, reduceMesh } from '@meshobs/synthetic-mesh';
import { tempDir } from '@meshobs/testkit';
import { parse } from 'yaml';
import { type LoadResult, loadDashboard } from './dashboard-load.ts';
import { type DashboardPlan, istioPlans, meshobsPlans } from './dashboard-plan.ts';
import { naiveRulesYaml } from './naive-rules.ts';
import { type GroupCost, measureRuleGroups, recordingRulesReadByAlerts } from './rule-eval.ts';
import { cycleCost, prometheusCpuSeconds, type QueryGroupCost, ruleQueryCosts } from './rule-query-cost.ts';
import type { BenchSize } from './sizes.ts';
import { median } from './stats.ts';

export interface DashboardCost {
  plan: DashboardPlan;
  medianSeconds: number;
  loads: number;
  last: LoadResult;
  /** Prometheus CPU seconds (its process_cpu_seconds_total) one full load costs: over the `loads` loads, per load. */
  cpuSecondsPerLoad: number;
}

/** The rule sets' cost by query on one load of the mesh (as generated, or reduced by the cardinality profile). */
export interface QueryCostRun {
  data: 'as generated' | 'cardinality profile';
  series: number;
  bundle: QueryGroupCost[];
  naive: QueryGroupCost[];
}

export interface SizeResult {
  size: BenchSize;
  series: number;
  samples: number;
  loadSeconds: Record<string, number>;
  groups: GroupCost[];
  /** Recording rules the 8 alerts read (directly or not): how many, and their summed median time. */
  alertRecording: { rules: number; seconds: number };
  /** False when wall-clock time passed the end of the data before the evaluations were measured. */
  ruleWindowCovered: boolean;
  /** Rule cost by query (rule-query-cost.ts), as generated and, when asked, under the cardinality profile. */
  queryCosts: QueryCostRun[];
  dashboards: DashboardCost[];
  rangeSeconds: number;
  widthPx: number;
}

export interface PrometheusBenchOptions {
  config: MeshobsConfig;
  loads: number;
  ruleCycles: number;
  sections: { rules: boolean; dashboards: boolean };
  /** Also load the mesh reduced by the cardinality profile (every setting on) and cost the rules there. */
  profile: boolean;
  /** Repetitions of each rule's query (after one warm-up). */
  queryReps: number;
  log: (line: string) => void;
}

const RANGE_SECONDS = 6 * 3600;
const WIDTH_PX = 1500;
const SCRAPE_SECONDS = 15;

export function bundleRulesYaml(config: MeshobsConfig): string {
  const file = renderAlerts(resolveModel(config)).files.find((f) => f.path === 'rules.yml');
  if (!file) throw new Error('renderAlerts emitted no rules.yml');
  return file.content;
}

export async function benchSize(size: BenchSize, o: PrometheusBenchOptions): Promise<SizeResult> {
  const rules = bundleRulesYaml(o.config);
  const now = Math.floor(Date.now() / 60_000) * 60;
  const mesh = buildMesh({
    ...size.mesh,
    spanSeconds: size.spanSeconds,
    endSeconds: now + size.aheadSeconds,
    istioVersion: `${o.config.istio.version}.0`,
  });
  const series = countSeries(mesh).total;
  o.log(`[${size.name}] ${series} series, ${size.spanSeconds / 60} min of data: generating and loading`);
  const workDir = tempDir(`bench-${size.name}`);
  const loaded = await loadMesh(mesh, { rulesYaml: rules, workDir });
  try {
    o.log(
      `[${size.name}] loaded: ${JSON.stringify(Object.fromEntries(Object.entries(loaded.timings).map(([k, v]) => [k, Math.round(v)])))} s`,
    );
    let groups: GroupCost[] = [];
    let alertRecording = { rules: 0, seconds: 0 };
    let ruleWindowCovered = true;
    // The server's own cycles need data ahead of the wall clock, which the 1M load cannot keep (sizes.ts).
    if (o.sections.rules && size.aheadSeconds >= 300) {
      const bundleFile = join(workDir, 'bundle-rules.yml');
      const naiveFile = join(workDir, 'naive-rules.yml');
      writeFileSync(bundleFile, rules);
      writeFileSync(naiveFile, naiveRulesYaml(rules, o.config));
      await loaded.restart({ ruleFiles: [bundleFile, naiveFile], evaluationInterval: `${SCRAPE_SECONDS}s` });
      // A group slower than the interval skips cycles: allow up to 5 minutes for the cycles.
      groups = await measureRuleGroups(loaded.url, o.ruleCycles, 300_000);
      ruleWindowCovered = Date.now() / 1000 < mesh.endSeconds;
      if (!ruleWindowCovered) o.log(`[${size.name}] WARNING: the data ended before the rule evaluations were measured; raise aheadSeconds`);
      const needed = recordingRulesReadByAlerts(
        (parse(rules) as { groups: { rules: { record?: string; alert?: string; expr: string }[] }[] }).groups.flatMap((g) => g.rules),
      );
      const bundleGroups = groups.filter((g) => g.file === bundleFile);
      alertRecording = {
        rules: needed.size,
        seconds: bundleGroups.reduce(
          (acc, g) => acc + Object.entries(g.ruleSeconds).reduce((a, [n, v]) => a + (needed.has(n) ? v : 0), 0),
          0,
        ),
      };
      o.log(`[${size.name}] rule groups: ${groups.map((g) => `${g.group}=${(g.seconds * 1000).toFixed(1)}ms`).join(' ')}`);
    }
    const queryCosts: QueryCostRun[] = [];
    if (o.sections.rules) queryCosts.push(await queryCostRun('as generated', series, loaded.url, mesh, rules, o));
    const dashboards: DashboardCost[] = [];
    if (o.sections.dashboards) {
      await loaded.restart({});
      const window = {
        url: loaded.url,
        start: mesh.endSeconds - RANGE_SECONDS,
        end: mesh.endSeconds,
        widthPx: WIDTH_PX,
        scrapeSeconds: SCRAPE_SECONDS,
        concurrency: 6,
      };
      for (const plan of [...meshobsPlans(o.config), ...istioPlans()]) {
        await loadDashboard(plan, window); // warm-up: the first load pays for cold page caches
        const runs: LoadResult[] = [];
        const cpu0 = await prometheusCpuSeconds(loaded.url);
        for (let i = 0; i < o.loads; i++) runs.push(await loadDashboard(plan, window));
        const cpuSecondsPerLoad = ((await prometheusCpuSeconds(loaded.url)) - cpu0) / runs.length;
        const cost = { plan, medianSeconds: median(runs.map((r) => r.seconds)), loads: runs.length, last: runs.at(-1)!, cpuSecondsPerLoad };
        dashboards.push(cost);
        o.log(
          `[${size.name}] ${plan.origin} ${plan.title}: ${cost.medianSeconds.toFixed(3)} s, CPU ${cost.cpuSecondsPerLoad.toFixed(3)} s, ${cost.last.series} series, ${cost.last.errors.length} errors${cost.last.errors.length ? ` (${cost.last.errors[0]})` : ''}`,
        );
      }
    }
    if (o.sections.rules && o.profile) {
      await loaded.stop();
      queryCosts.push(await profileRun(size, mesh, rules, o));
    }
    return {
      size,
      series,
      samples: loaded.stats.samples,
      loadSeconds: loaded.timings,
      groups,
      queryCosts,
      alertRecording,
      ruleWindowCovered,
      dashboards,
      rangeSeconds: RANGE_SECONDS,
      widthPx: WIDTH_PX,
    };
  } finally {
    await loaded.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** The evaluation time of the query costs: a minute before the data ends, a full window behind it. */
const evalTime = (mesh: Mesh) => mesh.endSeconds - 60;

async function queryCostRun(
  data: QueryCostRun['data'],
  series: number,
  url: string,
  mesh: Mesh,
  rules: string,
  o: PrometheusBenchOptions,
): Promise<QueryCostRun> {
  const at = evalTime(mesh);
  const bundle = await ruleQueryCosts(url, rules, at, o.queryReps);
  const naive = await ruleQueryCosts(url, naiveRulesYaml(rules, o.config), at, o.queryReps);
  const ms = (g: QueryGroupCost[]) => (cycleCost(g).total * 1000).toFixed(1);
  o.log(`[${data}] rules by query: bundle ${ms(bundle)} ms, naive ${ms(naive)} ms per 15 s cycle`);
  return { data, series, bundle, naive };
}

/** The same mesh as the cardinality profile (every setting on) leaves it, loaded on its own. */
async function profileRun(size: BenchSize, mesh: Mesh, rules: string, o: PrometheusBenchOptions): Promise<QueryCostRun> {
  const config = {
    ...o.config,
    cardinality: { removeUnreadIstioLabels: true, dropUnreadIstioMetrics: true, dropUnreadReporterSeries: true },
  };
  const plan = resolveModel(config).cardinality;
  const reduced = reduceMesh(mesh, (name, labels) => applyPlan(plan, name, labels));
  const series = countSeries(reduced).total;
  o.log(`[${size.name}] cardinality profile: ${series} series: generating and loading`);
  const workDir = tempDir(`bench-${size.name}-profile`);
  const loaded = await loadMesh(reduced, { rulesYaml: rules, workDir });
  try {
    return await queryCostRun('cardinality profile', series, loaded.url, mesh, rules, o);
  } finally {
    await loaded.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}
