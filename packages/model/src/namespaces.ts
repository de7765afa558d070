// The namespaces of the bundle: which it owns (creates, and `kubectl delete -k` removes), which exist
// before it and only get their sidecar-injection labels from the label script, and where Grafana runs.
// The trace pipeline's namespace is never owned: the user creates Jaeger's search-engine Secrets there
// (credentials, CA) and often runs the search engine itself there (elasticsearch.url's default), and a
// Namespace object in the bundle would take all of it with it on `kubectl delete -k` (found by the node
// tier). The label script creates it when it is missing, before the bundle is applied.
import type { MeshobsConfig } from '@meshobs/config';
import type { NamespaceLabels } from '@meshobs/kube';

export type { NamespaceLabels };

/** Namespaces a Kubernetes cluster always has: never the bundle's to create or delete. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export interface NamespaceModel {
  istio: string;
  monitoring: string;
  observability: string;
  /** Where Grafana runs: the dashboards go there and the Jaeger query policy admits it. */
  grafana: string;
  /** Namespaces the bundle creates (and `kubectl delete -k` removes): the demo's, when it is on. */
  owned: NamespaceLabels[];
  /**
   * Namespaces that exist before the bundle and outlive it, with the injection labels the label script sets;
   * `create`: the script creates it when missing (the trace pipeline's, which the user's Secrets live in).
   */
  existing: NamespaceLabels[];
}

/**
 * The injection label of a namespace. With a revision, `istio.io/rev=<revision>` and no `istio-injection`
 * label, which would take precedence over it (Istio's injector webhooks: istio-injection wins over istio.io/rev,
 * manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml at the pinned commit).
 * `istio-injection=disabled` turns injection off for every revision.
 */
export function injectionLabels(config: MeshobsConfig, injected: boolean): Record<string, string | null> {
  if (!injected) return { 'istio-injection': 'disabled' };
  const rev = config.istio.revision;
  return rev ? { 'istio.io/rev': rev, 'istio-injection': null } : { 'istio-injection': 'enabled' };
}

export function namespacesOf(config: MeshobsConfig): NamespaceModel {
  const ns = config.namespaces;
  const grafana = config.grafana.namespace;
  const wanted = new Map<string, boolean | undefined>();
  wanted.set(ns.istio, undefined);
  for (const n of ns.injected) wanted.set(n, true);
  for (const n of ns.excluded) wanted.set(n, false);
  wanted.set(ns.observability, true);
  for (const s of config.services) if (!wanted.has(s.namespace)) wanted.set(s.namespace, true);
  if (config.demo.enabled) wanted.set(config.demo.namespace, true);
  const ownedNames = new Set(config.demo.enabled ? [config.demo.namespace] : []);
  const esNamespace = config.elasticsearch.namespace ?? ns.observability;
  for (const n of [...SYSTEM_NAMESPACES, ns.istio, ns.monitoring, grafana, ns.observability, esNamespace]) ownedNames.delete(n);
  for (const s of config.services) ownedNames.delete(s.namespace);
  const entries = [...wanted.entries()].sort(([a], [b]) => a.localeCompare(b));
  const labelled = (injected: boolean | undefined) => (injected === undefined ? {} : injectionLabels(config, injected));
  return {
    istio: ns.istio,
    monitoring: ns.monitoring,
    observability: ns.observability,
    grafana,
    owned: entries.filter(([n]) => ownedNames.has(n)).map(([name, inj]) => ({ name, labels: labelled(inj) })),
    existing: entries
      .filter(([n, inj]) => !ownedNames.has(n) && inj !== undefined)
      .map(([name, inj]) => ({ name, labels: labelled(inj), ...(name === ns.observability ? { create: true } : {}) })),
  };
}
