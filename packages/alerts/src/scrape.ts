// Scrape config: ServiceMonitor/PodMonitor for the Prometheus Operator, and every job the rules and
// dashboards read as plain scrape_configs for a Prometheus without it. Job names come from
// config.prometheus.jobs: the rules select on them, so the producers and the readers must agree (the
// collector's and Jaeger's own ServiceMonitors live with those components; with kube-prometheus-stack the
// chart scrapes the kubelet and kube-state-metrics itself).
import type { MeshobsConfig } from '@meshobs/config';
import { ISTIO_PORTS, type KubeObject, MERGED_METRICS_PATH, serviceMonitor, standardLabels, withComment } from '@meshobs/kube';
import {
  COLLECTOR_APP,
  ENVOY_POD_LABELS,
  ENVOY_PROM_PORT,
  ISTIOD_MONITORING_PORT,
  JAEGER_APP,
  JAEGER_METRICS,
  type MeshModel,
  ownPorts,
} from '@meshobs/model';
import type { CardinalityPlan } from '@meshobs/signals';

const labelsOf = (config: MeshobsConfig, component: string) => ({
  ...standardLabels({ name: 'meshobs', component }),
  release: config.prometheus.release,
});

export const setJob = (job: string) => ({ action: 'replace' as const, targetLabel: 'job', replacement: job });

/**
 * Moves a target found on the sidecar's Envoy port to pilot-agent's merged-metrics port on the same
 * pod IP (IPv4 host:port or an IPv6 [addr]:port alike), for the PodMonitor and the plain job.
 */
const mergedMetricsAddress = [
  { source_labels: ['__address__'], regex: '(.+):\\d+', replacement: `$1:${ISTIO_PORTS.mergedMetrics}`, target_label: '__address__' },
];

/** Job name of an application's metrics, the same for the PodMonitor and the plain scrape config. */
export const appJob = (s: { namespace: string; name: string }) => `${s.namespace}/${s.name}`;

/**
 * The cardinality profile's drop rules (config `cardinality.*`), as prometheus-operator
 * RelabelConfig objects for `metricRelabelings` (prometheus-operator pkg/apis/monitoring/v1
 * PodMetricsEndpoint.metricRelabelings: sourceLabels, regex, action; applied to the scraped
 * samples before ingestion, i.e. Prometheus' metric_relabel_configs). Only `drop`: a `labeldrop`
 * at scrape time would leave series that differ in nothing else as duplicates Prometheus rejects
 * instead of summing them; labels are removed at the proxies (Telemetry tagOverrides) instead.
 */
const dropRules = (plan: CardinalityPlan) => plan.drops.map((d) => ({ action: 'drop', sourceLabels: d.sourceLabels, regex: d.regex }));

