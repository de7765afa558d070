// Alertmanager routing, checked by the real amtool.
import { join } from 'node:path';
import { parseConfig } from '@meshobs/config';
import { toYaml } from '@meshobs/kube';
import { ALERT_NAMES, resolveModel, ruleGroups, SEVERITY, SLO_ALERT_NAMES } from '@meshobs/model';
import { missingTools } from '@meshobs/testkit';
import { describe, expect, it } from 'vitest';
import { alertmanagerConfigCR, alertmanagerYaml, INHIBITIONS, MATCHER_STRATEGY, meshAlertNames, renderAlerts } from '../src/index.ts';
import { configs, renderTo, runTool, writeComponent } from './helpers.ts';

const amtoolVersion = (): [number, number] => {
  const m = /version (\d+)\.(\d+)/.exec(runTool('amtool', ['--version']).out);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
};

describe.skipIf(missingTools('amtool'))('amtool', () => {
  it.each(configs)('%s: check-config accepts alertmanager.yml', (_n, config) => {
    const { dir } = renderTo(config);
    const r = runTool('amtool', ['check-config', join(dir, 'alertmanager.yml')]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/SUCCESS/);
    expect(r.out).toMatch(/3 inhibit rules/);
  });

  it.each(configs)('%s: each severity reaches its receiver (config routes test)', (_n, config) => {
    const { dir } = renderTo(config);
    const file = join(dir, 'alertmanager.yml');
    const { critical, warning } = config.alertmanager.receivers;
    const route = (receiver: string, labels: string[]) =>
      runTool('amtool', ['config', 'routes', 'test', `--config.file=${file}`, `--verify.receivers=${receiver}`, ...labels]);
    for (const alert of ALERT_NAMES) {
      const receiver = SEVERITY[alert] === 'critical' ? critical.name : warning.name;
      const r = route(receiver, [`alertname=${alert}`, `severity=${SEVERITY[alert]}`, 'namespace=podinfo']);
      expect(r.code, `${alert} -> ${receiver}: ${r.out}`).toBe(0);
    }
    expect(route(critical.name, ['severity=critical']).code).toBe(0);
    expect(route(warning.name, ['severity=warning']).code).toBe(0);
    // a page never lands in the chat receiver only, and a ticket never pages
    expect(route(warning.name, ['severity=critical']).code).not.toBe(0);
    expect(route(critical.name, ['severity=warning']).code).not.toBe(0);
    // anything without a severity goes to the default (ticket) receiver
    expect(route(warning.name, ['alertname=Unknown']).code).toBe(0);
  });

  it('check-config accepts a webhook receiver (url_file needs Alertmanager >= 0.26)', (ctx) => {
    const [maj, min] = amtoolVersion();
    if (maj === 0 && min < 26) ctx.skip();
    const dir = writeComponent(renderAlerts(resolveModel(parseConfig({ alertmanager: { receivers: { warning: { type: 'webhook' } } } }))));
    const r = runTool('amtool', ['check-config', join(dir, 'alertmanager.yml')]);
    expect(r.code, r.out).toBe(0);
  });
});

