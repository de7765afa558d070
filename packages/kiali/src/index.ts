import { uiExposed } from '@meshobs/config';
import {
  type ComponentBundle,
  component,
  configMap,
  type KubeObject,
  networkPolicy,
  objectToYaml,
  standardLabels,
  toYaml,
  uiVirtualService,
  withComment,
} from '@meshobs/kube';
import type { MeshModel } from '@meshobs/model';
import { helmValues, KIALI_VERSION, serverConfig } from './server-config.ts';
import { KIALI_METRICS_PORT, KIALI_NAME, KIALI_PORT, kialiPodSelector, kialiSpec } from './spec.ts';

export { type KialiDashboard, kialiDashboardEntry, kialiDashboards } from './dashboards.ts';
export { KIALI_CRD_SOURCE, KIALI_VALIDATOR, kialiCrdSchema, kialiSchemaErrors, validateKiali } from './schema.ts';
export { helmValues, installerSettings, KIALI_VERSION, SERVER_CONFIG_KEYS, SERVER_DEPLOYMENT_KEYS, serverConfig } from './server-config.ts';
export { KIALI_METRICS_PORT, KIALI_PORT, kialiPodSelector, kialiSpec, meshNamespaces } from './spec.ts';

export const OPERATORLESS_CONFIGMAP_FILE = 'operatorless/configmap-kiali.yaml';
export const HELM_VALUES_FILE = 'operatorless/kiali-server-values.yaml';

export const ANONYMOUS_WARNING =
  'kiali.auth.strategy is "anonymous": anyone who can reach Kiali sees (and with its service account, changes) the mesh. Use "token" or "openid" outside a lab.';

export const GRAFANA_AUTH_WARNING =
  "kiali.grafanaToken is not set: Kiali calls Grafana without credentials (auth.type none), and Grafana has anonymous access off by default (kube-prometheus-stack's and the Grafana chart's), so Kiali's dashboard look-ups get 401. Create a Secret in the Istio namespace with a Grafana service-account token (Viewer role) and set kiali.grafanaToken to it.";

/**
 * Kiali CR for the kiali-operator and its NetworkPolicy; for installs without the operator, the
 * server's own config as a ConfigMap and the kiali-server Helm chart values (which also carry the
 * replicas, resources, security context, affinity, PDB and network policy the server ignores).
 */
export function renderKiali(model: MeshModel): ComponentBundle {
  const config = model.config;
  if (!config.kiali.enabled) return component('kiali');
  const namespace = config.namespaces.istio;
  const labels = standardLabels({ name: 'kiali', component: 'server' });
  const spec = kialiSpec(model);

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
  const serverConfigMap = configMap({ name: KIALI_NAME, namespace, labels }, { 'config.yaml': toYaml(serverConfig(spec)) });
  const warnings = [
    ...(config.kiali.auth.strategy === 'anonymous' ? [ANONYMOUS_WARNING] : []),
    ...(config.kiali.grafanaToken ? [] : [GRAFANA_AUTH_WARNING]),
  ];
  // Kiali on the edge Gateway (ingress.ui.kiali), behind its sign-in, at the host of kiali.externalUrl.
  const route = uiExposed(config, 'kiali')
    ? [
        uiVirtualService(config, {
          ui: 'kiali',
          host: new URL(config.kiali.externalUrl).hostname,
          service: `${KIALI_NAME}.${namespace}.svc.cluster.local`,
          port: KIALI_PORT,
          labels,
        }),
      ]
    : [];
  return component('kiali', {
    objects: [cr, policy, ...route],
    files: [
      {
        // Outside the kustomization on purpose: with the operator installed it owns this ConfigMap.
        path: OPERATORLESS_CONFIGMAP_FILE,
        content: withCommentYaml(serverConfigMap),
      },
      { path: HELM_VALUES_FILE, content: toYaml(helmValues(spec), helmHeader(namespace)) },
    ],
    warnings,
  });
}

function withCommentYaml(obj: KubeObject): string {
  return objectToYaml(
    withComment(
      obj,
      'Kiali server config for installs WITHOUT the kiali-operator: the keys of the Kiali CR that the\nserver itself reads. Replicas, resources, security context, affinity, PDB and network policy are\nsettings of whatever creates the Deployment: see kiali-server-values.yaml beside this file.\nNot part of the kustomization: the operator owns this ConfigMap.',
    ),
  );
}

function helmHeader(namespace: string): string {
  return [
    `kiali-server Helm chart values (chart version ${KIALI_VERSION}) for installs WITHOUT the kiali-operator.`,
    'The chart writes these into the server ConfigMap and builds the Deployment, PDB and NetworkPolicy',
    "from `deployment`; use it instead of configmap-kiali.yaml, not with it. With Kiali's chart repository",
    'added as "kiali":',
    `  helm upgrade --install kiali-server kiali/kiali-server --version ${KIALI_VERSION} --namespace ${namespace} -f kiali-server-values.yaml`,
    'Not part of the kustomization.',
  ].join('\n');
}
