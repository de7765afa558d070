// The collector's ServiceAccount and its RBAC, shared by the plain workloads and the Operator CRs.
import type { MeshobsConfig } from '@meshobs/config';
import { type KubeObject, standardLabels, withComment } from '@meshobs/kube';
import { COLLECTOR_APP } from '@meshobs/model';

function rbac(config: MeshobsConfig, saName: string, twoTier: boolean): KubeObject[] {
  const ns = config.namespaces.observability;
  const labels = standardLabels({ name: COLLECTOR_APP, instance: config.tracing.collector.name, component: 'collector' });
  const clusterRoleName = `${config.tracing.collector.name}-${ns}-k8sattributes`;
  const objects: KubeObject[] = [
    withComment(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: clusterRoleName, labels },
        rules: [
          { apiGroups: [''], resources: ['pods', 'namespaces', 'nodes'], verbs: ['get', 'list', 'watch'] },
          { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['get', 'list', 'watch'] },
        ],
      },
      'Read-only access k8s_attributes needs to tag spans with pod, namespace, deployment and node.',
    ),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: clusterRoleName, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRoleName },
      subjects: [{ kind: 'ServiceAccount', name: saName, namespace: ns }],
    },
  ];
  if (twoTier) {
    const roleName = `${config.tracing.collector.name}-lb-resolver`;
    objects.push(
      withComment(
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: { name: roleName, namespace: ns, labels },
          rules: [{ apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] }],
        },
        "The load_balancing exporter's k8s resolver watches the sampler Service's EndpointSlices.",
      ),
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: roleName, namespace: ns, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName },
        subjects: [{ kind: 'ServiceAccount', name: saName, namespace: ns }],
      },
    );
  }
  return objects;
}

/** The ServiceAccount every collector pod runs as (both tiers, Deployment/StatefulSet and Operator CRs alike). */
export const collectorServiceAccountName = (config: MeshobsConfig) => config.tracing.collector.name;

/**
 * The collector's ServiceAccount and its RBAC: k8s_attributes reads pods, namespaces, nodes and
 * replicasets cluster-wide; in two-tier mode the load_balancing k8s resolver watches EndpointSlices.
 * Shipped with the Deployment/StatefulSet and with the OpenTelemetryCollector CRs (whose
 * `serviceAccount` names it: the Operator creates none when one is named).
 */
export function collectorIdentity(config: MeshobsConfig): KubeObject[] {
  const c = config.tracing.collector;
  const saName = collectorServiceAccountName(config);
  return [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name: saName,
        namespace: config.namespaces.observability,
        labels: standardLabels({ name: COLLECTOR_APP, instance: c.name, component: 'collector' }),
      },
    },
    ...rbac(config, saName, c.mode === 'two-tier'),
  ];
}
