// Inhibition, proven by a real Alertmanager on loopback: alerts posted to its API, inhibited ones read back.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '@meshobs/config';
import { toYaml } from '@meshobs/kube';
import { resolveModel } from '@meshobs/model';
import { freePort, inCI, startProcess, stopAll, tempDir, toolPath, waitUntil } from '@meshobs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerYaml } from '../src/index.ts';

// Debian installs the server as prometheus-alertmanager.
const bin = toolPath('alertmanager') ?? toolPath('prometheus-alertmanager');

describe.skipIf(!bin && !inCI)('Alertmanager inhibition (real alertmanager)', () => {
  let url = '';
  beforeAll(async () => {
    if (!bin) throw new Error('alertmanager not found (apt-get install prometheus-alertmanager)');
    const dir = tempDir('am');
    // The generated routing and inhibit rules, with the receivers' integrations removed: nothing is
    // ever sent anywhere from a test.
    const am = alertmanagerYaml(resolveModel(parseConfig({}))) as { receivers: Array<{ name: string }> };
    am.receivers = am.receivers.map((r) => ({ name: r.name }));
    writeFileSync(join(dir, 'alertmanager.yml'), toYaml(am));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    await startProcess(
      'alertmanager',
      bin,
      [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
      ],
      { readyUrl: `${url}/-/ready`, timeoutMs: 60_000 },
    );
  });
  afterAll(stopAll);

  const alert = (labels: Record<string, string>) => ({
    labels,
    annotations: { summary: 'test' },
    startsAt: new Date(Date.now() - 60_000).toISOString(),
    endsAt: new Date(Date.now() + 3_600_000).toISOString(),
  });

  it('silences PilotPushErrors under a down control plane and a gateway 5xx under a down gateway', async () => {
    const alerts: Array<Record<string, string>> = [
      { alertname: 'IstioControlPlaneUnavailable', severity: 'critical', signal: 'targets_down', namespace: 'istio-system', job: 'istiod' },
      { alertname: 'PilotPushErrors', severity: 'warning', signal: 'push_send_errors', namespace: 'istio-system', type: 'eds_senderr' },
      { alertname: 'PilotPushErrors', severity: 'warning', signal: 'xds_rejects', namespace: 'istio-canary' },
      {
        alertname: 'IstioGatewayUnhealthy',
        severity: 'critical',
        signal: 'no_available_replicas',
        namespace: 'istio-system',
        istio: 'ingressgateway',
        deployment: 'istio-ingressgateway',
      },
      {
        alertname: 'IstioGatewayUnhealthy',
        severity: 'critical',
        signal: '5xx_error_rate',
        namespace: 'istio-system',
        istio: 'ingressgateway',
      },
      {
        alertname: 'IstioGatewayUnhealthy',
        severity: 'critical',
        signal: '5xx_error_rate',
        namespace: 'istio-system',
        istio: 'egressgateway',
      },
      {
        alertname: 'ServiceAvailabilityErrorBudgetBurn',
        severity: 'critical',
        slo: 'availability',
        destination_service_namespace: 'podinfo',
        destination_service_name: 'podinfo',
      },
      {
        alertname: 'ServiceAvailabilityErrorBudgetBurn',
        severity: 'warning',
        slo: 'availability',
        destination_service_namespace: 'podinfo',
        destination_service_name: 'podinfo',
      },
    ];
    const res = await fetch(`${url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts.map(alert)),
    });
    expect(res.status).toBe(200);
    type Got = { labels: Record<string, string>; status: { state: string; inhibitedBy: string[] } };
    let got: Got[] = [];
    const suppressed = () =>
      got
        .filter((a) => a.status.inhibitedBy.length > 0)
        .map((a) => `${a.labels.alertname}/${a.labels.signal ?? a.labels.severity}/${a.labels.istio ?? a.labels.namespace ?? ''}`);
    await waitUntil(
      async () => {
        got = (await (await fetch(`${url}/api/v2/alerts`)).json()) as Got[];
        return got.length === alerts.length && suppressed().length >= 3;
      },
      30_000,
      'the inhibitions to apply',
    );
    // give late inhibitions a moment, then read the final state
    await new Promise((r) => setTimeout(r, 1000));
    got = (await (await fetch(`${url}/api/v2/alerts`)).json()) as Got[];
    expect(suppressed().sort()).toEqual(
      [
        'IstioGatewayUnhealthy/5xx_error_rate/ingressgateway',
        'PilotPushErrors/push_send_errors/istio-system',
        'ServiceAvailabilityErrorBudgetBurn/warning/',
      ].sort(),
    );
  });
});