/** ServiceMonitor for istiod, PodMonitor for Envoy, PodMonitor per application service. */
export function monitors(model: MeshModel): KubeObject[] {
  const config = model.config;
  const plan = model.cardinality;
  const ns = config.namespaces.monitoring;
  const jobs = config.prometheus.jobs;
  const interval = config.prometheus.scrapeInterval;
  const istiod: KubeObject = withComment(
    serviceMonitor(
      { name: 'meshobs-istiod', namespace: ns, labels: standardLabels({ name: 'meshobs', component: 'istiod-monitor' }) },
      {
        release: config.prometheus.release,
        selector: { app: 'istiod' },
        namespaces: [config.namespaces.istio],
        endpoints: [{ port: ISTIOD_MONITORING_PORT.name, interval, relabelings: [setJob(jobs.istiod)] }],
      },
    ),
    `istiod's control-plane metrics (pilot_*, citadel_*) on ${ISTIOD_MONITORING_PORT.name} (${ISTIOD_MONITORING_PORT.number}), job "${jobs.istiod}".`,
  );
  const envoy: KubeObject = withComment(
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { name: 'meshobs-envoy-stats', namespace: ns, labels: labelsOf(config, 'envoy-monitor') },
      spec: {
        namespaceSelector: { any: true },
        selector: { matchExpressions: [{ key: 'istio-prometheus-ignore', operator: 'DoesNotExist' }] },
        podMetricsEndpoints: [
          {
            port: ENVOY_PROM_PORT.name,
            path: ENVOY_PROM_PORT.path,
            interval,
            relabelings: [
              { action: 'keep', sourceLabels: ['__meta_kubernetes_pod_container_name'], regex: 'istio-proxy' },
              ...ENVOY_POD_LABELS.map((l) => ({
                action: 'replace',
                sourceLabels: [`__meta_kubernetes_pod_label_${l}`],
                targetLabel: l,
              })),
              setJob(jobs.envoy),
            ],
            ...(plan.drops.length ? { metricRelabelings: dropRules(plan) } : {}),
          },
        ],
      },
    },
    `Envoy sidecars and gateways (istio_* and envoy_* series) on ${ENVOY_PROM_PORT.path}, job "${jobs.envoy}". ` +
      'Keeps the app, version and istio pod labels; namespace and pod are added by the operator.' +
      plan.drops.map((d) => ` Drops ${d.reason}.`).join(''),
  );
  // Applications are scraped through Istio's metrics merging: pilot-agent serves the app's own
  // /metrics (named by its prometheus.io/port and /path pod annotations) together with Envoy's on
  // 15020. That port is outside Envoy's inbound chain, so STRICT mTLS and ALLOW AuthorizationPolicies
  // leave it to a Prometheus without a sidecar; the app port itself refuses plaintext callers.
  // Istio: "Prometheus > Option 1: Metrics merging" (istio.io docs/ops/integrations/prometheus).
  // 15020 is not a declared container port (Istio's injection template declares only 15090,
  // http-envoy-prom, on istio-proxy: manifests/charts/istio-control/istio-discovery/files/injection-template.yaml),
  // and Prometheus' pod discovery makes one target per declared port (prometheus/prometheus
  // discovery/kubernetes/pod.go), while prometheus-operator turns `portNumber` into a keep on
  // __meta_kubernetes_pod_container_port_number (pkg/prometheus/promcfg.go, v0.85.0): selecting 15020
  // finds zero targets. So the target is the sidecar's declared Envoy port, moved to 15020 by the
  // address rewrite, as the plain scrape config below does.
  const apps: KubeObject[] = model.services.map((s) =>
    withComment(
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PodMonitor',
        metadata: {
          name: `meshobs-app-${s.namespace}-${s.name}`.slice(0, 63).replace(/-+$/, ''),
          namespace: ns,
          labels: labelsOf(config, 'app-monitor'),
        },
        spec: {
          namespaceSelector: { matchNames: [s.namespace] },
          selector: { matchLabels: { app: s.name } },
          podMetricsEndpoints: [
            {
              port: ENVOY_PROM_PORT.name,
              path: MERGED_METRICS_PATH,
              interval,
              relabelings: [
                { action: 'keep', sourceLabels: ['__meta_kubernetes_pod_container_name'], regex: 'istio-proxy' },
                ...mergedMetricsAddress.map((r) => ({
                  action: 'replace',
                  sourceLabels: r.source_labels,
                  regex: r.regex,
                  replacement: r.replacement,
                  targetLabel: r.target_label,
                })),
                { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_label_app'], targetLabel: 'app' },
                { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_label_version'], targetLabel: 'version' },
                setJob(appJob(s)),
              ],
              // Envoy's series come from the envoy-stats job; the merged output carries them too.
              metricRelabelings: [{ action: 'drop', sourceLabels: ['__name__'], regex: '(istio|envoy)_.*' }],
            },
          ],
        },
      },
      `Application metrics of ${s.namespace}/${s.name} through Istio's metrics merging (pilot-agent ` +
        `${ISTIO_PORTS.mergedMetrics}${MERGED_METRICS_PATH}, from the pods' prometheus.io/port and prometheus.io/path ` +
        `annotations), which a Prometheus without a sidecar can reach under STRICT mTLS. The target is the sidecar's ` +
        `declared ${ENVOY_PROM_PORT.name} port (15020 is not a container port, so it has no target of its own), moved to ${ISTIO_PORTS.mergedMetrics}.`,
    ),
  );
  return [istiod, envoy, ...apps];
}

const SA = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * Every job the rules and dashboards read, as plain `scrape_configs` for a Prometheus without the operator:
 * the monitors above, the collector's and Jaeger's own telemetry (their ServiceMonitors with the operator),
 * and the kubelet's cAdvisor and kube-state-metrics under the configured job names (kube-prometheus-stack
 * scrapes those two itself). If your Prometheus scrapes the last two already, drop them here and set
 * prometheus.jobs.cadvisor / kubeStateMetrics to your job names.
 */
