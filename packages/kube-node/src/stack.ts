// The monitoring stack of the target cluster, as kube-prometheus-stack (prometheus-community/helm-charts
// charts/kube-prometheus-stack) sets it up with its default values, for the release and namespace the
// mesh config names: prometheus-operator (with the upstream ClusterRoles of prometheus-operator
// v0.85.0 example/rbac), a Prometheus whose monitor and rule selectors are the chart's `release`
// label, an Alertmanager that selects every AlertmanagerConfig (the chart's
// alertmanagerConfigSelector: {}) under the bundle's own kube-prometheus-stack-values.yaml, the
// chart's base Alertmanager config (route to "null"), kube-state-metrics and the kubelet/cAdvisor
// monitors under the chart's job names. Or, for the plain profile, a Prometheus and an Alertmanager
// without the operator that load the bundle's scrape-configs.yml, rules.yml and alertmanager.yml.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MeshobsConfig } from '@meshobs/config';
import { parse, stringify } from 'yaml';
import { STACK_IMAGES } from './images.ts';

type Obj = Record<string, any>;

const yamlDocs = (docs: Obj[]) => docs.map((d) => stringify(d)).join('---\n');

/** Pod security as the chart sets it for Prometheus and Alertmanager (runAsUser 1000, fsGroup 2000). */
const CHART_POD_SECURITY = {
  runAsGroup: 2000,
  runAsNonRoot: true,
  runAsUser: 1000,
  fsGroup: 2000,
  seccompProfile: { type: 'RuntimeDefault' },
};

const CONTAINER_SECURITY = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

export interface StackNames {
  release: string;
  namespace: string;
  prometheus: string;
  alertmanager: string;
}

export function stackNames(config: MeshobsConfig): StackNames {
  const release = config.prometheus.release;
  return { release, namespace: config.namespaces.monitoring, prometheus: `${release}-prometheus`, alertmanager: `${release}-alertmanager` };
}

function serviceAccount(name: string, namespace: string): Obj {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } };
}

function clusterRoleBinding(name: string, role: string, sa: string, namespace: string): Obj {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [{ kind: 'ServiceAccount', name: sa, namespace }],
  };
}

/** The ClusterRoles of prometheus-operator v0.85.0 example/rbac, renamed for the release. */
function upstreamRoles(rbacDir: string, names: StackNames): Obj[] {
  const role = (file: string, name: string) => ({ ...parse(readFileSync(join(rbacDir, file), 'utf8')), metadata: { name } });
  return [
    role('prometheus-operator-cluster-role.yaml', `${names.release}-operator`),
    role('prometheus-cluster-role.yaml', `${names.release}-prometheus`),
  ];
}

/** kube-state-metrics as the chart's subchart runs it, scraped under job "kube-state-metrics". */
function kubeStateMetrics(names: StackNames, operator: boolean): Obj[] {
  const ns = names.namespace;
  const name = `${names.release}-kube-state-metrics`;
  const labels = { 'app.kubernetes.io/name': 'kube-state-metrics', 'app.kubernetes.io/instance': names.release, release: names.release };
  return [
    serviceAccount(name, ns),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name },
      rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['list', 'watch'] }],
    },
    clusterRoleBinding(name, name, name, ns),
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: { 'app.kubernetes.io/name': 'kube-state-metrics', 'app.kubernetes.io/instance': names.release } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: name,
            securityContext: {
              runAsUser: 65534,
              runAsGroup: 65534,
              fsGroup: 65534,
              runAsNonRoot: true,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: 'kube-state-metrics',
                image: STACK_IMAGES.kubeStateMetrics.ref,
                args: ['--port=8080', '--telemetry-port=8081'],
                ports: [{ containerPort: 8080, name: 'http' }],
                readinessProbe: { httpGet: { path: '/readyz', port: 8081 } },
                livenessProbe: { httpGet: { path: '/livez', port: 8080 } },
                securityContext: CONTAINER_SECURITY,
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: ns, labels },
      spec: { selector: { 'app.kubernetes.io/name': 'kube-state-metrics' }, ports: [{ name: 'http', port: 8080, targetPort: 8080 }] },
    },
    ...(operator
      ? [
          {
            apiVersion: 'monitoring.coreos.com/v1',
            kind: 'ServiceMonitor',
            metadata: { name, namespace: ns, labels: { release: names.release } },
            spec: {
              jobLabel: 'app.kubernetes.io/name',
              selector: { matchLabels: { 'app.kubernetes.io/name': 'kube-state-metrics', 'app.kubernetes.io/instance': names.release } },
              endpoints: [{ port: 'http', honorLabels: true }],
            },
          },
        ]
      : []),
  ];
}

