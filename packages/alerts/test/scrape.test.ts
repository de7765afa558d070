// Monitors and plain scrape_configs: schema-valid, labelled for the release, jobs the rules select on.
import { join } from 'node:path';
import { validateObjects } from '@meshobs/kube';
import { ENVOY_POD_LABELS, ENVOY_PROM_PORT, resolveModel } from '@meshobs/model';
import { missingTools, toolPath } from '@meshobs/testkit';
import { describe, expect, it } from 'vitest';
import { renderAlerts, scrapeConfigs } from '../src/index.ts';
import { configs, renderTo, runTool } from './helpers.ts';

describe('objects', () => {
  it.each(configs)('%s: every object passes its Kubernetes/CRD schema', async (_n, config) => {
    const model = resolveModel(config);
    const objects = renderAlerts(model).objects;
    // One app PodMonitor per service the model names (none without services or the demo).
    expect(objects.map((o) => o.kind).sort()).toEqual(
      ['AlertmanagerConfig', 'PodMonitor', 'PrometheusRule', 'ServiceMonitor', ...model.services.map(() => 'PodMonitor')].sort(),
    );
    expect(await validateObjects(objects)).toEqual([]);
  });

  it.each(configs)('%s: everything carries the release label and lives in the monitoring namespace', (_n, config) => {
    for (const o of renderAlerts(resolveModel(config)).objects) {
      expect(o.metadata.labels?.release, `${o.kind}/${o.metadata.name}`).toBe(config.prometheus.release);
      expect(o.metadata.namespace).toBe(config.namespaces.monitoring);
    }
  });

  it.each(configs)('%s: monitors set the job names the rules select on and keep the gateway label', (_n, config) => {
    const objects = renderAlerts(resolveModel(config)).objects;
    const istiod = objects.find((o) => o.kind === 'ServiceMonitor' && o.metadata.name === 'meshobs-istiod') as any;
    const envoy = objects.find((o) => o.kind === 'PodMonitor' && o.metadata.name === 'meshobs-envoy-stats') as any;
    expect(istiod.spec.endpoints[0].port).toBe('http-monitoring');
    expect(istiod.spec.endpoints[0].relabelings).toContainEqual({
      action: 'replace',
      targetLabel: 'job',
      replacement: config.prometheus.jobs.istiod,
    });
    expect(istiod.spec.namespaceSelector.matchNames).toEqual([config.namespaces.istio]);
    const ep = envoy.spec.podMetricsEndpoints[0];
    expect(ep.path).toBe('/stats/prometheus');
    expect(ep.relabelings).toContainEqual({ action: 'replace', targetLabel: 'job', replacement: config.prometheus.jobs.envoy });
    for (const l of ENVOY_POD_LABELS)
      expect(ep.relabelings).toContainEqual({ action: 'replace', sourceLabels: [`__meta_kubernetes_pod_label_${l}`], targetLabel: l });
  });

  it.each(configs)('%s: applications are scraped on pilot-agent 15020, never on the app port STRICT mTLS refuses', (_n, config) => {
    const apps = renderAlerts(resolveModel(config)).objects.filter((o) => o.metadata.name.startsWith('meshobs-app-')) as any[];
    expect(apps).toHaveLength(resolveModel(config).services.length);
    for (const pm of apps) {
      expect(pm.kind).toBe('PodMonitor');
      const [ep] = pm.spec.podMetricsEndpoints;
      // Discovery finds declared container ports only: the sidecar's Envoy port, then moved to 15020.
      expect([ep.port, ep.portNumber, ep.path]).toEqual([ENVOY_PROM_PORT.name, undefined, '/stats/prometheus']);
      expect(ep.relabelings.slice(0, 2)).toEqual([
        { action: 'keep', sourceLabels: ['__meta_kubernetes_pod_container_name'], regex: 'istio-proxy' },
        { action: 'replace', sourceLabels: ['__address__'], regex: '(.+):\\d+', replacement: '$1:15020', targetLabel: '__address__' },
      ]);
    }
  });
});

describe('plain scrape_configs', () => {
  it.each(configs)('%s: every job the rules and dashboards read, and one per service', (_n, config) => {
    const model = resolveModel(config);
    const jobs = (scrapeConfigs(model) as { scrape_configs: Array<{ job_name: string }> }).scrape_configs.map((s) => s.job_name);
    const j = config.prometheus.jobs;
    expect(jobs).toEqual([
      j.istiod,
      j.envoy,
      j.collector,
      config.jaeger.name,
      j.cadvisor,
      j.kubeStateMetrics,
      ...model.services.map((s) => `${s.namespace}/${s.name}`),
    ]);
  });

  it.skipIf(missingTools('promtool'))('promtool check config accepts them (bar the Kubernetes SD Debian leaves out)', () => {
    const { dir } = renderTo(configs[2]![1]);
    // a Prometheus 3 promtool built with Kubernetes SD checks everything, when present. --syntax-only: the
    // service-account token and CA the kubelet job names exist in the Prometheus pod, not here.
    const r = runTool(toolPath('promtool3') ? 'promtool3' : 'promtool', [
      'check',
      'config',
      '--syntax-only',
      join(dir, 'scrape-configs.yml'),
    ]);
    if (r.code === 0) return;
    // Debian builds Prometheus without Kubernetes service discovery: every other field must still parse.
    const errors = r.out.split('\n').filter((l) => /^\s+line \d+:/.test(l));
    expect(errors.length, r.out).toBeGreaterThan(0);
    for (const e of errors) expect(e, r.out).toMatch(/field kubernetes_sd_configs not found in type config\.ScrapeConfig/);
  });
});
