// The Namespace objects of the namespaces the bundle owns, and the script (outside the kustomization) that
// labels the namespaces it does not own. Which is which, and the labels, come from the mesh model
// (@meshobs/model namespaces.ts); this file only renders them.
import { GENERATED_HEADER } from './assemble.ts';
import { standardLabels } from './labels.ts';
import { type ComponentBundle, component, type KubeObject } from './types.ts';
import { withComment } from './yaml.ts';

/** File (in the namespaces folder, outside the kustomization) that labels namespaces the bundle does not own. */
export const EXISTING_NAMESPACES_SCRIPT = 'label-existing-namespaces.sh';

/** A namespace and the labels the bundle wants on it; `null` removes a label. */
export interface NamespaceLabels {
  name: string;
  labels: Record<string, string | null>;
  /** The label script creates it when it does not exist (a namespace the bundle's objects live in). */
  create?: boolean;
}

const argsOf = (labels: Record<string, string | null>) =>
  Object.entries(labels)
    .map(([k, v]) => (v === null ? `${k}-` : `${k}=${v}`))
    .join(' ');

function labelScript(existing: readonly NamespaceLabels[]): string {
  return [
    '#!/bin/sh',
    ...GENERATED_HEADER.split('\n').map((l) => `# ${l}`),
    '#',
    '# Run it BEFORE `kubectl apply -k` (extra arguments go to kubectl), once per cluster:',
    '#   sh namespaces/label-existing-namespaces.sh [--context NAME]',
    '# It is not part of the kustomization: it sets the sidecar-injection labels the bundle expects on',
    '# namespaces the bundle does not own. They existed before the bundle (Istio, the monitoring stack, the',
    "# system namespaces, your services) or hold what you created (the trace pipeline's namespace: the",
    "# search engine's Secrets, maybe the search engine itself), and must outlive `kubectl delete -k`, so the",
    "# bundle never emits them as Namespace objects. The trace pipeline's namespace is created here when it",
    '# does not exist yet (its pods need the injection label before they start); any other namespace that',
    '# does not exist is skipped with a note, and every other one is still labelled.',
    '# Undo one label: kubectl label namespace NAME istio-injection-',
    'set -u',
    'KUBECTL="${KUBECTL:-kubectl}"',
    'status=0',
    'label() {',
    '  ns="$1"; shift',
    '  if ! "$KUBECTL" get namespace "$ns" "$@" >/dev/null 2>&1; then',
    '    echo "skipped namespace $ns: it does not exist" >&2',
    '    return 0',
    '  fi',
    '  "$KUBECTL" label namespace "$ns" $LABELS --overwrite "$@" || status=1',
    '}',
    '# create_and_label NAME: creates the namespace when it does not exist, then labels it.',
    'create_and_label() {',
    '  ns="$1"; shift',
    '  if ! "$KUBECTL" get namespace "$ns" "$@" >/dev/null 2>&1; then',
    '    "$KUBECTL" create namespace "$ns" "$@" || { status=1; return 0; }',
    '  fi',
    '  "$KUBECTL" label namespace "$ns" $LABELS --overwrite "$@" || status=1',
    '}',
    ...existing.map((n) => `LABELS='${argsOf(n.labels)}' ${n.create ? 'create_and_label' : 'label'} ${n.name} "$@"`),
    'exit "$status"',
    '',
  ].join('\n');
}

/** The Namespace objects of the owned namespaces with their labels, and the script that labels the existing ones. */
export function renderNamespaces(ns: { owned: readonly NamespaceLabels[]; existing: readonly NamespaceLabels[] }): ComponentBundle {
  const objects: KubeObject[] = ns.owned.map((n) => {
    const labels: Record<string, string> = { ...standardLabels({ name: 'meshobs', component: 'namespace' }) };
    for (const [k, v] of Object.entries(n.labels)) if (v !== null) labels[k] = v;
    const obj: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: n.name, labels } };
    return n.labels['istio-injection'] === 'disabled'
      ? withComment(obj, 'No sidecars here: Prometheus and friends scrape over plain HTTP from outside the mesh.')
      : obj;
  });
  const existing = ns.existing.filter((n) => Object.keys(n.labels).length);
  const files = existing.length ? [{ path: EXISTING_NAMESPACES_SCRIPT, content: labelScript(existing) }] : [];
  return component('namespaces', { objects, files });
}