describe('routing structure', () => {
  const config = configs[0]![1];
  const am = alertmanagerYaml(resolveModel(config)) as {
    route: { group_by: string[]; group_wait: string; group_interval: string; routes: Array<{ receiver: string; repeat_interval: string }> };
    inhibit_rules: Array<{ source_matchers: string[]; target_matchers: string[]; equal: string[] }>;
    receivers: Array<Record<string, unknown>>;
  };

  it('groups by alertname, namespace and service', () => {
    expect(am.route.group_by).toEqual(expect.arrayContaining(['alertname', 'namespace', 'service', 'destination_service_name']));
  });

  it('takes the escalation timings from the config', () => {
    const c = parseConfig({ alertmanager: { groupWait: '10s', groupInterval: '2m', repeatInterval: { critical: '15m', warning: '1d' } } });
    const y = alertmanagerYaml(resolveModel(c)) as typeof am;
    expect(y.route.group_wait).toBe('10s');
    expect(y.route.group_interval).toBe('2m');
    expect(y.route.routes.map((r) => r.repeat_interval)).toEqual(['15m', '1d']);
  });

  it('control plane down inhibits PilotPushErrors; gateway down inhibits its 5xx alert', () => {
    expect(am.inhibit_rules).toContainEqual({
      source_matchers: ['alertname="IstioControlPlaneUnavailable"'],
      target_matchers: ['alertname="PilotPushErrors"'],
      equal: ['namespace'],
    });
    expect(am.inhibit_rules).toContainEqual({
      source_matchers: ['alertname="IstioGatewayUnhealthy"', 'signal=~"no_available_replicas|scrape_targets_down"'],
      target_matchers: ['alertname="IstioGatewayUnhealthy"', 'signal="5xx_error_rate"'],
      equal: ['namespace', 'istio'],
    });
    expect(INHIBITIONS).toHaveLength(am.inhibit_rules.length);
  });

  it('never holds a secret: receivers read files mounted from the referenced Secrets', () => {
    const text = toYaml(am);
    expect(text).toContain('routing_key_file: /etc/alertmanager/secrets/alertmanager-pagerduty/url');
    expect(text).toContain('api_url_file: /etc/alertmanager/secrets/alertmanager-slack/url');
    expect(text).not.toMatch(/routing_key:|api_url:|service_key:|\burl: /);
    const cr = toYaml(alertmanagerConfigCR(resolveModel(config)));
    expect(cr).toMatch(/routingKey:\n\s+name: alertmanager-pagerduty\n\s+key: url/);
    expect(cr).toMatch(/apiURL:\n\s+name: alertmanager-slack\n\s+key: url/);
  });

  it('the AlertmanagerConfig CR routes and inhibits the same way', () => {
    const cr = alertmanagerConfigCR(resolveModel(config)) as unknown as {
      spec: { route: { groupBy: string[]; routes: Array<{ receiver: string; matchers: unknown[] }> }; inhibitRules: unknown[] };
    };
    expect(cr.spec.route.groupBy).toEqual(am.route.group_by);
    expect(cr.spec.route.routes.map((r) => r.receiver)).toEqual(am.route.routes.map((r) => r.receiver));
    expect(cr.spec.inhibitRules).toHaveLength(am.inhibit_rules.length);
  });
});

describe('AlertmanagerConfig on kube-prometheus-stack (the operator merges it into the chart config)', () => {
  type Matcher = { name: string; value: string; matchType: string };
  type CR = { spec: { route: { matchers: Matcher[] }; inhibitRules: Array<{ sourceMatch: Matcher[]; targetMatch: Matcher[] }> } };

  it.each(configs)('%s: the top route matches exactly the alert names the rules fire', (_n, config) => {
    const names = ruleGroups(config).flatMap((g) => g.rules.flatMap((r) => ('alert' in r ? [r.alert] : [])));
    expect(meshAlertNames(ruleGroups(config))).toEqual([...new Set(names)].sort());
    const cr = alertmanagerConfigCR(resolveModel(config)) as unknown as CR;
    const [m] = cr.spec.route.matchers;
    expect(cr.spec.route.matchers).toHaveLength(1);
    expect(m).toMatchObject({ name: 'alertname', matchType: '=~' });
    const re = new RegExp(`^(?:${m!.value})$`);
    for (const n of names) expect(re.test(n), n).toBe(true);
    for (const other of ['Watchdog', 'KubePodCrashLooping', 'InfoInhibitor', 'High5xxErrorRateX', ''])
      expect(re.test(other), other).toBe(false);
    const slo = config.alerts.slo.enabled && resolveModel(config).services.length > 0;
    for (const n of SLO_ALERT_NAMES) expect(re.test(n), n).toBe(slo);
  });

  it.each(configs)('%s: every inhibition names mesh alerts on both sides (the CR sees every alert of the cluster)', (_n, config) => {
    const cr = alertmanagerConfigCR(resolveModel(config)) as unknown as CR;
    const re = (ms: Matcher[]) => ms.filter((m) => m.name === 'alertname').map((m) => new RegExp(`^(?:${m.value})$`));
    for (const rule of cr.spec.inhibitRules) {
      for (const side of [rule.sourceMatch, rule.targetMatch]) {
        const res = re(side);
        expect(res.length, JSON.stringify(side)).toBeGreaterThan(0);
        expect(res.some((r) => r.test('KubePodCrashLooping'))).toBe(false);
      }
    }
  });

  it('the bundle carries the chart values that select the matcher strategy, outside the kustomization', () => {
    const bundle = renderAlerts(resolveModel(configs[0]![1]));
    const values = bundle.files.find((f) => f.path === 'kube-prometheus-stack-values.yaml');
    expect(values?.content).toContain(`alertmanagerConfigMatcherStrategy:\n      type: ${MATCHER_STRATEGY}\n`);
    expect(values?.content).toMatch(/^# .*Sets only alertmanager\.alertmanagerSpec\.alertmanagerConfigMatcherStrategy\.type/m);
    expect(bundle.objects.map((o) => o.kind)).not.toContain('ConfigMap');
  });
});
