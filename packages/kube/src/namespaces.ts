import type { MeshobsConfig } from '@meshobs/spec';
import { standardLabels } from './labels.ts';
import { component, type ComponentBundle, type KubeObject } from './types.ts';
import { withComment } from './yaml.ts';

/** The mesh's namespaces with their sidecar-injection labels (monitoring is excluded on purpose). */
export function renderNamespaces(config: MeshobsConfig): ComponentBundle {
  const ns = config.namespaces;
  const entries = new Map<string, 'enabled' | 'disabled' | undefined>();
  entries.set(ns.istio, undefined);
  for (const n of ns.injected) entries.set(n, 'enabled');
  for (const n of ns.excluded) entries.set(n, 'disabled');
  if (!entries.has(ns.monitoring)) entries.set(ns.monitoring, 'disabled');
  if (!entries.has(ns.observability)) entries.set(ns.observability, 'enabled');
  for (const s of config.services) if (!entries.has(s.namespace)) entries.set(s.namespace, 'enabled');
  const objects: KubeObject[] = [...entries.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, injection]) => {
      const labels: Record<string, string> = { ...standardLabels({ name: 'meshobs', component: 'namespace' }) };
      if (injection) labels['istio-injection'] = injection;
      const obj: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
      return injection === 'disabled'
        ? withComment(obj, 'No sidecars here: Prometheus and friends scrape over plain HTTP from outside the mesh.')
        : obj;
    });
  return component('namespaces', { objects });
}