/**
 * The chart's kubelet ServiceMonitor (templates/exporters/kubelet/servicemonitor.yaml): the operator's
 * kubelet Service (--kubelet-service), job "kubelet" from its k8s-app label, /metrics and
 * /metrics/cadvisor over HTTPS with the service account's token.
 */
function kubeletMonitor(names: StackNames): Obj {
  const endpoint = (path?: string) => ({
    port: 'https-metrics',
    scheme: 'https',
    ...(path ? { path } : {}),
    honorLabels: true,
    tlsConfig: { caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt', insecureSkipVerify: true },
    bearerTokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
    relabelings: [{ action: 'replace', sourceLabels: ['__metrics_path__'], targetLabel: 'metrics_path' }],
  });
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: `${names.release}-kubelet`, namespace: names.namespace, labels: { release: names.release } },
    spec: {
      jobLabel: 'k8s-app',
      namespaceSelector: { matchNames: ['kube-system'] },
      selector: { matchLabels: { 'app.kubernetes.io/name': 'kubelet', 'k8s-app': 'kubelet' } },
      endpoints: [endpoint(), endpoint('/metrics/cadvisor')],
    },
  };
}

/** The chart's default Alertmanager config (values.yaml alertmanager.config). */
const CHART_ALERTMANAGER_CONFIG = {
  global: { resolve_timeout: '5m' },
  route: {
    group_by: ['namespace'],
    group_wait: '30s',
    group_interval: '5m',
    repeat_interval: '12h',
    receiver: 'null',
    routes: [{ receiver: 'null', matchers: ['alertname = "Watchdog"'] }],
  },
  receivers: [{ name: 'null' }],
  templates: ['/etc/alertmanager/config/*.tmpl'],
};

/** prometheus-operator, Prometheus and Alertmanager CRs, kube-state-metrics, the kubelet monitor. */
export function operatorStack(names: StackNames, opts: { rbacDir: string; bundleDir: string; config: MeshobsConfig }): string {
  const ns = names.namespace;
  const op = `${names.release}-operator`;
  const opLabels = { app: op, 'app.kubernetes.io/name': `${names.release}-prometheus-operator`, release: names.release };
  // The bundle's kube-prometheus-stack values (alertmanager.alertmanagerSpec), applied as `helm upgrade -f` would.
  let amSpec: Obj = {};
  try {
    amSpec =
      parse(readFileSync(join(opts.bundleDir, 'alerts', 'kube-prometheus-stack-values.yaml'), 'utf8'))?.alertmanager?.alertmanagerSpec ??
      {};
  } catch {
    // no values file: the chart's defaults
  }
  const selector = { matchLabels: { release: names.release } };
  const docs: Obj[] = [
    ...upstreamRoles(opts.rbacDir, names),
    serviceAccount(op, ns),
    clusterRoleBinding(op, op, op, ns),
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: op, namespace: ns, labels: opLabels },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: op, release: names.release } },
        template: {
          metadata: { labels: opLabels },
          spec: {
            serviceAccountName: op,
            securityContext: {
              runAsUser: 65534,
              runAsGroup: 65534,
              fsGroup: 65534,
              runAsNonRoot: true,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: 'kube-prometheus-stack',
                image: STACK_IMAGES.operator.ref,
                args: [
                  `--kubelet-service=kube-system/${names.release}-kubelet`,
                  '--kubelet-endpoints=true',
                  '--kubelet-endpointslice=false',
                  '--localhost=127.0.0.1',
                  `--prometheus-config-reloader=${STACK_IMAGES.configReloader.ref}`,
                  '--config-reloader-cpu-request=0',
                  '--config-reloader-cpu-limit=0',
                  '--config-reloader-memory-request=0',
                  '--config-reloader-memory-limit=0',
                  '--web.listen-address=:8080',
                ],
                ports: [{ containerPort: 8080, name: 'http' }],
                readinessProbe: { httpGet: { path: '/healthz', port: 'http' } },
                securityContext: CONTAINER_SECURITY,
              },
            ],
          },
        },
      },
    },
    serviceAccount(names.prometheus, ns),
    clusterRoleBinding(names.prometheus, names.prometheus, names.prometheus, ns),
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'Prometheus',
      metadata: { name: names.prometheus, namespace: ns, labels: { release: names.release } },
      spec: {
        image: STACK_IMAGES.prometheus.ref,
        version: STACK_IMAGES.prometheus.ref.split(':').pop(),
        replicas: 1,
        serviceAccountName: names.prometheus,
        // The intervals the mesh config says its Prometheus runs at (the chart's default is 30s for both).
        scrapeInterval: opts.config.prometheus.scrapeInterval,
        evaluationInterval: opts.config.prometheus.evaluationInterval,
        serviceMonitorSelector: selector,
        serviceMonitorNamespaceSelector: {},
        podMonitorSelector: selector,
        podMonitorNamespaceSelector: {},
        ruleSelector: selector,
        ruleNamespaceSelector: {},
        probeSelector: selector,
        scrapeConfigSelector: selector,
        portName: 'http-web',
        externalUrl: `http://${names.prometheus}.${ns}:9090`,
        retention: '10d',
        securityContext: CHART_POD_SECURITY,
        alerting: {
          alertmanagers: [{ namespace: ns, name: names.alertmanager, port: 'http-web', pathPrefix: '/', apiVersion: 'v2' }],
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: names.prometheus, namespace: ns, labels: { release: names.release, 'self-monitor': 'true' } },
      spec: {
        selector: { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': names.prometheus },
        ports: [{ name: 'http-web', port: 9090, targetPort: 9090 }],
      },
    },
    serviceAccount(names.alertmanager, ns),
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `alertmanager-${names.alertmanager}`, namespace: ns },
      stringData: { 'alertmanager.yaml': stringify(CHART_ALERTMANAGER_CONFIG) },
    },
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'Alertmanager',
      metadata: { name: names.alertmanager, namespace: ns, labels: { release: names.release } },
      spec: {
        image: STACK_IMAGES.alertmanager.ref,
        version: STACK_IMAGES.alertmanager.ref.split(':').pop(),
        replicas: 1,
        serviceAccountName: names.alertmanager,
        externalUrl: `http://${names.alertmanager}.${ns}:9093`,
        portName: 'http-web',
        retention: '120h',
        securityContext: CHART_POD_SECURITY,
        alertmanagerConfigSelector: {},
        alertmanagerConfigNamespaceSelector: {},
        ...amSpec,
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: names.alertmanager, namespace: ns, labels: { release: names.release, 'self-monitor': 'true' } },
      spec: {
        selector: { 'app.kubernetes.io/name': 'alertmanager', alertmanager: names.alertmanager },
        ports: [{ name: 'http-web', port: 9093, targetPort: 9093 }],
      },
    },
    ...kubeStateMetrics(names, true),
    kubeletMonitor(names),
  ];
  return yamlDocs(docs);
}

