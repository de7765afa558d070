// Every recording rule of the bundle is read: by an alert, a panel, a dashboard variable or another
// rule that is itself read. A rule nothing reads costs an evaluation every cycle for nothing.

import { type MeshobsConfig, parseConfig } from '@meshobs/config';
import { resolveModel, ruleGroups } from '@meshobs/model';
import { KIALI_READS, selectorReads } from '@meshobs/signals';
import { describe, expect, it } from 'vitest';
import { dashboardQueries } from '../src/index.ts';

/** Every read of the series for a config: its rules, every dashboard query, and Kiali's when wired. */
const bundleQueries = (config: MeshobsConfig): string[] => {
  const model = resolveModel(config);
  return [
    ...(config.kiali.enabled ? KIALI_READS : []),
    ...model.ruleGroups.flatMap((g) => g.rules.map((r) => r.expr)),
    ...dashboardQueries(model),
  ];
};

const configs = [
  ['default', parseConfig({})],
  ['SLOs and both gateways', parseConfig({ alerts: { slo: { enabled: true } }, istio: { gateways: { egress: { enabled: true } } } })],
] as const;

/** Recording rules read by nothing, following reads from alerts and panels back through the rules. */
function unreadRecords(config: (typeof configs)[number][1]): string[] {
  const rules = ruleGroups(config).flatMap((g) => g.rules) as { record?: string; alert?: string; expr: string }[];
  const records = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));
  const reads = (expr: string) =>
    selectorReads(expr)
      .map((s) => s.metric)
      .filter((m) => records.has(m));
  const ruleExprs = new Set(rules.map((r) => r.expr));
  // Roots: the alerts and every dashboard query (bundleQueries holds the rules too; skip those).
  const roots = [...rules.filter((r) => r.alert).map((r) => r.expr), ...bundleQueries(config).filter((e) => !ruleExprs.has(e))];
  const read = new Set<string>();
  const visit = (name: string) => {
    if (read.has(name)) return;
    read.add(name);
    for (const r of rules) if (r.record === name) reads(r.expr).forEach(visit);
  };
  for (const e of roots) reads(e).forEach(visit);
  return [...records].filter((n) => !read.has(n));
}

describe('recording rules', () => {
  it.each(configs)('%s: every one is read by an alert, a panel or a read rule', (_n, config) => {
    expect(unreadRecords(config)).toEqual([]);
  });
});

describe('rule groups with their own interval', () => {
  it.each(configs)('%s: no alert reads what they record (alerts see every 15 s cycle)', (_n, config) => {
    const groups = ruleGroups(config);
    const slow = new Set(groups.filter((g) => g.interval).flatMap((g) => g.rules.flatMap((r) => ('record' in r ? [r.record] : []))));
    expect(slow.size).toBeGreaterThan(0);
    const alerts = groups.flatMap((g) => g.rules.flatMap((r) => ('alert' in r ? [r.expr] : [])));
    expect(alerts.flatMap((e) => selectorReads(e).map((s) => s.metric)).filter((m) => slow.has(m))).toEqual([]);
  });
});
