// The same 8 alerts as the bundle, written the way they are without recording rules: every alert
// that reads a recorded series gets the raw-series expression instead. Alerts that already read
// raw series keep their exact bundle expression, so only the recording rules make the difference.

import type { MeshobsConfig } from '@meshobs/config';
import { ALERT_NAMES } from '@meshobs/model';
import { errorRequestRate, gatewaySignals, LEVELS, latencySeconds, on, recordNames, requestRate, SERVICE_LABELS } from '@meshobs/signals';
import { parse, stringify } from 'yaml';

interface RuleText {
  record?: string;
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
  [key: string]: unknown;
}

/** Raw expressions for the alerts (and signals) that read recording rules in the bundle. */
export function rawAlertExprs(config: MeshobsConfig): Record<string, string> {
  const a = config.alerts;
  const w = a.window;
  const onSvc = on(SERVICE_LABELS);
  const requests = requestRate(w, SERVICE_LABELS);
  const gw = gatewaySignals(config);
  return {
    High5xxErrorRate: `${errorRequestRate(w, SERVICE_LABELS)}\n/\n${requests}\n> ${a.high5xxErrorRate.threshold}\nand ${onSvc}\n${requests} >= ${a.high5xxErrorRate.minRequestRate}`,
    HighRequestLatency: `${latencySeconds('0.99', w, SERVICE_LABELS)}\n> ${a.highRequestLatency.p99Seconds}\nand ${onSvc}\n${requests} >= ${a.highRequestLatency.minRequestRate}`,
    // No gateway enabled: the bundle has no gateway alert either.
    ...(gw.pods
      ? {
          'IstioGatewayUnhealthy/5xx_error_rate': `${gw.errorRequestRate(w)}\n/\n${gw.requestRate(w)}\n> ${a.high5xxErrorRate.threshold}\nand ${on(LEVELS.gateway)}\n${gw.requestRate(w)} >= ${a.high5xxErrorRate.minRequestRate}`,
        }
      : {}),
  };
}

const readsRecordedSeries = (expr: string, recorded: string[]) => recorded.some((name) => expr.includes(name));

/** A rules file (YAML) with one group holding the naive form of every alerting rule of the 8 alerts. */
export function naiveRulesYaml(bundleRulesYaml: string, config: MeshobsConfig): string {
  const doc = parse(bundleRulesYaml) as { groups: { name: string; rules: RuleText[] }[] };
  const recorded = [
    ...new Set([
      ...Object.values(recordNames(config.alerts.window)),
      ...doc.groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : []))),
    ]),
  ];
  const raw = rawAlertExprs(config);
  const names = new Set<string>(ALERT_NAMES);
  const rules: RuleText[] = [];
  for (const g of doc.groups)
    for (const r of g.rules) {
      if (!r.alert || !names.has(r.alert)) continue;
      let expr = r.expr;
      if (readsRecordedSeries(expr, recorded)) {
        const replacement = raw[`${r.alert}/${r.labels?.signal ?? ''}`] ?? raw[r.alert];
        if (!replacement) throw new Error(`no raw-series form for alert ${r.alert} (${r.labels?.signal ?? 'no signal'}): ${expr}`);
        expr = replacement;
      }
      rules.push({ ...r, expr });
    }
  return stringify({ groups: [{ name: 'naive.istio.alerts', rules }] }, { lineWidth: 0 });
}
