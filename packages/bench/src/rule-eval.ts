// Rule evaluation cost: Prometheus evaluates the bundle's rules.yml and the naive rule set side by
// side; we read prometheus_rule_group_last_duration_seconds once per evaluation cycle.
import { sleep } from '@meshobs/testkit';
import { median, sum } from './stats.ts';

export interface GroupCost {
  file: string;
  group: string;
  rules: number;
  /** Median of the per-cycle last_duration values, seconds. */
  seconds: number;
  cycles: number;
  /** Median evaluation time of each rule (record or alert name; repeated names are summed). */
  ruleSeconds: Record<string, number>;
}

interface ApiGroup {
  name: string;
  file: string;
  lastEvaluation: string;
  rules: { name: string; evaluationTime: number }[];
}

const SAMPLE = /^prometheus_rule_group_(last_duration_seconds|last_evaluation_timestamp_seconds|rules)\{rule_group="([^"]+)"\} (\S+)$/;

export function parseRuleGroupMetrics(text: string): Map<string, { duration?: number; evaluatedAt?: number; rules?: number }> {
  const groups = new Map<string, { duration?: number; evaluatedAt?: number; rules?: number }>();
  for (const line of text.split('\n')) {
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const g = groups.get(m[2]!) ?? {};
    const v = Number(m[3]);
    if (m[1] === 'last_duration_seconds') g.duration = v;
    else if (m[1] === 'rules') g.rules = v;
    else g.evaluatedAt = v;
    groups.set(m[2]!, g);
  }
  return groups;
}

/** Polls /metrics until every group has been evaluated `cycles` times (or the deadline passes). */
export async function measureRuleGroups(url: string, cycles: number, deadlineMs: number): Promise<GroupCost[]> {
  const seen = new Map<string, { at: Set<number>; durations: number[]; rules: number }>();
  const perRule = new Map<string, { at: Set<string>; cycles: Record<string, number>[] }>();
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    const api = (await fetch(`${url}/api/v1/rules`).then((r) => r.json())) as { data: { groups: ApiGroup[] } };
    for (const g of api.data.groups) {
      const key = `${g.file};${g.name}`;
      const s = perRule.get(key) ?? { at: new Set<string>(), cycles: [] };
      if (!g.lastEvaluation.startsWith('0001') && !s.at.has(g.lastEvaluation)) {
        s.at.add(g.lastEvaluation);
        const cycle: Record<string, number> = {};
        for (const r of g.rules) cycle[r.name] = (cycle[r.name] ?? 0) + r.evaluationTime;
        s.cycles.push(cycle);
      }
      perRule.set(key, s);
    }
    const text = await fetch(`${url}/metrics`).then((r) => r.text());
    for (const [key, g] of parseRuleGroupMetrics(text)) {
      if (!g.evaluatedAt || g.duration === undefined) continue;
      const s = seen.get(key) ?? { at: new Set<number>(), durations: [], rules: g.rules ?? 0 };
      if (!s.at.has(g.evaluatedAt)) {
        s.at.add(g.evaluatedAt);
        s.durations.push(g.duration);
      }
      seen.set(key, s);
    }
    // The first evaluation warms caches; count complete cycles after it.
    if (seen.size && [...seen.values()].every((s) => s.durations.length > cycles)) break;
    await sleep(1000);
  }
  return [...seen.entries()].map(([key, s]) => {
    const [file, group] = key.split(';') as [string, string];
    const steady = s.durations.length > 1 ? s.durations.slice(1) : s.durations;
    const cycles = perRule.get(key)?.cycles ?? [];
    const steadyCycles = cycles.length > 1 ? cycles.slice(1) : cycles;
    const names = new Set(steadyCycles.flatMap((c) => Object.keys(c)));
    const ruleSeconds = Object.fromEntries([...names].map((n) => [n, median(steadyCycles.map((c) => c[n] ?? 0))]));
    return { file, group, rules: s.rules, seconds: median(steady), cycles: steady.length, ruleSeconds };
  });
}

export const totalSeconds = (groups: GroupCost[]) => sum(groups.map((g) => g.seconds));

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Recording rules the alerting rules read, directly or through other recording rules. */
export function recordingRulesReadByAlerts(rules: { record?: string; alert?: string; expr: string }[]): Set<string> {
  const recorded = [...new Set(rules.flatMap((r) => (r.record ? [r.record] : [])))];
  const reads = (expr: string) => recorded.filter((n) => new RegExp(`(^|[^a-zA-Z0-9_:])${escapeRegExp(n)}($|[^a-zA-Z0-9_:])`).test(expr));
  const needed = new Set<string>();
  const visit = (name: string) => {
    if (needed.has(name)) return;
    needed.add(name);
    for (const r of rules) if (r.record === name) reads(r.expr).forEach(visit);
  };
  for (const r of rules) if (r.alert) reads(r.expr).forEach(visit);
  return needed;
}