export function scrapeConfigs(model: MeshModel): Record<string, unknown> {
  const config = model.config;
  const plan: CardinalityPlan = model.cardinality;
  const jobs = config.prometheus.jobs;
  const interval = config.prometheus.scrapeInterval;
  const obs = config.namespaces.observability;
  const common = [
    { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
    { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
  ];
  const own = ownPorts(config);
  const keepService = (labels: Record<string, string>, ports: string[]) => ({
    action: 'keep',
    source_labels: [
      ...Object.keys(labels).map((k) => `__meta_kubernetes_service_label_${k.replace(/[^a-zA-Z0-9_]/g, '_')}`),
      '__meta_kubernetes_endpoint_port_name',
    ],
    regex: `${Object.values(labels).join(';')};(${ports.join('|')})`,
  });
  return {
    scrape_configs: [
      {
        job_name: jobs.istiod,
        scrape_interval: interval,
        metrics_path: '/metrics',
        kubernetes_sd_configs: [{ role: 'endpoints', namespaces: { names: [config.namespaces.istio] } }],
        relabel_configs: [
          {
            action: 'keep',
            source_labels: ['__meta_kubernetes_service_label_app', '__meta_kubernetes_endpoint_port_name'],
            regex: `istiod;${ISTIOD_MONITORING_PORT.name}`,
          },
          ...common,
          { source_labels: ['__meta_kubernetes_service_name'], target_label: 'service' },
        ],
      },
      {
        job_name: jobs.envoy,
        scrape_interval: interval,
        metrics_path: ENVOY_PROM_PORT.path,
        kubernetes_sd_configs: [{ role: 'pod' }],
        relabel_configs: [
          {
            action: 'keep',
            source_labels: ['__meta_kubernetes_pod_container_name', '__meta_kubernetes_pod_container_port_name'],
            regex: `istio-proxy;${ENVOY_PROM_PORT.name}`,
          },
          { action: 'drop', source_labels: ['__meta_kubernetes_pod_label_istio_prometheus_ignore'], regex: '.+' },
          ...ENVOY_POD_LABELS.map((l) => ({ source_labels: [`__meta_kubernetes_pod_label_${l}`], target_label: l })),
          ...common,
        ],
        ...(plan.drops.length
          ? { metric_relabel_configs: plan.drops.map((d) => ({ action: 'drop', source_labels: d.sourceLabels, regex: d.regex })) }
          : {}),
      },
      // The collector's own telemetry and its span metrics, from both tiers' Services (as its ServiceMonitor).
      {
        job_name: jobs.collector,
        scrape_interval: interval,
        kubernetes_sd_configs: [{ role: 'endpoints', namespaces: { names: [obs] } }],
        relabel_configs: [
          keepService({ 'app.kubernetes.io/name': COLLECTOR_APP, 'app.kubernetes.io/instance': config.tracing.collector.name }, [
            own.metrics.name,
            own.spanMetrics.name,
          ]),
          ...common,
          { source_labels: ['__meta_kubernetes_service_name'], target_label: 'service' },
        ],
      },
      // Jaeger's collector and query telemetry, job = the role's Service (as its ServiceMonitors).
      {
        job_name: `${config.jaeger.name}`,
        scrape_interval: interval,
        kubernetes_sd_configs: [{ role: 'endpoints', namespaces: { names: [obs] } }],
        relabel_configs: [
          keepService({ 'app.kubernetes.io/name': JAEGER_APP, 'app.kubernetes.io/instance': config.jaeger.name }, [JAEGER_METRICS.name]),
          ...common,
          { source_labels: ['__meta_kubernetes_service_name'], target_label: 'service' },
          { source_labels: ['__meta_kubernetes_service_name'], target_label: 'job' },
        ],
      },
      // The kubelet's cAdvisor (container_* series: HighProxyMemoryUsage and the sidecar panels), through each
      // node's kubelet with Prometheus' service account (prometheus/prometheus documentation/examples/
      // prometheus-kubernetes.yml, job kubernetes-cadvisor). The series carry namespace, pod and container.
      {
        job_name: jobs.cadvisor,
        scrape_interval: interval,
        scheme: 'https',
        metrics_path: '/metrics/cadvisor',
        tls_config: { ca_file: `${SA}/ca.crt`, insecure_skip_verify: true },
        authorization: { credentials_file: `${SA}/token` },
        kubernetes_sd_configs: [{ role: 'node' }],
        relabel_configs: [{ source_labels: ['__meta_kubernetes_node_name'], target_label: 'node' }],
      },
      // kube-state-metrics (pod and container limits); honor_labels keeps the namespace and pod of the
      // objects it reports rather than its own.
      {
        job_name: jobs.kubeStateMetrics,
        scrape_interval: interval,
        honor_labels: true,
        kubernetes_sd_configs: [{ role: 'endpoints' }],
        relabel_configs: [
          {
            action: 'keep',
            source_labels: ['__meta_kubernetes_service_label_app_kubernetes_io_name', '__meta_kubernetes_endpoint_port_name'],
            regex: 'kube-state-metrics;http',
          },
        ],
      },
      ...model.services.map((s) => ({
        job_name: appJob(s),
        scrape_interval: interval,
        metrics_path: MERGED_METRICS_PATH,
        kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: [s.namespace] } }],
        relabel_configs: [
          // One target per pod: the sidecar's Envoy port, then moved to pilot-agent's merged metrics.
          {
            action: 'keep',
            source_labels: [
              '__meta_kubernetes_pod_label_app',
              '__meta_kubernetes_pod_container_name',
              '__meta_kubernetes_pod_container_port_name',
            ],
            regex: `${s.name};istio-proxy;${ENVOY_PROM_PORT.name}`,
          },
          ...mergedMetricsAddress,
          ...common,
          { source_labels: ['__meta_kubernetes_pod_label_app'], target_label: 'app' },
          { source_labels: ['__meta_kubernetes_pod_label_version'], target_label: 'version' },
        ],
        metric_relabel_configs: [{ action: 'drop', source_labels: ['__name__'], regex: '(istio|envoy)_.*' }],
      })),
    ],
  };
}
