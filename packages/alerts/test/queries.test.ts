// The shared PromQL module: names, the rules behind every exported name, the proxyStatsMatcher contract.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '@meshobs/config';
import {
  ALERT_NAMES,
  burnRates,
  g4,
  humanize,
  humanizeDuration,
  leMatcher,
  ruleGroups,
  SLO_ALERT_NAMES,
  serviceRecordingRules,
} from '@meshobs/model';
import {
  CIRCUIT_BREAKER_ALERT_STATS,
  CIRCUIT_BREAKER_ENVOY_STATS,
  gatewayPodMatcher,
  PROXY_STATS_MATCHER,
  recordNames,
  recordNamesFor,
} from '@meshobs/signals';
import { REPO_ROOT } from '@meshobs/testkit';
import { describe, expect, it } from 'vitest';

const GATEWAY_PODS = gatewayPodMatcher(parseConfig({}));

describe('recording-rule names', () => {
  it('follow level:metric:operations', () => {
    for (const name of Object.values(recordNames('5m'))) expect(name).toMatch(/^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$/);
  });

  it('every exported name is recorded by a rule of the bundle', () => {
    const config = parseConfig({ alerts: { window: '2m' } });
    const recorded = new Set(ruleGroups(config).flatMap((g) => g.rules.flatMap((r) => ('record' in r ? [r.record] : []))));
    for (const name of Object.values(recordNamesFor(config))) expect(recorded, name).toContain(name);
    expect(recordNamesFor(config).serviceRequestRate).toBe('service:istio_requests:rate2m');
  });

  it('server-side rules count each request once (reporter="destination"); gateways use the source reporter', () => {
    for (const r of serviceRecordingRules('5m', GATEWAY_PODS)) {
      if (!/istio_(requests|request_duration|tcp)/.test(r.expr) || !r.expr.includes('rate(')) continue;
      if (r.record.startsWith('gateway')) expect(r.expr).toContain('reporter="source"');
      else expect(r.expr, r.record).toContain('reporter="destination"');
    }
  });

  it('latency quantiles are recorded in seconds with a quantile label', () => {
    const q = serviceRecordingRules('5m', GATEWAY_PODS).filter((r) => r.record === recordNames('5m').serviceLatency);
    expect(q.map((r) => r.labels?.quantile)).toEqual(['0.5', '0.9', '0.99']);
    for (const r of q) expect(r.expr).toMatch(/\/ 1000$/);
  });
});

describe('circuit-breaker stats contract with packages/istio', () => {
  it('the proxyStatsMatcher turns on every Envoy stat the alert reads', () => {
    expect(CIRCUIT_BREAKER_ALERT_STATS.length).toBe(3);
    for (const s of CIRCUIT_BREAKER_ENVOY_STATS) {
      expect(PROXY_STATS_MATCHER.inclusionSuffixes).toContain(s.envoySuffix);
      // envoy_cluster_<suffix with dots as underscores>
      expect(`envoy_cluster_${s.envoySuffix.replace(/\./g, '_')}`).toBe(s.prometheus);
    }
  });

  it('the alert reads every listed stat', () => {
    const text = JSON.stringify(ruleGroups(parseConfig({})));
    for (const stat of CIRCUIT_BREAKER_ALERT_STATS) expect(text).toContain(stat.prometheus);
  });
});

describe('SLO helpers', () => {
  it('derives the SRE-workbook burn factors from a 30d period', () => {
    expect(burnRates('30d').map((b) => b.factor)).toEqual([14.4, 6, 3, 1]);
    expect(burnRates('28d').map((b) => b.factor)).toEqual([13.44, 5.6, 2.8, 0.9333]);
  });

  it('matches le on Prometheus 2 and 3 spellings', () => {
    expect(leMatcher(500)).toBe('le=~"500|500[.]0"');
    expect(leMatcher(0.5)).toBe('le="0.5"');
    expect(leMatcher(3600000)).toBe('le=~"3600000|3[.]6e[+]06"');
  });
});

describe('Go-compatible humanize', () => {
  it.each([
    [0.05, '50m'],
    [1234, '1.234k'],
    [16.666666, '16.67'],
    [2, '2'],
  ])('humanize(%s) = %s', (v, s) => expect(humanize(v)).toBe(s));
  it.each([
    [2.485, '2.485s'],
    [1296000, '15d 0h 0m 0s'],
    [0.25, '250ms'],
    [90, '1m 30s'],
  ])('humanizeDuration(%s) = %s', (v, s) => expect(humanizeDuration(v)).toBe(s));
  it('uses exponents like Go for large numbers', () => expect(g4(123456)).toBe('1.235e+05'));
});

describe('runbooks', () => {
  it.each([...ALERT_NAMES, ...SLO_ALERT_NAMES])('docs/runbooks/%s.md explains, confirms and mitigates', (alert) => {
    const path = join(REPO_ROOT, 'docs', 'runbooks', `${alert}.md`);
    expect(existsSync(path), path).toBe(true);
    const text = readFileSync(path, 'utf8');
    expect(text).toMatch(new RegExp(`^# ${alert}\\b`));
    for (const section of ['## Meaning', '## Confirm', '## Mitigate']) expect(text).toContain(section);
    expect(text).toMatch(/```promql/);
    expect(text).toMatch(/(istioctl|kubectl) /);
  });
});
