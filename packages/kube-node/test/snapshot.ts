// Every object of the cluster, by identity, for "kubectl delete -k removes what the bundle created and
// nothing else": a snapshot before the apply, compared with the cluster after the delete.
import type { KubeNode } from '../src/index.ts';

/** Kinds whose objects come and go by themselves (controllers, leases, events), not by the bundle. */
const VOLATILE = new Set([
  'events',
  'events.events.k8s.io',
  'leases.coordination.k8s.io',
  'endpoints',
  'endpointslices.discovery.k8s.io',
  // The API server's record of each Service's cluster IP: follows its Service.
  'ipaddresses.networking.k8s.io',
]);

export interface Snapshot {
  /** kind/namespace/name -> uid */
  objects: Map<string, string>;
  /** Objects a controller owns (ownerReferences): it may recreate them, under another uid. */
  owned: Set<string>;
}

export const keyOf = (o: { kind: string; metadata: { name: string; namespace?: string } }) =>
  `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

export function snapshot(node: KubeNode): Snapshot {
  const kinds = node
    .kubectl(['api-resources', '--verbs=list,delete', '-o', 'name'])
    .trim()
    .split('\n')
    .filter((k) => k && !VOLATILE.has(k));
  const items = JSON.parse(node.kubectl(['get', kinds.join(','), '-A', '-o', 'json'])).items as Array<{
    kind: string;
    metadata: { name: string; namespace?: string; uid: string; ownerReferences?: unknown[] };
  }>;
  return {
    objects: new Map(items.map((o) => [keyOf(o), o.metadata.uid])),
    owned: new Set(items.filter((o) => o.metadata.ownerReferences?.length).map(keyOf)),
  };
}

/** Objects of `before` that are gone, or were replaced (another uid, unless a controller owns them), in `after`. */
export function lost(before: Snapshot, after: Snapshot): string[] {
  return [...before.objects]
    .filter(([k, uid]) => (before.owned.has(k) ? !after.objects.has(k) : after.objects.get(k) !== uid))
    .map(([k]) => (after.objects.has(k) ? `${k} (replaced)` : k))
    .sort();
}
