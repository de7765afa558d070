// Routing on kube-prometheus-stack, proven with prometheus-operator's own config generation
// (tools/operator-amconfig, built by scripts/install-tools.sh go) and amtool: the bundle's
// AlertmanagerConfig merged into the chart's default base config with the matcher strategy of
// kube-prometheus-stack-values.yaml, then `amtool config routes test` per alert.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MeshobsConfig, parseConfig } from '@meshobs/config';
import { resolveModel, ruleGroups } from '@meshobs/model';
import { inCI, tempDir, toolPath } from '@meshobs/testkit';
import { describe, expect, it } from 'vitest';
import { alertmanagerConfigCR, kubePrometheusStackValues, MATCHER_STRATEGY, meshAlertNames } from '../src/index.ts';
import { runTool } from './helpers.ts';

const bin = toolPath('operator-amconfig');
const BASE = join(import.meta.dirname, 'kube-prometheus-stack-alertmanager.yaml');

const secretValue = (type: string) =>
  type === 'pagerduty' ? 'test-routing-key' : type === 'slack' ? 'https://chat.invalid/services/test' : 'https://hooks.invalid/alerts';

/** The operator's generated alertmanager.yaml for this config and matcher strategy. */
function generate(config: MeshobsConfig, strategy: string): string {
  if (!bin) throw new Error('operator-amconfig not found (scripts/install-tools.sh go)');
  const dir = tempDir('operator-amconfig');
  const cr = join(dir, 'alertmanagerconfig.json');
  writeFileSync(cr, JSON.stringify(alertmanagerConfigCR(resolveModel(config))));
  const ns = config.namespaces.monitoring;
  const secrets = Object.values(config.alertmanager.receivers).map((r) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: r.secret.name, namespace: ns },
    stringData: { [r.secret.key]: secretValue(r.type) },
  }));
  writeFileSync(join(dir, 'secrets.json'), JSON.stringify(secrets));
  const r = spawnSync(
    bin,
    ['--base', BASE, '--namespace', ns, '--strategy', strategy, '--config', cr, '--secrets', join(dir, 'secrets.json')],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  expect(r.status, r.stderr).toBe(0);
  const file = join(dir, 'alertmanager.yaml');
  writeFileSync(file, r.stdout);
  return file;
}

const routesTo = (file: string, receiver: string, labels: Record<string, string>) => {
  const r = runTool('amtool', [
    'config',
    'routes',
    'test',
    `--config.file=${file}`,
    `--verify.receivers=${receiver}`,
    ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
  ]);
  return { ok: r.code === 0, out: r.out };
};

const profiles: Array<[string, MeshobsConfig]> = [
  ['default config', parseConfig({})],
  [
    'SLO alerts, other monitoring namespace, webhook receiver',
    parseConfig({
      namespaces: { monitoring: 'prom-stack' },
      services: [{ name: 'reviews', namespace: 'bookinfo' }],
      alerts: { slo: { enabled: true } },
      alertmanager: { receivers: { warning: { type: 'webhook' } } },
    }),
  ],
];

describe.skipIf((!bin || !toolPath('amtool')) && !inCI)('routing through prometheus-operator (operator-amconfig + amtool)', () => {
  it('the emitted chart values set the strategy the tests generate with', () => {
    expect(kubePrometheusStackValues(parseConfig({}))).toMatch(
      new RegExp(`\nalertmanager:\n  alertmanagerSpec:\n    alertmanagerConfigMatcherStrategy:\n      type: ${MATCHER_STRATEGY}\n$`),
    );
  });

  it.each(profiles)('%s: mesh alerts from any namespace reach the configured receivers, the chart alerts keep theirs', (_n, config) => {
    const file = generate(config, MATCHER_STRATEGY);
    const check = runTool('amtool', ['check-config', file]);
    expect(check.code, check.out).toBe(0);
    expect(check.out).toMatch(/SUCCESS/);

    const ns = config.namespaces.monitoring;
    const { critical, warning } = config.alertmanager.receivers;
    const crit = `${ns}/meshobs/${critical.name}`;
    const warn = `${ns}/meshobs/${warning.name}`;
    const expectRoute = (receiver: string, labels: Record<string, string>) => {
      const r = routesTo(file, receiver, labels);
      expect(r.ok, `${JSON.stringify(labels)} -> ${receiver}: ${r.out}`).toBe(true);
    };
    for (const svcNs of ['shop', 'payments', 'podinfo']) {
      expectRoute(crit, {
        alertname: 'High5xxErrorRate',
        severity: 'critical',
        destination_service_namespace: svcNs,
        destination_service_name: 'checkout',
      });
    }
    expectRoute(warn, {
      alertname: 'HighRequestLatency',
      severity: 'warning',
      destination_service_namespace: 'shop',
      destination_service_name: 'checkout',
    });
    expectRoute(warn, { alertname: 'HighProxyMemoryUsage', severity: 'warning', namespace: 'shop', pod: 'checkout-1' });
    expectRoute(crit, { alertname: 'IstioControlPlaneUnavailable', severity: 'critical', namespace: config.namespaces.istio });
    // not ours: kube-prometheus-stack's own alerts stay on the chart's routing
    expectRoute('null', { alertname: 'Watchdog', severity: 'none' });
    expectRoute('null', { alertname: 'KubePodCrashLooping', severity: 'warning', namespace: 'shop' });
    expectRoute('null', { alertname: 'KubeAPIDown', severity: 'critical' });
    // the routes match whole names only
    expectRoute('null', { alertname: 'High5xxErrorRateX', severity: 'critical', namespace: 'shop' });
  });

  it('every alert the rules fire is routed to its severity receiver', () => {
    const config = profiles[1]![1];
    const file = generate(config, MATCHER_STRATEGY);
    const ns = config.namespaces.monitoring;
    const names = meshAlertNames(ruleGroups(config));
    expect(names).toContain('ServiceAvailabilityErrorBudgetBurn');
    const severity = new Map(
      ruleGroups(config).flatMap((g) => g.rules.flatMap((r) => ('alert' in r ? [[r.alert, r.labels.severity] as const] : []))),
    );
    for (const alert of names) {
      const sev = severity.get(alert)!;
      const receiver = `${ns}/meshobs/${(sev === 'critical' ? config.alertmanager.receivers.critical : config.alertmanager.receivers.warning).name}`;
      const r = routesTo(file, receiver, { alertname: alert, severity: sev, namespace: 'shop' });
      expect(r.ok, `${alert} -> ${receiver}: ${r.out}`).toBe(true);
    }
  });

  it('with the operator default (OnNamespace) a mesh alert reaches only null: the failure this fixes', () => {
    const config = profiles[0]![1];
    const file = generate(config, 'OnNamespace');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(`namespace="${config.namespaces.monitoring}"`);
    const alert = {
      alertname: 'High5xxErrorRate',
      severity: 'critical',
      destination_service_namespace: 'shop',
      destination_service_name: 'checkout',
    };
    expect(routesTo(file, 'null', alert).ok).toBe(true);
    expect(routesTo(file, `${config.namespaces.monitoring}/meshobs/${config.alertmanager.receivers.critical.name}`, alert).ok).toBe(false);
    expect(routesTo(file, 'null', { ...alert, namespace: 'shop' }).ok).toBe(true);
  });
});
