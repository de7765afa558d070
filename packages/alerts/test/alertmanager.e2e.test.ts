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

/**
 * When the inhibitions are final. Alertmanager computes an alert's inhibitedBy when the API lists it,
 * from the sources the inhibitor has read so far; the inhibitor reads the posted alerts one by one, in
 * the order the store received them (alertmanager v0.25.0 api/v2/api.go postAlertsHandler Puts them
 * in request order; provider/mem/mem.go Put hands each to every subscriber's channel in turn;
 * inhibit/inhibit.go run reads its channel). So once the sync target, posted after every other alert
 * and the sync source, is listed as inhibited, every source before it has been read.
 */
const SYNC = { source: 'MeshobsTestSyncSource', target: 'MeshobsTestSyncTarget' };

describe.skipIf(!bin && !inCI)('Alertmanager inhibition (real alertmanager)', () => {
  let url = '';
  beforeAll(async () => {
    if (!bin) throw new Error('alertmanager not found (apt-get install prometheus-alertmanager)');
    const dir = tempDir('am');
    // The generated routing and inhibit rules, with the receivers' integrations removed: nothing is
    // ever sent anywhere from a test.
    const am = alertmanagerYaml(resolveModel(parseConfig({}))) as { receivers: Array<{ name: string }>; inhibit_rules: unknown[] };
    am.receivers = am.receivers.map((r) => ({ name: r.name }));
    // Test-only, after the generated rules: a rule of its own that tells when the inhibitor has read
    // every alert posted before its source (see SYNC).
    am.inhibit_rules.push({ source_matchers: [`alertname="${SYNC.source}"`], target_matchers: [`alertname="${SYNC.target}"`] });
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
      body: JSON.stringify([...alerts, { alertname: SYNC.source }, { alertname: SYNC.target }].map(alert)),
    });
    expect(res.status).toBe(200);
    type Got = { labels: Record<string, string>; status: { state: string; inhibitedBy: string[] } };
    const list = async () => (await (await fetch(`${url}/api/v2/alerts`)).json()) as Got[];
    await waitUntil(
      async () => (await list()).some((a) => a.labels.alertname === SYNC.target && a.status.inhibitedBy.length > 0),
      30_000,
      'the inhibitor to read every posted alert',
    );
    // Listed again: the list that showed the sync may have judged other alerts before it got there.
    const got = await list();
    const mine = got.filter((a) => a.labels.alertname !== SYNC.source && a.labels.alertname !== SYNC.target);
    expect(mine).toHaveLength(alerts.length);
    const suppressed = mine
      .filter((a) => a.status.inhibitedBy.length > 0)
      .map((a) => `${a.labels.alertname}/${a.labels.signal ?? a.labels.severity}/${a.labels.istio ?? a.labels.namespace ?? ''}`);
    expect(suppressed.sort()).toEqual(
      [
        'IstioGatewayUnhealthy/5xx_error_rate/ingressgateway',
        'PilotPushErrors/push_send_errors/istio-system',
        'ServiceAvailabilityErrorBudgetBurn/warning/',
      ].sort(),
    );
  });
});
