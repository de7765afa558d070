// The OpenTelemetry Operator variant works on its own: the ServiceAccount every CR names, and the RBAC
// k8s_attributes (and, in two-tier mode, the load_balancing k8s resolver) needs, ship in the same file.

import { parseConfig } from '@meshobs/config';
import { type KubeObject, validateObjects } from '@meshobs/kube';
import { resolveModel } from '@meshobs/model';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { OPERATOR_FILE, renderCollector } from '../src/index.ts';

type Json = Record<string, any>;

function operatorDocs(mode: 'single' | 'two-tier'): Json[] {
  const b = renderCollector(resolveModel(parseConfig({ tracing: { collector: { mode } } })));
  const text = b.files.find((f) => f.path === OPERATOR_FILE)!.content;
  return parseAllDocuments(text).map((d) => d.toJS() as Json);
}

/** Does a (Cluster)Role bound to the ServiceAccount grant every verb on the resource? */
function granted(docs: Json[], sa: { name: string; namespace: string }, group: string, resource: string, verbs: string[]) {
  const bindings = docs.filter(
    (d) =>
      (d.kind === 'ClusterRoleBinding' || d.kind === 'RoleBinding') &&
      d.subjects.some((s: Json) => s.kind === 'ServiceAccount' && s.name === sa.name && s.namespace === sa.namespace),
  );
  return bindings.some((b) => {
    const role = docs.find(
      (d) =>
        d.kind === b.roleRef.kind &&
        d.metadata.name === b.roleRef.name &&
        (d.kind === 'ClusterRole' || d.metadata.namespace === b.metadata.namespace),
    );
    return role?.rules.some(
      (r: Json) => r.apiGroups.includes(group) && r.resources.includes(resource) && verbs.every((v) => r.verbs.includes(v)),
    );
  });
}

describe('OpenTelemetryCollector CR path', () => {
  for (const mode of ['single', 'two-tier'] as const) {
    it(`${mode}: ships the ServiceAccount each CR names, with the RBAC its pipeline needs, all schema-valid`, async () => {
      const docs = operatorDocs(mode);
      const crs = docs.filter((d) => d.kind === 'OpenTelemetryCollector');
      expect(crs.length).toBe(mode === 'single' ? 1 : 2);
      // single mode samples on exactly one instance: a fixed replica, never an autoscaler.
      const front = crs.find((cr) => cr.spec.mode === 'deployment')!;
      if (mode === 'single') expect([front.spec.replicas, front.spec.autoscaler]).toEqual([1, undefined]);
      else expect([front.spec.autoscaler?.minReplicas, front.spec.autoscaler?.maxReplicas]).toEqual([2, 5]);
      for (const cr of crs) {
        const sa = { name: cr.spec.serviceAccount as string, namespace: cr.metadata.namespace as string };
        expect(
          docs.some((d) => d.kind === 'ServiceAccount' && d.metadata.name === sa.name && d.metadata.namespace === sa.namespace),
          `ServiceAccount ${sa.name}`,
        ).toBe(true);
        if (cr.spec.config.processors.k8s_attributes)
          for (const [group, resource] of [
            ['', 'pods'],
            ['', 'namespaces'],
            ['apps', 'replicasets'],
          ] as const)
            expect(granted(docs, sa, group, resource, ['get', 'list', 'watch']), `${cr.metadata.name}: ${resource}`).toBe(true);
        if (cr.spec.config.exporters.load_balancing)
          expect(
            granted(docs, sa, 'discovery.k8s.io', 'endpointslices', ['get', 'list', 'watch']),
            `${cr.metadata.name}: endpointslices`,
          ).toBe(true);
      }
      expect(await validateObjects(docs as KubeObject[])).toEqual([]);
    });
  }
});
