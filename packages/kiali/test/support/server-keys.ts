// The keys the Kiali server reads from its config.yaml below each path of the settings this bundle
// emits: the yaml tags of the structs in kiali/kiali v2.29.0 config/config.go (gopkg.in/yaml.v2,
// non-strict, so any other key is dropped silently; a tag without a name, as on Server.Address,
// Server.Port and Config.Server, means the lower-cased field name). `[]` marks the elements of a list.
// Subtrees that are free-form on the server side (discovery_selectors: label selectors) are absent.
import { SERVER_CONFIG_KEYS, SERVER_DEPLOYMENT_KEYS } from '../../src/index.ts';

export const SERVER_KEYS: Record<string, readonly string[]> = {
  '': SERVER_CONFIG_KEYS, // type Config
  deployment: SERVER_DEPLOYMENT_KEYS, // type DeploymentConfig
  auth: ['openid', 'openshift', 'strategy'], // type AuthConfig
  'auth.openid': [
    // type OpenIdConfig (client_secret has no yaml name: it comes only from the kiali Secret)
    'additional_request_params',
    'allowed_domains',
    'api_proxy',
    'api_proxy_ca_data',
    'api_token',
    'authentication_timeout',
    'authorization_endpoint',
    'client_id',
    'disable_rbac',
    'discovery_override',
    'http_proxy',
    'https_proxy',
    'insecure_skip_verify_tls',
    'issuer_uri',
    'scopes',
    'username_claim',
  ],
  external_services: ['custom_dashboards', 'grafana', 'istio', 'perses', 'prometheus', 'tracing'], // type ExternalServices
  'external_services.prometheus': [
    // type PrometheusConfig
    'auth',
    'cache_duration',
    'cache_enabled',
    'cache_expiration',
    'custom_headers',
    'enabled',
    'health_check_url',
    'is_core',
    'query_scope',
    'thanos_proxy',
    'url',
  ],
  'external_services.grafana': [
    // type GrafanaConfig
    'auth',
    'dashboards',
    'datasource_uid',
    'enabled',
    'external_url',
    'health_check_url',
    'in_cluster_url',
    'internal_url',
    'is_core',
    'url',
  ],
  'external_services.grafana.auth': [
    // type Auth
    'ca_file',
    'cert_file',
    'insecure_skip_verify',
    'key_file',
    'oauth',
    'password',
    'token',
    'type',
    'use_kiali_token',
    'username',
  ],
  'external_services.grafana.dashboards[]': ['name', 'variables'], // type DashboardConfig
  'external_services.grafana.dashboards[].variables': ['app', 'datasource', 'namespace', 'service', 'version', 'workload'], // type DashboardVariablesConfig
  'external_services.tracing': [
    // type TracingConfig
    'auth',
    'custom_headers',
    'disable_version_check',
    'enabled',
    'external_url',
    'grpc_port',
    'health_check_url',
    'in_cluster_url',
    'internal_url',
    'is_core',
    'namespace_selector',
    'provider',
    'query_scope',
    'query_timeout',
    'tempo_config',
    'url',
    'use_grpc',
    'use_waypoint_name',
    'whitelist_istio_system',
  ],
  'external_services.istio': [
    // type IstioConfig
    'component_status',
    'gateway_api_classes',
    'gateway_api_classes_label_selector',
    'istio_api_enabled',
    'istio_identity_domain',
    'istiod_polling_interval_seconds',
    'validation_change_detection_enabled',
    'validation_reconcile_interval',
  ],
  'external_services.istio.component_status': ['components', 'enabled'], // type ComponentStatuses
  'external_services.istio.component_status.components[]': ['app_label', 'is_core', 'is_multicluster', 'is_proxy', 'namespace'], // type ComponentStatus
  server: [
    // type Server
    'address',
    'audit_log',
    'cors_allow_all',
    'gzip_enabled',
    'observability',
    'port',
    'profiler',
    'require_auth',
    'web_fqdn',
    'web_history_mode',
    'web_port',
    'web_root',
    'web_schema',
    'write_timeout',
  ],
  'server.observability': ['metrics', 'tracing'], // type Observability
  'server.observability.metrics': ['enabled', 'health_status', 'port'], // type Metrics
};

/** Every key of `value` that the server does not read, as a dotted path ("[]" for list elements). */
export function unreadKeys(value: unknown, path = ''): string[] {
  const known = SERVER_KEYS[path];
  if (Array.isArray(value)) return value.flatMap((v) => unreadKeys(v, `${path}[]`));
  if (!known || !value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const child = path ? `${path}.${k}` : k;
    return known.includes(k) ? unreadKeys(v, child) : [child];
  });
}
