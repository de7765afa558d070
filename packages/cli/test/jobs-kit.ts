// What jobs the bundle's rules and panels read, and which the cluster of its profile produces (see
// jobs-contract.test.ts for how prometheus-operator names a job).
import type { MeshobsConfig } from '@meshobs/config';
import type { ComponentBundle, KubeObject } from '@meshobs/kube';
import { jobsOf } from '@meshobs/model';
import { parse } from 'yaml';

export type Obj = KubeObject & { spec?: any };

export const files = (bundles: ComponentBundle[]) =>
  bundles.flatMap((b) => b.files.map((f) => ({ path: `${b.name}/${f.path}`, content: f.content })));

/** Job names the rules and dashboards select on, exact matches only (`job="x"`, also inside JSON strings). */
export function jobsRead(bundles: ComponentBundle[]): string[] {
  const texts = files(bundles)
    .filter((f) => f.path === 'alerts/rules.yml' || (f.path.startsWith('dashboards/') && f.path.endsWith('.json')))
    .map((f) => f.content);
  const out = new Set<string>();
  for (const t of texts) for (const m of t.matchAll(/job=\\?"([^"\\$]+)\\?"/g)) out.add(m[1]!);
  return [...out].sort();
}

/** Job names the cluster of the profile produces. */
export function jobsProduced(bundles: ComponentBundle[], config: MeshobsConfig): string[] {
  const out = new Set<string>();
  if (config.profile.prometheus === 'kube-prometheus-stack') {
    for (const j of jobsOf(config)) if (j.producer === 'kube-prometheus-stack') out.add(j.name);
    const monitors = bundles.flatMap((b) => b.objects as Obj[]).filter((o) => o.kind === 'ServiceMonitor' || o.kind === 'PodMonitor');
    for (const m of monitors) {
      const endpoints = (m.spec.endpoints ?? m.spec.podMetricsEndpoints ?? []) as Array<{ relabelings?: Array<Record<string, string>> }>;
      for (const e of endpoints)
        for (const r of e.relabelings ?? []) if (r.targetLabel === 'job' && r.action === 'replace' && r.replacement) out.add(r.replacement);
    }
  } else {
    const scrape = files(bundles).find((f) => f.path === 'alerts/scrape-configs.yml');
    for (const s of (parse(scrape?.content ?? '{}')?.scrape_configs ?? []) as Array<{ job_name: string }>) out.add(s.job_name);
  }
  return [...out].sort();
}
