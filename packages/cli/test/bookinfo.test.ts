// A user's own mesh, as a new user tries it: bookinfo-style services (productpage, reviews with three
// versions, ratings, details) in `bookinfo`, checkout in `shop`, a plain Prometheus in `prom`, Grafana with
// the grafana-operator in `grafana`, two teams, one per-service threshold, no demo. The bundle must leave the
// user's namespaces alone (no object in them, no Namespace object for them), draw no phantom canary, route
// each team's alerts to that team (amtool), fire on the service's own threshold with its owner (promtool on
// the bundle's own rules), and scrape every job it reads.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MeshobsConfigInput, parseConfig } from '@meshobs/config';
import { assembleBundle, toYaml } from '@meshobs/kube';
import { missingTools, tempDir, toolPath } from '@meshobs/testkit';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderComponents } from '../src/render.ts';
import { jobsProduced, jobsRead } from './jobs-kit.ts';

const BOOKINFO: MeshobsConfigInput = {
  profile: { prometheus: 'plain', operators: { grafana: true } },
  namespaces: { monitoring: 'prom' },
  grafana: { namespace: 'grafana' },
  services: [
    { name: 'productpage', namespace: 'bookinfo', port: 9080, owner: 'books' },
    {
      name: 'reviews',
      namespace: 'bookinfo',
      port: 9080,
      owner: 'books',
      versions: [
        { name: 'v1', weight: 34 },
        { name: 'v2', weight: 33 },
        { name: 'v3', weight: 33 },
      ],
      alerts: { high5xxErrorRate: { threshold: 0.02 } },
    },
    { name: 'ratings', namespace: 'bookinfo', port: 9080, owner: 'books' },
    { name: 'details', namespace: 'bookinfo', port: 9080 },
    { name: 'checkout', namespace: 'shop', port: 8080, owner: 'payments' },
  ],
  alertmanager: {
    teams: {
      books: { type: 'slack', secret: { name: 'am-books' } },
      payments: { type: 'pagerduty', secret: { name: 'am-payments' } },
    },
  },
};

const config = parseConfig(BOOKINFO);
const bundles = renderComponents(config);
const files = assembleBundle(bundles);
const objects = bundles.flatMap((b) => b.objects);
const USER_NAMESPACES = ['bookinfo', 'shop'];

