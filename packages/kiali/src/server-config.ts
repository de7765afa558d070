// Splits the Kiali CR spec into what the Kiali server reads from its config.yaml and what only an
// installer (the kiali-operator, or the kiali-server Helm chart) turns into the Deployment, PDB and
// NetworkPolicy. The server unmarshals config.yaml with gopkg.in/yaml.v2, non-strict: a key it does
// not declare is dropped without a word, so shipping one only misleads whoever reads the ConfigMap.

/** The Kiali version whose server config and Helm chart values were checked. */
export const KIALI_VERSION = '2.29.0';

/**
 * Top-level keys of the server's config.yaml: the yaml tags of `type Config struct`
 * (kiali/kiali v2.29.0, config/config.go; `Server` and `Identity` have no name in their tag, so
 * yaml.v2 uses the lower-cased field name). There is no top-level `istio_namespace` in v2.
 */
export const SERVER_CONFIG_KEYS = [
  'additional_display_details',
  'auth',
  'chat_ai',
  'clustering',
  'custom_dashboards',
  'deployment',
  'extensions',
  'external_services',
  'health_config',
  'identity',
  'installation_tag',
  'istio_labels',
  'kiali_feature_flags',
  'kiali_internal',
  'kubernetes_config',
  'login_token',
  'runConfig',
  'runMode',
  'server',
] as const;

/**
 * Keys of `deployment` the server reads: the yaml tags of `type DeploymentConfig struct`
 * (kiali/kiali v2.29.0, config/config.go). Replicas, resources, security_context, affinity,
 * network_policy and pod_disruption_budget are installer settings (kiali/helm-charts v2.29.0,
 * kiali-server/values.yaml `deployment:`; the operator reads the same names from the CR).
 */
export const SERVER_DEPLOYMENT_KEYS = [
  'cluster_name_overrides',
  'cluster_wide_access',
  'discovery_selectors',
  'instance_name',
  'namespace',
  'tls_config',
  'view_only_mode',
] as const;

type Spec = Record<string, unknown> & { deployment: Record<string, unknown> };

const pick = (obj: Record<string, unknown>, keys: readonly string[]) =>
  Object.fromEntries(Object.entries(obj).filter(([k]) => keys.includes(k)));
const omit = (obj: Record<string, unknown>, keys: readonly string[]) =>
  Object.fromEntries(Object.entries(obj).filter(([k]) => !keys.includes(k)));

/** The part of the CR spec the Kiali server reads: its config.yaml. */
export function serverConfig(spec: Spec): Record<string, unknown> {
  return { ...pick(spec, SERVER_CONFIG_KEYS), deployment: pick(spec.deployment, SERVER_DEPLOYMENT_KEYS) };
}

/** The deployment settings the server ignores, which an installer applies to its objects. */
export function installerSettings(spec: Spec): Record<string, unknown> {
  return omit(spec.deployment, SERVER_DEPLOYMENT_KEYS);
}

/**
 * kiali-server Helm chart values: the chart writes every value but `kiali_route_url` into the
 * server's config.yaml and builds the Deployment, PDB and NetworkPolicy from `deployment`
 * (kiali/helm-charts v2.29.0, kiali-server/templates/configmap.yaml and deployment.yaml).
 */
export function helmValues(spec: Spec): Record<string, unknown> {
  return { ...serverConfig(spec), deployment: spec.deployment };
}
