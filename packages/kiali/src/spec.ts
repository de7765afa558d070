// The Kiali configuration (the CR's `spec`, and the server's config.yaml: the operator writes one
// into the other unchanged), wired to the endpoints the rest of the bundle uses.
import type { MeshobsConfig } from '@meshobs/config';
import { containerSecurityContext, PDB_SPEC, podAntiAffinity, resources } from '@meshobs/kube';
import type { MeshModel } from '@meshobs/model';
import { kialiDashboards } from './dashboards.ts';

export const KIALI_NAME = 'kiali';
export const KIALI_PORT = 20001;
export const KIALI_METRICS_PORT = 9090;
export const KIALI_WEB_ROOT = '/kiali';
/** UID of the user the Kiali server image runs as. */
const KIALI_UID = 1000;

/** Labels the operator puts on the Kiali server pods (see its deployment template). */
export const kialiPodSelector = { 'app.kubernetes.io/name': 'kiali', 'app.kubernetes.io/instance': KIALI_NAME };

/**
 * The namespaces that make up the mesh, sorted: Kiali sees these and no others. The model's (one home):
 * the Istio namespace and every namespace labelled for injection, never one labelled `disabled` nor the
 * monitoring namespace.
 */
export function meshNamespaces(model: Pick<MeshModel, 'namespaces'>): string[] {
  const n = model.namespaces;
  const all = [...n.owned, ...n.existing];
  const disabled = new Set(all.filter((e) => e.labels['istio-injection'] === 'disabled').map((e) => e.name));
  const mesh = new Set([n.istio, ...all.map((e) => e.name)]);
  for (const name of [...disabled, n.monitoring]) mesh.delete(name);
  return [...mesh].sort();
}

function auth(config: MeshobsConfig) {
  const { strategy, openid } = config.kiali.auth;
  if (strategy !== 'openid' || !openid) return { strategy };
  // The client secret is read by Kiali from its own Secret (deployment.secret_name, key oidc-secret).
  return {
    strategy,
    openid: { issuer_uri: openid.issuerUri, client_id: openid.clientId, scopes: ['openid', 'profile', 'email'], username_claim: 'sub' },
  };
}

function istioComponents(config: MeshobsConfig) {
  const namespace = config.namespaces.istio;
  const { ingress, egress } = config.istio.gateways;
  return [
    { app_label: 'istiod', is_core: true, is_proxy: false, namespace },
    ...(ingress.enabled ? [{ app_label: ingress.name, is_core: true, is_proxy: true, namespace }] : []),
    ...(egress.enabled ? [{ app_label: egress.name, is_core: false, is_proxy: true, namespace }] : []),
  ];
}

function grafanaAuth(config: MeshobsConfig) {
  const token = config.kiali.grafanaToken;
  // Kiali resolves "secret:<name>:<key>" itself: the token never appears in the bundle. There is no
  // default Secret name: the operator mounts each such Secret with `optional: false` (kiali-operator
  // v2.29.0 roles/default/kiali-deploy/templates/kubernetes/deployment.yaml), so a reference to a Secret
  // the user has not created keeps the Kiali pod from starting; unset, the bundle warns instead.
  return token ? { type: 'bearer', token: `secret:${token.name}:${token.key}` } : { type: 'none' };
}

/**
 * Kiali's credentials for a Prometheus that needs them (prometheus.credentials), as references to the Secret
 * in Kiali's namespace: Kiali reads `secret:<name>:<key>` values from mounted Secrets (kiali-operator v2.29.0
 * roles/default/kiali-deploy/tasks/main.yml, external_services.prometheus.auth), the way it reads the Grafana token.
 */
function prometheusAuth(config: MeshobsConfig) {
  const c = config.prometheus.credentials;
  if (!c) return {};
  const ref = (key: string) => `secret:${c.secretName}:${key}`;
  return {
    auth:
      c.type === 'bearer'
        ? { type: 'bearer', token: ref(c.tokenKey) }
        : { type: 'basic', username: ref(c.usernameKey), password: ref(c.passwordKey) },
  };
}

export function kialiSpec(model: MeshModel) {
  const config = model.config;
  const endpoints = model.endpoints;
  const { kiali } = config;
  const external = new URL(kiali.externalUrl);
  const multiReplica = kiali.replicas > 1;
  return {
    istio_namespace: config.namespaces.istio,
    auth: auth(config),
    deployment: {
      instance_name: KIALI_NAME,
      namespace: config.namespaces.istio,
      cluster_wide_access: false,
      discovery_selectors: {
        default: [{ matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: meshNamespaces(model) }] }],
      },
      replicas: kiali.replicas,
      resources: resources(kiali.resources),
      security_context: containerSecurityContext(KIALI_UID),
      // The bundle ships a tighter NetworkPolicy of its own (metrics only from the monitoring namespace).
      network_policy: { enabled: false },
      ...(multiReplica
        ? {
            // The operator copies this spec into the PDB (kiali-operator roles/default/kiali-deploy/templates/kubernetes/pdb.yaml).
            pod_disruption_budget: { spec: { ...PDB_SPEC } },
            affinity: { pod_anti: podAntiAffinity(kialiPodSelector).podAntiAffinity },
          }
        : {}),
      view_only_mode: false,
    },
    external_services: {
      prometheus: { enabled: true, url: endpoints.prometheus.url, ...prometheusAuth(config) },
      grafana: {
        enabled: true,
        internal_url: endpoints.grafana.url,
        external_url: endpoints.grafana.externalUrl,
        auth: grafanaAuth(config),
        dashboards: kialiDashboards(model.dashboards),
      },
      tracing: {
        enabled: true,
        provider: 'jaeger',
        use_grpc: true,
        internal_url: `http://${endpoints.jaeger.queryGrpcAddress}`,
        external_url: endpoints.jaeger.externalUrl,
      },
      istio: { component_status: { enabled: true, components: istioComponents(config) } },
    },
    server: {
      port: KIALI_PORT,
      web_root: KIALI_WEB_ROOT,
      web_fqdn: external.hostname,
      web_schema: external.protocol.replace(':', ''),
      observability: { metrics: { enabled: true, port: KIALI_METRICS_PORT } },
    },
  };
}