/**
 * The plain profile: Prometheus and Alertmanager without the operator, as a user who runs them from
 * their own manifests loads the bundle's files: alerts/scrape-configs.yml (plus the kubelet/cAdvisor
 * and kube-state-metrics jobs such a Prometheus already has, under the job names the rules read),
 * alerts/rules.yml, alerts/alertmanager.yml with the receivers' Secrets mounted where it reads them.
 */
export function plainStack(names: StackNames, opts: { bundleDir: string; config: MeshobsConfig; rbacDir: string }): string {
  const ns = names.namespace;
  const { config } = opts;
  const read = (f: string) => readFileSync(join(opts.bundleDir, 'alerts', f), 'utf8');
  const bundleJobs = (parse(read('scrape-configs.yml')) as { scrape_configs: Obj[] }).scrape_configs;
  const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
  const ownJobs: Obj[] = [
    {
      job_name: config.prometheus.jobs.cadvisor,
      scheme: 'https',
      metrics_path: '/metrics/cadvisor',
      authorization: { credentials_file: `${sa}/token` },
      tls_config: { ca_file: `${sa}/ca.crt`, insecure_skip_verify: true },
      kubernetes_sd_configs: [{ role: 'node' }],
    },
    {
      job_name: config.prometheus.jobs.kubeStateMetrics,
      honor_labels: true,
      kubernetes_sd_configs: [{ role: 'endpoints', namespaces: { names: [ns] } }],
      relabel_configs: [
        {
          action: 'keep',
          source_labels: ['__meta_kubernetes_service_label_app_kubernetes_io_name', '__meta_kubernetes_endpoint_port_name'],
          regex: 'kube-state-metrics;http',
        },
      ],
    },
  ];
  const prometheusYml = {
    global: { scrape_interval: config.prometheus.scrapeInterval, evaluation_interval: config.prometheus.evaluationInterval },
    rule_files: ['/etc/prometheus/rules/rules.yml'],
    alerting: {
      alertmanagers: [
        {
          kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: [ns] } }],
          relabel_configs: [
            {
              action: 'keep',
              source_labels: ['__meta_kubernetes_pod_label_app', '__meta_kubernetes_pod_container_port_number'],
              regex: 'alertmanager;9093',
            },
          ],
        },
      ],
    },
    // The bundle's jobs, then the kubelet/cAdvisor and kube-state-metrics jobs such a Prometheus has of its own
    // where the bundle brings none under that name (it does since its scrape-configs.yml carries every job the
    // rules read; Prometheus refuses a config that names a job twice).
    scrape_configs: [...bundleJobs, ...ownJobs.filter((j) => !bundleJobs.some((b) => b.job_name === j.job_name))],
  };
  const promSvc = /^(?:[a-z]+:\/\/)?([a-z0-9-]+)\./.exec(config.prometheus.url)?.[1] ?? names.prometheus;
  const promUrl = new URL(config.prometheus.url);
  const promPort = Number(promUrl.port || (promUrl.protocol === 'https:' ? 443 : 80));
  const secrets = [config.alertmanager.receivers.critical, config.alertmanager.receivers.warning].map((r) => r.secret.name);
  const podSec = { ...CHART_POD_SECURITY };
  const docs: Obj[] = [
    { ...parse(readFileSync(join(opts.rbacDir, 'prometheus-cluster-role.yaml'), 'utf8')), metadata: { name: names.prometheus } },
    serviceAccount(names.prometheus, ns),
    clusterRoleBinding(names.prometheus, names.prometheus, names.prometheus, ns),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'prometheus-config', namespace: ns },
      data: { 'prometheus.yml': stringify(prometheusYml) },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'prometheus-rules', namespace: ns },
      data: { 'rules.yml': read('rules.yml') },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'prometheus', namespace: ns, labels: { app: 'prometheus' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'prometheus' } },
        template: {
          metadata: { labels: { app: 'prometheus', 'app.kubernetes.io/name': 'prometheus' } },
          spec: {
            serviceAccountName: names.prometheus,
            securityContext: podSec,
            containers: [
              {
                name: 'prometheus',
                image: STACK_IMAGES.prometheus.ref,
                args: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus', '--web.enable-lifecycle'],
                ports: [{ containerPort: 9090, name: 'http-web' }],
                readinessProbe: { httpGet: { path: '/-/ready', port: 9090 } },
                securityContext: CONTAINER_SECURITY,
                volumeMounts: [
                  { name: 'config', mountPath: '/etc/prometheus', readOnly: true },
                  { name: 'rules', mountPath: '/etc/prometheus/rules', readOnly: true },
                  { name: 'data', mountPath: '/prometheus' },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: 'prometheus-config' } },
              { name: 'rules', configMap: { name: 'prometheus-rules' } },
              { name: 'data', emptyDir: {} },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: promSvc, namespace: ns },
      // The port of prometheus.url (the plain profile's default, prometheus-server, is the Prometheus chart's Service on 80).
      spec: { selector: { app: 'prometheus' }, ports: [{ name: 'http-web', port: promPort, targetPort: 9090 }] },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'alertmanager-config', namespace: ns },
      data: { 'alertmanager.yml': read('alertmanager.yml') },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'alertmanager', namespace: ns, labels: { app: 'alertmanager' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'alertmanager' } },
        template: {
          metadata: { labels: { app: 'alertmanager' } },
          spec: {
            securityContext: podSec,
            automountServiceAccountToken: false,
            containers: [
              {
                name: 'alertmanager',
                image: STACK_IMAGES.alertmanager.ref,
                args: ['--config.file=/etc/alertmanager/alertmanager.yml', '--storage.path=/alertmanager', '--cluster.listen-address='],
                ports: [{ containerPort: 9093, name: 'http-web' }],
                readinessProbe: { httpGet: { path: '/-/ready', port: 9093 } },
                securityContext: CONTAINER_SECURITY,
                volumeMounts: [
                  { name: 'config', mountPath: '/etc/alertmanager/alertmanager.yml', subPath: 'alertmanager.yml', readOnly: true },
                  { name: 'data', mountPath: '/alertmanager' },
                  ...secrets.map((s) => ({ name: `secret-${s}`, mountPath: `/etc/alertmanager/secrets/${s}`, readOnly: true })),
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: 'alertmanager-config' } },
              { name: 'data', emptyDir: {} },
              ...secrets.map((s) => ({ name: `secret-${s}`, secret: { secretName: s } })),
            ],
          },
        },
      },
    },
    ...kubeStateMetrics(names, false),
  ];
  return yamlDocs(docs);
}
