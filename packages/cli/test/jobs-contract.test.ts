// Every scrape job a rule or a panel selects on (`job="..."`) is produced in the cluster the profile
// describes, under that name: by one of the bundle's ServiceMonitors/PodMonitors (kube-prometheus-stack),
// by kube-prometheus-stack's own kubelet and kube-state-metrics monitors, or by the bundle's
// scrape-configs.yml (a plain Prometheus). With every job renamed, so a constant that ignores
// prometheus.jobs.* cannot pass by coincidence.
//
// How prometheus-operator names a job (v0.85.0 pkg/prometheus/promcfg.go, generateServiceMonitorConfig /
// generatePodMonitorConfig): a relabeling with targetLabel "job" wins over the default (the Service name,
// or for a PodMonitor "<namespace>/<name>"); the bundle always sets it by relabeling.
import { type MeshobsConfig, type MeshobsConfigInput, parseConfig } from '@meshobs/config';
import type { ComponentBundle } from '@meshobs/kube';
import { jobsOf } from '@meshobs/model';
import { describe, expect, it } from 'vitest';
import { renderComponents } from '../src/render.ts';
import { jobsProduced, jobsRead, type Obj } from './jobs-kit.ts';

const unproduced = (bundles: ComponentBundle[], config: MeshobsConfig) => {
  const produced = new Set(jobsProduced(bundles, config));
  return jobsRead(bundles).filter((j) => !produced.has(j));
};

/** Every job renamed; on kube-prometheus-stack the kubelet and kube-state-metrics jobs keep the chart's names. */
const renamed = (prometheus: 'kube-prometheus-stack' | 'plain'): MeshobsConfigInput => {
  const jobs = parseConfig({}).prometheus.jobs;
  const keep = prometheus === 'kube-prometheus-stack' ? ['cadvisor', 'kubeStateMetrics'] : [];
  return {
    profile: { prometheus },
    prometheus: { jobs: Object.fromEntries(Object.entries(jobs).map(([k, v]) => [k, keep.includes(k) ? v : `site-${v}`])) },
    services: [
      {
        name: 'reviews',
        namespace: 'bookinfo',
        versions: [
          { name: 'v1', weight: 50 },
          { name: 'v2', weight: 50 },
        ],
      },
    ],
    demo: { enabled: true },
  };
};

describe('every job the rules and panels read is scraped under that name', () => {
  for (const profile of ['kube-prometheus-stack', 'plain'] as const) {
    it(`${profile}: with every job renamed`, () => {
      const config = parseConfig(renamed(profile));
      const bundles = renderComponents(config);
      const read = jobsRead(bundles);
      // The rules and panels do read each renamed job (the check is not vacuous).
      for (const j of jobsOf(config)) expect(read, j.key).toContain(j.name);
      expect(unproduced(bundles, config)).toEqual([]);
    });
  }

  it('a monitor that takes its job from a constant is caught (mutation: the collector ServiceMonitor without its job relabeling)', () => {
    const config = parseConfig(renamed('kube-prometheus-stack'));
    const bundles = renderComponents(config).map((b) => ({
      ...b,
      objects: b.objects.map((o) =>
        o.kind === 'ServiceMonitor' && o.metadata.name === config.tracing.collector.name
          ? { ...o, spec: { ...(o as Obj).spec, endpoints: (o as Obj).spec.endpoints.map((e: object) => ({ ...e, relabelings: [] })) } }
          : o,
      ),
    }));
    expect(unproduced(bundles, config)).toEqual([config.prometheus.jobs.collector]);
  });

  it('a plain scrape config without a job is caught (mutation: scrape-configs.yml without the collector job)', () => {
    const config = parseConfig(renamed('plain'));
    const bundles = renderComponents(config).map((b) => ({
      ...b,
      files: b.files.map((f) =>
        f.path === 'scrape-configs.yml'
          ? { ...f, content: f.content.replace(`job_name: ${config.prometheus.jobs.collector}`, 'job_name: something-else') }
          : f,
      ),
    }));
    expect(unproduced(bundles, config)).toEqual([config.prometheus.jobs.collector]);
  });
});
