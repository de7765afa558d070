import type { MeshobsConfig } from '@meshobs/spec';
import { component, networkPolicy, standardLabels, toYaml, withComment, objectToYaml, type ComponentBundle, type KubeObject } from '@meshobs/kube';
import { renderDashboards } from '@meshobs/dashboards';
import { KIALI_METRICS_PORT, KIALI_NAME, KIALI_PORT, kialiPodSelector, kialiSpec } from './spec.ts';
import './schema.ts';

export { kialiSpec, meshNamespaces, KIALI_PORT, KIALI_METRICS_PORT, kialiPodSelector } from './spec.ts';
export { kialiDashboards, kialiDashboardEntry, type KialiDashboard } from './dashboards.ts';
export { kialiSchemaErrors, validateKiali, KIALI_CRD_SOURCE } from './schema.ts';

export const ANONYMOUS_WARNING =
  'kiali.auth.strategy is "anonymous": anyone who can reach Kiali sees (and with its service account, changes) the mesh. Use "token" or "openid" outside a lab.';

export const GRAFANA_AUTH_WARNING =
  'kiali.grafanaToken is not set: Kiali calls Grafana without credentials (auth.type none), and kube-prometheus-stack\'s Grafana has anonymous access off, so Kiali\'s dashboard look-ups get 401. Create a Secret in the Istio namespace with a Grafana service-account token (Viewer role) and set kiali.grafanaToken to it.';

/** Kiali CR for the kiali-operator, its NetworkPolicy, and the same config as a server ConfigMap for installs without the operator. */
export function renderKiali(config: MeshobsConfig): ComponentBundle {
  if (!config.kiali.enabled) return component('kiali');
  const namespace = config.namespaces.istio;
  const labels = standardLabels({ name: 'kiali', component: 'server' });
  const spec = kialiSpec(config, renderDashboards(config));

  const cr: KubeObject = withComment(
    { apiVersion: 'kiali.io/v1alpha1', kind: 'Kiali', metadata: { name: KIALI_NAME, namespace, labels }, spec },
    'Reconciled by the kiali-operator into the Kiali server Deployment, Service, RBAC and ConfigMap.',
  );
  const policy = networkPolicy(
    { name: KIALI_NAME, namespace, labels, selector: kialiPodSelector },
    {
      ingress: [
        { ports: [{ port: KIALI_PORT }] },
        { from: [{ namespace: config.namespaces.monitoring }], ports: [{ port: KIALI_METRICS_PORT }] },
      ],
    },
  );
  const serverConfigMap: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: KIALI_NAME, namespace, labels },
    data: { 'config.yaml': toYaml(spec) },
  };
  const warnings = [
    ...(config.kiali.auth.strategy === 'anonymous' ? [ANONYMOUS_WARNING] : []),
    ...(config.kiali.grafanaToken ? [] : [GRAFANA_AUTH_WARNING]),
  ];
  return component('kiali', {
    objects: [cr, policy],
    files: [
      {
        // Outside the kustomization on purpose: with the operator installed it owns this ConfigMap.
        path: 'operatorless/configmap-kiali.yaml',
        content: withCommentYaml(serverConfigMap),
      },
    ],
    warnings,
  });
}

function withCommentYaml(obj: KubeObject): string {
  return objectToYaml(
    withComment(
      obj,
      'Kiali server config for installs WITHOUT the kiali-operator (e.g. the kiali-server Helm chart):\nthe same settings as the Kiali CR. Not part of the kustomization: the operator owns this ConfigMap.',
    ),
  );
}
