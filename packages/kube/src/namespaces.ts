import type { MeshobsConfig } from '@meshobs/config';
import { GENERATED_HEADER } from './assemble.ts';
import { standardLabels } from './labels.ts';
import { type ComponentBundle, component, type KubeObject } from './types.ts';
import { withComment } from './yaml.ts';

/** Namespaces a Kubernetes cluster always has: never the bundle's to create or delete. */
const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** File (in the namespaces folder, outside the kustomization) that labels namespaces the bundle does not own. */
export const EXISTING_NAMESPACES_SCRIPT = 'label-existing-namespaces.sh';

type Injection = 'enabled' | 'disabled' | undefined;

/** Every namespace the bundle uses, with the sidecar-injection label it wants there. */
function wantedNamespaces(config: MeshobsConfig): Map<string, Injection> {
  const ns = config.namespaces;
  const entries = new Map<string, Injection>();
  entries.set(ns.istio, undefined);
  for (const n of ns.injected) entries.set(n, 'enabled');
  for (const n of ns.excluded) entries.set(n, 'disabled');
  if (!entries.has(ns.monitoring)) entries.set(ns.monitoring, 'disabled');
  if (!entries.has(ns.observability)) entries.set(ns.observability, 'enabled');
  for (const s of config.services) if (!entries.has(s.namespace)) entries.set(s.namespace, 'enabled');
  return entries;
}

/**
 * Namespaces the bundle owns, i.e. creates and `kubectl delete -k` removes: the trace pipeline's, and
 * the services' namespaces when the demo deploys into them. Istio's, the monitoring stack's and the
 * system namespaces exist before the bundle and must outlive it, and so do the namespaces of real
 * services (demo disabled).
 */
export function ownedNamespaces(config: MeshobsConfig): string[] {
  const ns = config.namespaces;
  const owned = new Set([ns.observability]);
  if (config.demo.enabled) for (const s of config.services) owned.add(s.namespace);
  for (const n of [...SYSTEM_NAMESPACES, ns.istio, ns.monitoring]) owned.delete(n);
  return [...owned].sort();
}

function labelScript(existing: Array<[string, Injection]>): string {
  const lines = existing
    .filter(([, injection]) => injection)
    .map(([name, injection]) => `"$KUBECTL" label namespace ${name} istio-injection=${injection} --overwrite "$@"`);
  return [
    '#!/bin/sh',
    ...GENERATED_HEADER.split('\n').map((l) => `# ${l}`),
    '#',
    '# Opt-in step, NOT part of `kubectl apply -k`: sets the sidecar-injection labels the bundle expects on',
    '# namespaces it does not own. They existed before the bundle (Istio, the monitoring stack, the system',
    '# namespaces, your services) and must outlive `kubectl delete -k`, so the bundle never emits them as',
    '# Namespace objects. Run it once against the target cluster (extra arguments go to kubectl):',
    '#   sh namespaces/label-existing-namespaces.sh [--context NAME]',
    '# Undo one label: kubectl label namespace NAME istio-injection-',
    'set -eu',
    'KUBECTL="${KUBECTL:-kubectl}"',
    ...lines,
    '',
  ].join('\n');
}

/**
 * The Namespace objects of the namespaces the bundle owns, with their sidecar-injection labels, and a
 * script (outside the kustomization) that labels the existing ones (monitoring is excluded on purpose).
 */
export function renderNamespaces(config: MeshobsConfig): ComponentBundle {
  const owned = new Set(ownedNamespaces(config));
  const wanted = [...wantedNamespaces(config).entries()].sort(([a], [b]) => a.localeCompare(b));
  const objects: KubeObject[] = wanted
    .filter(([name]) => owned.has(name))
    .map(([name, injection]) => {
      const labels: Record<string, string> = { ...standardLabels({ name: 'meshobs', component: 'namespace' }) };
      if (injection) labels['istio-injection'] = injection;
      const obj: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
      return injection === 'disabled'
        ? withComment(obj, 'No sidecars here: Prometheus and friends scrape over plain HTTP from outside the mesh.')
        : obj;
    });
  const existing = wanted.filter(([name]) => !owned.has(name));
  const files = existing.some(([, injection]) => injection) ? [{ path: EXISTING_NAMESPACES_SCRIPT, content: labelScript(existing) }] : [];
  return component('namespaces', { objects, files });
}
