// Rule evaluation cost by query: every rule's expression evaluated by the real Prometheus as an
// instant query at one time inside the loaded data, group by group and in order, exactly what the
// rule manager runs per cycle (an instant query of the rule's expr at the evaluation time; the
// recorded series it reads were backfilled by promtool). It needs no data ahead of the wall clock,
// so it also runs at 1M series, where the load takes longer than any affordable look-ahead (see
// sizes.ts). The expression is wrapped in count() so that only one number crosses the HTTP API:
// what is timed is Prometheus' own evalTotalTime (stats=all), not JSON encoding.
import { ISTIOD_METRICS } from '@meshobs/signals';
import { parse } from 'yaml';
import { median, sum } from './stats.ts';

export interface QueryGroupCost {
  group: string;
  /** The group's own evaluation interval (seconds); the global 15 s when it sets none. */
  intervalSeconds: number;
  rules: number;
  /** Sum over the group's rules of the median evaluation time, seconds: one cycle of the group. */
  seconds: number;
  ruleSeconds: Record<string, number>;
  /** Prometheus CPU seconds (user + system, its own process_cpu_seconds_total) one evaluation of the whole group costs. */
  cpuSeconds: number;
}

interface RuleText {
  record?: string;
  alert?: string;
  expr: string;
}

interface QueryResponse {
  status: string;
  error?: string;
  data?: { stats?: { timings?: { evalTotalTime?: number } } };
}

async function evalSeconds(url: string, expr: string, at: number): Promise<number> {
  const body = new URLSearchParams({ query: `count(${expr})`, time: String(at), stats: 'all' });
  const started = performance.now();
  const res = (await fetch(`${url}/api/v1/query`, { method: 'POST', body }).then((r) => r.json())) as QueryResponse;
  const wall = (performance.now() - started) / 1000;
  if (res.status !== 'success') throw new Error(`query failed (${res.error}): ${expr}`);
  return res.data?.stats?.timings?.evalTotalTime ?? wall;
}

/**
 * Cost of each group of a rules file at time `at` (Unix seconds): per rule the median evaluation time
 * of `reps` after a warm-up, and per group the Prometheus CPU one evaluation of the group costs (its
 * CPU over the `reps` evaluations of every rule, after the warm-ups, divided by `reps`).
 */
export async function ruleQueryCosts(url: string, rulesYaml: string, at: number, reps: number): Promise<QueryGroupCost[]> {
  const doc = parse(rulesYaml) as { groups: { name: string; interval?: string; rules: RuleText[] }[] };
  const out: QueryGroupCost[] = [];
  for (const g of doc.groups) {
    for (const r of g.rules) await evalSeconds(url, r.expr, at);
    const cpu0 = await prometheusCpuSeconds(url);
    const runs = new Map<RuleText, number[]>(g.rules.map((r) => [r, []]));
    for (let i = 0; i < reps; i++) for (const r of g.rules) runs.get(r)!.push(await evalSeconds(url, r.expr, at));
    const cpuSeconds = ((await prometheusCpuSeconds(url)) - cpu0) / reps;
    const ruleSeconds: Record<string, number> = {};
    for (const [r, times] of runs) {
      const name = r.record ?? r.alert ?? '?';
      ruleSeconds[name] = (ruleSeconds[name] ?? 0) + median(times);
    }
    const intervalSeconds = g.interval ? durationSeconds(g.interval) : CYCLE_SECONDS;
    out.push({ group: g.name, intervalSeconds, rules: g.rules.length, seconds: sum(Object.values(ruleSeconds)), ruleSeconds, cpuSeconds });
  }
  return out;
}

/**
 * Prometheus' own CPU seconds so far, on its /metrics (10 ms resolution): client_golang's process
 * collector, the same metric name istiod exposes, whose home is @meshobs/signals.
 */
export async function prometheusCpuSeconds(url: string): Promise<number> {
  const name = ISTIOD_METRICS.cpuSeconds;
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`no ${name} on ${url}/metrics`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** The global evaluation interval the bundle is built for. */
export const CYCLE_SECONDS = 15;

const durationSeconds = (d: string) => {
  const m = /^(\d+)(s|m|h)$/.exec(d);
  if (!m) throw new Error(`unsupported group interval ${d}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] as 's' | 'm' | 'h'];
};

/**
 * One 15 s cycle: every group's cost, a group with a longer interval counted by the share of cycles
 * it runs in (a 1 m group: a quarter); the worst cycle, where every group runs; and the slowest group
 * (how long a cycle takes when the groups run concurrently).
 */
export const cycleCost = (groups: QueryGroupCost[]) => ({
  total: sum(groups.map((g) => (g.seconds * CYCLE_SECONDS) / g.intervalSeconds)),
  /** Prometheus CPU seconds per 15 s cycle, each group counted by the share of cycles it runs in. */
  cpu: sum(groups.map((g) => (g.cpuSeconds * CYCLE_SECONDS) / g.intervalSeconds)),
  worst: sum(groups.map((g) => g.seconds)),
  slowest: Math.max(0, ...groups.map((g) => g.seconds)),
});