describe('a bookinfo-style mesh of the user', () => {
  it("creates nothing in the user's namespaces and declares none of them (delete -k cannot remove them)", () => {
    expect(objects.filter((o) => USER_NAMESPACES.includes(o.metadata.namespace ?? '')).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(
      [],
    );
    // Not even the trace pipeline's: the user's search-engine Secrets live there (the label script creates it).
    expect(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)).toEqual([]);
    expect(bundles.find((b) => b.name === 'demo')!.objects).toEqual([]);
    // Nothing routes or selects `hosts: "*"` either: without the demo the only routing is the edge's, the
    // observability UIs on the bundle's own Gateway (docs/edge-ingress.md), each to a UI, none to the user's services.
    const routing = objects.filter((o) => ['Gateway', 'VirtualService', 'DestinationRule'].includes(o.kind));
    expect(routing.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'Gateway observability/meshobs-ingress',
      'VirtualService observability/jaeger-ui',
      'VirtualService observability/kiali-ui',
    ]);
    expect(JSON.stringify(routing)).not.toMatch(/"\*"|\.(bookinfo|shop)\.svc/);
    // The label script labels them (skipping one that does not exist), and nothing the config does not name.
    const script = files.get('namespaces/label-existing-namespaces.sh')!;
    expect(script).toContain(`LABELS='istio-injection=enabled' label bookinfo "$@"`);
    expect(script).toContain(`LABELS='istio-injection=enabled' label shop "$@"`);
    expect(script).toContain(`LABELS='istio-injection=disabled' label prom "$@"`);
    expect(script).toContain(`LABELS='istio-injection=enabled' create_and_label ${config.namespaces.observability} "$@"`);
    expect(script).not.toMatch(/label (default|podinfo|monitoring) /);
  });

  it('builds with no warning about what its profile lacks: only the Grafana token it did not name', () => {
    const warnings = bundles.flatMap((b) => b.warnings);
    expect(warnings).toEqual([expect.stringMatching(/^kiali\.grafanaToken is not set/)]);
    expect(warnings.join('\n')).not.toMatch(/kube-prometheus-stack's Grafana|kube-prometheus-stack-values/);
  });

  it('one metrics PodMonitor per service, in the Prometheus namespace, selecting the service by its app label', () => {
    const monitors = objects.filter((o) => o.kind === 'PodMonitor' && o.metadata.name.startsWith('meshobs-app-'));
    expect(monitors.map((m) => m.metadata.name).sort()).toEqual(config.services.map((s) => `meshobs-app-${s.namespace}-${s.name}`).sort());
    for (const m of monitors) expect(m.metadata.namespace).toBe('prom');
  });

  it('dashboards go to the Grafana namespace; reviews draws its three configured versions and nobody a canary', () => {
    const dashboards = objects.filter((o) => o.kind === 'GrafanaDashboard');
    expect(dashboards.length).toBe(3);
    for (const d of dashboards) expect(d.metadata.namespace).toBe('grafana');
    const service = files.get('dashboards/meshobs-service.json')!;
    for (const v of ['v1', 'v2', 'v3']) expect(service).toContain(`${v} (configured)`);
    expect(service).not.toMatch(/canary \(configured\)|stable \(configured\)/);
    // The Jaeger UI admits Grafana's namespace (its trace links), not the monitoring one's Grafana.
    const query = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === `${config.jaeger.name}-query`)!;
    expect(JSON.stringify(query)).toContain('"kubernetes.io/metadata.name":"grafana"');
  });

  it('a plain Prometheus gets only scrape configs: no kube-prometheus-stack values, every job it reads scraped', () => {
    expect([...files.keys()].filter((f) => f.includes('kube-prometheus-stack-values'))).toEqual([]);
    const produced = new Set(jobsProduced(bundles, config));
    expect(jobsRead(bundles).filter((j) => !produced.has(j))).toEqual([]);
  });

  describe.skipIf(missingTools('amtool'))('on amtool', () => {
    const dir = tempDir('bookinfo-am');
    const file = join(dir, 'alertmanager.yml');
    writeFileSync(file, files.get('alerts/alertmanager.yml')!);
    const routesTo = (labels: Record<string, string>) => {
      const r = spawnSync(
        toolPath('amtool')!,
        ['config', 'routes', 'test', `--config.file=${file}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)],
        { encoding: 'utf8' },
      );
      return r.stdout.trim();
    };

    it("routes each team's alerts to that team, the rest by severity", () => {
      expect(routesTo({ alertname: 'High5xxErrorRate', severity: 'critical', team: 'books' })).toBe('books');
      expect(routesTo({ alertname: 'HighRequestLatency', severity: 'warning', team: 'payments' })).toBe('payments');
      expect(routesTo({ alertname: 'High5xxErrorRate', severity: 'critical' })).toBe(config.alertmanager.receivers.critical.name);
      expect(routesTo({ alertname: 'PilotPushErrors', severity: 'warning' })).toBe(config.alertmanager.receivers.warning.name);
    });
  });

  describe.skipIf(missingTools('promtool'))("on promtool, with the bundle's own rules", () => {
    it("fires High5xxErrorRate on the service's own threshold, labelled with its owner", () => {
      const dir = tempDir('bookinfo-rules');
      writeFileSync(join(dir, 'rules.yml'), files.get('alerts/rules.yml')!);
      // 3 % 5xx at 10 req/s on reviews (its threshold 2 %), details (the mesh-wide 5 %) and checkout.
      const traffic = (ns: string, name: string) => [
        {
          series: `istio_requests_total{reporter="destination", destination_service_namespace="${ns}", destination_service_name="${name}", response_code="200"}`,
          values: '0+582x30',
        },
        {
          series: `istio_requests_total{reporter="destination", destination_service_namespace="${ns}", destination_service_name="${name}", response_code="503"}`,
          values: '0+18x30',
        },
      ];
      const firing = 'count by (destination_service_name, team) (ALERTS{alertname="High5xxErrorRate", alertstate="firing"})';
      const tests = {
        rule_files: ['rules.yml'],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: [...traffic('bookinfo', 'reviews'), ...traffic('bookinfo', 'details'), ...traffic('shop', 'checkout')],
            promql_expr_test: [
              { expr: firing, eval_time: '20m', exp_samples: [{ labels: '{destination_service_name="reviews", team="books"}', value: 1 }] },
            ],
          },
        ],
      };
      writeFileSync(join(dir, 'bookinfo.test.yml'), toYaml(tests));
      const run = () => spawnSync(toolPath('promtool')!, ['test', 'rules', 'bookinfo.test.yml'], { cwd: dir, encoding: 'utf8' });
      const r = run();
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
      // Mutation: checkout's owner gets the reviews threshold too; the expectation must then fail.
      const mutated = parseConfig({
        ...BOOKINFO,
        services: (BOOKINFO.services as object[]).map((s) =>
          (s as { name: string }).name === 'checkout' ? { ...s, alerts: { high5xxErrorRate: { threshold: 0.02 } } } : s,
        ),
      });
      writeFileSync(join(dir, 'rules.yml'), assembleBundle(renderComponents(mutated)).get('alerts/rules.yml')!);
      const m = run();
      expect(m.status).not.toBe(0);
      expect(`${m.stdout}${m.stderr}`).toMatch(/checkout.*payments|payments.*checkout/);
      expect(parse(readFileSync(join(dir, 'bookinfo.test.yml'), 'utf8')).tests).toHaveLength(1);
    });
  });
});
