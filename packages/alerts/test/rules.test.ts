// The rules and their promtool unit tests, run by the real promtool.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MeshobsConfig, parseConfig } from '@meshobs/config';
import { toYaml } from '@meshobs/kube';
import { ALERT_NAMES, ALERTS, type AlertingRule, resolveModel, ruleGroups, SLO_ALERT_NAMES } from '@meshobs/model';
import { ENVOY_LISTENER_METRICS } from '@meshobs/signals';
import { inCI, missingTools, toolPath } from '@meshobs/testkit';
import { describe, expect, it } from 'vitest';
import { prometheusRule, renderAlerts, renderRuleTests, type TestCase } from '../src/index.ts';
import { configs, renderTo, runTool } from './helpers.ts';

/** SLO alerts are rendered for the services the model names (the listed ones, the demo's). */
const hasSlo = (config: MeshobsConfig) => config.alerts.slo.enabled && resolveModel(config).services.length > 0;

const alertRules = (groups: ReturnType<typeof ruleGroups>) => groups.flatMap((g) => g.rules.filter((r): r is AlertingRule => 'alert' in r));

describe('rule structure', () => {
  it.each(configs)('%s: every alert has a severity, summary, templated description and runbook_url', (_n, config) => {
    const rules = alertRules(ruleGroups(config));
    const names = new Set(rules.map((r) => r.alert));
    for (const a of ALERT_NAMES) expect(names).toContain(a);
    if (hasSlo(config)) for (const a of SLO_ALERT_NAMES) expect(names).toContain(a);
    for (const r of rules) {
      expect(['critical', 'warning']).toContain(r.labels.severity);
      expect(r.annotations.summary).not.toMatch(/\{\{/);
      expect(r.annotations.description).toMatch(/\{\{ \$(value|labels\.)/);
      expect(r.annotations.runbook_url).toBe(`${config.alerts.runbookBaseUrl.replace(/\/+$/, '')}/${r.alert}.md`);
      for (const [k, v] of Object.entries(config.alerts.extraLabels)) expect(r.labels[k]).toBe(v);
    }
  });

  it.each(configs)('%s: every signal of the multi-signal alerts is its own rule', (_n, config) => {
    const rules = alertRules(ruleGroups(config));
    for (const { name: alert, signals } of ALERTS.filter((a) => a.signals.length && rules.some((r) => r.alert === a.name)))
      expect(
        rules
          .filter((r) => r.alert === alert)
          .map((r) => r.labels.signal)
          .sort(),
      ).toEqual([...signals].sort());
  });

  it.each(configs)('%s: rules select on the configured job names and never on pilot_xds_push_errors', (_n, config) => {
    const text = toYaml({ groups: ruleGroups(config) });
    const j = config.prometheus.jobs;
    expect(text).toContain(`up{job="${j.istiod}"}`);
    expect(text).toContain(`job="${j.envoy}"`);
    expect(text).toContain(`job="${j.kubeStateMetrics}"`);
    expect(text).toContain(`job="${j.cadvisor}"`);
    expect(text).not.toContain('pilot_xds_push_errors');
    expect(text).toContain('citadel_server_root_cert_expiry_timestamp');
    expect(text).toContain('citadel_server_root_cert_expiry_seconds');
  });

  it('gateway alerts and rules select the configured gateways only', () => {
    const text = toYaml({ groups: ruleGroups(configs[2]![1]) });
    expect(text).toContain('deployment=~"edge-gateway|istio-egress-internal"');
    expect(text).toContain('istio=~"edge-gateway|egress-internal"');
    expect(text).not.toMatch(/ingressgateway|egressgateway/);
    // No gateway enabled: no gateway rule (an empty alternation would select every sidecar).
    const none = toYaml({
      groups: ruleGroups(parseConfig({ istio: { gateways: { ingress: { enabled: false }, egress: { enabled: false } } } })),
    });
    expect(none).not.toContain('IstioGatewayUnhealthy');
    expect(none).not.toMatch(/gateway:istio_requests/);
    expect(none).not.toContain('istio=~');
  });

  it('the PrometheusRule carries exactly the groups of rules.yml, with the release label', () => {
    const config = configs[2]![1];
    const b = renderAlerts(resolveModel(config));
    const rules = b.files.find((f) => f.path === 'rules.yml')!.content;
    const cr = b.objects.find((o) => o.kind === 'PrometheusRule')!;
    expect(cr.metadata.labels?.release).toBe(config.prometheus.release);
    expect(cr.metadata.namespace).toBe(config.namespaces.monitoring);
    expect(toYaml({ groups: (cr.spec as { groups: unknown }).groups })).toBe(rules.replace(/^#.*\n/gm, ''));
  });
});

describe('rule unit tests cover every alert and signal', () => {
  const firing = (tests: TestCase[], alert: string, signal?: string) =>
    tests.filter(
      (t) =>
        t.alert_rule_test?.some((c) => c.alertname === alert && c.exp_alerts.some((e) => !signal || e.exp_labels.signal === signal)) &&
        t.alert_rule_test.some((c) => c.alertname === alert && c.exp_alerts.length > 0),
    );
  const silent = (tests: TestCase[], alert: string) =>
    tests.filter(
      (t) =>
        t.alert_rule_test?.length &&
        t.alert_rule_test.every((c) => c.alertname !== alert || c.exp_alerts.length === 0) &&
        t.alert_rule_test.some((c) => c.alertname === alert),
    );

  it.each(configs)('%s', (_n, config) => {
    const { suites, skipped } = renderRuleTests(resolveModel(config));
    expect(skipped).toEqual([]);
    const all = suites.flatMap((s) => s.tests);
    const names: string[] = [...ALERT_NAMES, ...(hasSlo(config) ? SLO_ALERT_NAMES : [])];
    for (const alert of names) {
      const fires = firing(all, alert);
      expect(fires.length, `${alert} has an incident test`).toBeGreaterThan(0);
      expect(silent(all, alert).length, `${alert} has a silent test`).toBeGreaterThan(0);
      // `for` holds: each incident test checks the minute before the first firing, with no alert
      const boundary = fires.filter((t) => !t.name.endsWith('after healthy traffic'));
      expect(boundary.length, `${alert} has a \`for\` boundary test`).toBeGreaterThan(0);
      for (const t of boundary) {
        const checks = t.alert_rule_test!.filter((c) => c.alertname === alert);
        const first = checks.findIndex((c) => c.exp_alerts.length > 0);
        expect(first, `${t.name}: checks the evaluation before firing`).toBeGreaterThan(0);
        expect(checks[first - 1]!.exp_alerts).toEqual([]);
        expect(parseInt(checks[first]!.eval_time, 10) - parseInt(checks[first - 1]!.eval_time, 10)).toBe(1);
      }
    }
    for (const { name: alert, signals } of ALERTS.filter(
      (a) => a.signals.length && all.some((t) => t.alert_rule_test?.some((c) => c.alertname === a.name)),
    ))
      for (const signal of signals) expect(firing(all, alert, signal).length, `${alert} fires on ${signal}`).toBeGreaterThan(0);
    for (const flag of ['UO', 'URX', 'UH'])
      expect(all.some((t) => t.alert_rule_test?.some((c) => c.exp_alerts.some((e) => e.exp_labels.response_flags === flag)))).toBe(true);
    // per-service alerts carry the two service labels
    for (const t of [...firing(all, 'High5xxErrorRate'), ...firing(all, 'HighRequestLatency')])
      for (const c of t.alert_rule_test!)
        for (const e of c.exp_alerts)
          expect(Object.keys(e.exp_labels)).toEqual(expect.arrayContaining(['destination_service_name', 'destination_service_namespace']));
    // low-traffic guards
    for (const alert of [
      'High5xxErrorRate',
      'HighRequestLatency',
      'IstioGatewayUnhealthy',
      ...(hasSlo(config) ? ['ServiceAvailabilityErrorBudgetBurn'] : []),
    ])
      expect(all.some((t) => t.name.startsWith(alert) && /low-traffic guard/.test(t.name))).toBe(true);
    // no traffic and missing data
    for (const alert of ALERT_NAMES.filter((a) => a !== 'IstioControlPlaneUnavailable'))
      expect(
        all.some((t) => t.name.startsWith(alert) && /missing data/.test(t.name)),
        `${alert}: missing data`,
      ).toBe(true);
    for (const alert of ['High5xxErrorRate', 'HighRequestLatency', 'IstioGatewayUnhealthy'])
      expect(
        all.some((t) => t.name.startsWith(alert) && /no traffic/.test(t.name)),
        `${alert}: no traffic`,
      ).toBe(true);
  });
});

describe.skipIf(missingTools('promtool'))('promtool', () => {
  // `promtool3`: the Prometheus 3 promtool (scripts/install-tools.sh e2e) beside Debian's 2.x one (left-open
  // range windows, normalised `le`); rules and suites must pass on both major versions. Required in CI.
  const promtools = ['promtool', ...(toolPath('promtool3') || inCI ? ['promtool3'] : [])];
  it.each(configs.flatMap(([n, c]) => promtools.map((t) => [`${n} (${t})`, c, t] as const)))(
    '%s: check rules --lint=all --lint-fatal',
    (_n, config, tool) => {
      const { dir } = renderTo(config);
      const r = runTool(tool, ['check', 'rules', '--lint=all', '--lint-fatal', join(dir, 'rules.yml')]);
      expect(r.out).toMatch(/SUCCESS/);
      expect(r.code, r.out).toBe(0);
    },
  );

  it.each(configs.flatMap(([n, c]) => promtools.map((t) => [`${n} (${t})`, c, t] as const)))(
    '%s: test rules (every suite rendered from the config)',
    (_n, config, tool) => {
      const { dir } = renderTo(config);
      const files = readdirSync(join(dir, 'tests'))
        .filter((f) => f.endsWith('.yml'))
        .sort();
      expect(files.length).toBeGreaterThanOrEqual(10);
      const r = runTool(tool, ['test', 'rules', ...files.map((f) => join('tests', f))], dir);
      expect(r.code, r.out).toBe(0);
      expect(r.out).not.toMatch(/FAILED/);
    },
    600_000,
  );

  // The suites must be able to fail: each mutation of the rules below breaks at least one of them.
  const mutations: Array<[string, (rules: string) => string, string]> = [
    [
      'both reporters counted',
      (s) => s.replaceAll('rate(istio_requests_total{reporter="destination"}[5m])', 'rate(istio_requests_total[5m])'),
      'recording-rules',
    ],
    [
      'threshold ignored',
      (s) => s.replace('service:istio_requests_5xx:ratio_rate5m > 0.05', 'service:istio_requests_5xx:ratio_rate5m > 0'),
      'High5xxErrorRate',
    ],
    [
      'low-traffic guard dropped',
      (s) =>
        s.replace(
          /\n\s*and on \(cluster, destination_service_namespace, destination_service_name\)\n\s*service:istio_requests:rate5m >= 1\n/,
          '\n',
        ),
      'High5xxErrorRate',
    ],
    ['`for` shortened', (s) => s.replace(/(alert: PilotPushErrors\n(?:.*\n){1,3}?\s*for: )5m/, '$14m'), 'PilotPushErrors'],
    [
      'absent() signal dropped',
      (s) => s.replace('absent(up{job="istiod"})', 'absent(up{job="istiod", never="set"}) and on() vector(0) == 1'),
      'IstioControlPlaneUnavailable',
    ],
    [
      'gateway label not kept',
      (s) => s.replaceAll('istio=~"ingressgateway|egressgateway"', 'istio=~"ingress|egress"'),
      'IstioGatewayUnhealthy',
    ],
    [
      'cert _seconds ignored',
      (s) => s.replace(/min by \(cluster, namespace\) \(citadel_server_root_cert_expiry_seconds\{job="istiod"\}\)\n\s*or\n/, ''),
      'CertificateExpiringSoon',
    ],
    ['UH flag dropped', (s) => s.replace('response_flags=~".*(UO|URX|UH).*"', 'response_flags=~".*(UO|URX).*"'), 'CircuitBreakerTriggered'],
    [
      'BlackHoleCluster matcher widened to PassthroughCluster',
      (s) => s.replaceAll('destination_service_name="BlackHoleCluster"', 'destination_service_name=~"BlackHoleCluster|PassthroughCluster"'),
      'EgressTrafficBlocked',
    ],
    [
      'TCP BlackHoleCluster connections not read',
      (s) =>
        s.replace(
          /istio_tcp_connections_opened_total\{reporter="source", destination_service_name="BlackHoleCluster"\}/,
          'istio_tcp_connections_opened_total{reporter="never"}',
        ),
      'EgressTrafficBlocked',
    ],
    [
      'TLS handshake minimum rate dropped (a lone scanner pages)',
      (s) => s.replace(new RegExp(`(${ENVOY_LISTENER_METRICS.sslHandshake}\\{[^}]*\\}\\[5m\\]\\)\\)\\)) >= 1\n`), '$1 >= 0\n'),
      'EdgeTlsHandshakeFailures',
    ],
    [
      'TLS failed-handshake ratio threshold ignored',
      (s) => s.replace(new RegExp(`(${ENVOY_LISTENER_METRICS.sslHandshake}\\{[^}]*\\}\\[5m\\]\\)\\)\\)) > 0.2\n`), '$1 > 0\n'),
      'EdgeTlsHandshakeFailures',
    ],
  ];
  it.each(mutations)(
    'fails when the rules are broken: %s',
    (_what, mutate, suite) => {
      const { dir } = renderTo(parseConfig({}));
      const path = join(dir, 'rules.yml');
      const before = readFileSync(path, 'utf8');
      const after = mutate(before);
      expect(after, 'the mutation applies').not.toBe(before);
      writeFileSync(path, after);
      const r = runTool('promtool', ['test', 'rules', join('tests', `${suite}.yml`)], dir);
      expect(r.code, r.out).not.toBe(0);
      expect(r.out).toMatch(/FAILED/);
    },
    300_000,
  );
});

describe('bundle files', () => {
  it('names the files the CLI validators look for', () => {
    const b = renderAlerts(resolveModel(configs[0]![1]));
    const paths = b.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['rules.yml', 'alertmanager.yml', 'scrape-configs.yml']));
    expect(paths.filter((p) => /^tests\/.+\.yml$/.test(p)).length).toBeGreaterThanOrEqual(10);
    expect(b.warnings).toEqual([]);
  });

  it('warns when a latency SLO threshold is not an Istio bucket bound', () => {
    const b = renderAlerts(
      resolveModel(parseConfig({ services: [{ name: 'podinfo', namespace: 'podinfo', slo: { latencyThresholdSeconds: 0.3 } }] })),
    );
    expect(b.warnings.join('\n')).toMatch(/not an Istio histogram bucket bound; the latency SLO counts requests under 0.5s/);
  });

  it('PrometheusRule CR is named and labelled for kube-prometheus-stack', () => {
    const c = configs[2]![1];
    const cr = prometheusRule(resolveModel(c));
    expect(cr.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(cr.metadata.labels?.release).toBe(c.prometheus.release);
  });
});
