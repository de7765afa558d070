// Every recording and alerting rule of the bundle, from the config and its services. The same groups go
// into the plain rules.yml and into the PrometheusRule CR. Per-service thresholds and owners are data the
// alerts join on (group meshobs.services), never one rule per service.
import { durationSeconds, type MeshobsConfig } from '@meshobs/config';
import {
  BURN_RATES,
  blackholeRates,
  CIRCUIT_BREAKER_ALERT_STATS,
  clusterScoped,
  controlPlane,
  EDGE_TLS_LABELS,
  edgeTlsHandshakes,
  envoyStat,
  envoyStatSignal,
  errorRequestRate,
  gatewaySignals,
  jobMatcher,
  LEVELS,
  on,
  recordNames,
  refusedRequestRate,
  requestRate,
  ruleScope,
  SERVICE_DATA,
  SERVICE_LABELS,
  SLO_WINDOWS,
  serviceMatchers,
  sidecarResources,
  sloNames,
  slowRequestRatio,
} from '@meshobs/signals';
import { type AlertName, SEVERITY, type Severity } from '../alerts.ts';
import { type ServiceModel, servicesOf } from '../services.ts';
import { humanizePercentage } from './humanize.ts';
import { istioViewGroups } from './recording/index.ts';
import { type RecordingRule, recordingFamilies } from './recording-rules.ts';

export interface AlertingRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: { summary: string; description: string; runbook_url: string };
}

export type Rule = RecordingRule | AlertingRule;

export interface RuleGroup {
  name: string;
  /** Evaluation interval of the group when it differs from Prometheus' global evaluation_interval. */
  interval?: string;
  rules: Rule[];
}

/** Istio's default buckets of istio_request_duration_milliseconds (ms). */
export const ISTIO_DURATION_BUCKETS_MS = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
] as const;

/**
 * `le` matcher for a bucket bound that holds on Prometheus 2 ("500") and on Prometheus 3, which
 * normalises classic-histogram `le` values at scrape time ("500.0", "3.6e+06").
 */
export function leMatcher(boundMs: number): string {
  const plain = String(boundMs);
  const forms = new Set([plain]);
  if (Number.isInteger(boundMs)) {
    if (boundMs >= 1e6 || boundMs < 1e-4) {
      const [m, e] = boundMs.toExponential().split('e');
      const n = Number(e);
      forms.add(`${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`);
    } else forms.add(`${plain}.0`);
  }
  const re = [...forms].map((f) => f.replace(/\./g, '[.]').replace(/\+/g, '[+]')).join('|');
  return forms.size === 1 ? `le="${plain}"` : `le=~"${re}"`;
}

/** The bucket bound (ms) the latency SLO counts against: the smallest Istio bound >= the threshold. */
export function latencyBucketMs(thresholdSeconds: number): { bound: number; exact: boolean } {
  const ms = thresholdSeconds * 1000;
  const bound = ISTIO_DURATION_BUCKETS_MS.find((b) => b >= ms - 1e-9) ?? ISTIO_DURATION_BUCKETS_MS.at(-1)!;
  return { bound, exact: Math.abs(bound - ms) < 1e-9 };
}

/** Burn-rate factors for an SLO period: share of budget consumed in the long window (Sloth / SRE workbook). */
export function burnRates(period: string) {
  const periodS = durationSeconds(period);
  return BURN_RATES.map((b) => {
    const factor = Number(((b.budgetShare * periodS) / durationSeconds(b.long)).toFixed(4));
    return { ...b, factor };
  });
}

const pct = (v: number) => humanizePercentage(v);
const onSvc = on(SERVICE_LABELS);
const svcTemplate = '{{ $labels.destination_service_name }} in namespace {{ $labels.destination_service_namespace }}';

/** All rule groups for a config, in evaluation order. */
export function ruleGroups(config: MeshobsConfig, services: readonly ServiceModel[] = servicesOf(config)): RuleGroup[] {
  const a = config.alerts;
  const jobs = config.prometheus.jobs;
  const w = a.window;
  const n = recordNames(w);
  const runbook = (name: string) => `${a.runbookBaseUrl.replace(/\/+$/, '')}/${name}.md`;
  const alert = (
    name: AlertName,
    severity: Severity,
    forDuration: string,
    expr: string,
    summary: string,
    description: string,
    extra: Record<string, string> = {},
  ): AlertingRule => ({
    alert: name,
    expr,
    for: forDuration,
    labels: { severity, ...extra, ...a.extraLabels },
    annotations: { summary, description, runbook_url: runbook(name) },
  });

  const h5 = a.high5xxErrorRate;
  const lat = a.highRequestLatency;
  const cert = a.certificateExpiringSoon;
  const cp = controlPlane(config);
  const envoy = jobMatcher(config, 'envoy');
  const gw = gatewaySignals(config);
  const tls = edgeTlsHandshakes(config, w);
  const overrides = {
    h5Threshold: services.some((s) => s.overrides.high5xxErrorRate.threshold !== undefined),
    h5MinRate: services.some((s) => s.overrides.high5xxErrorRate.minRequestRate !== undefined),
    latThreshold: services.some((s) => s.overrides.highRequestLatency.p99Seconds !== undefined),
    latMinRate: services.some((s) => s.overrides.highRequestLatency.minRequestRate !== undefined),
  };
  const owned = services.some((s) => s.owner !== undefined);
  /**
   * The services of `expr` whose owner is known get its `team` label (the owner info series is 1, so the
   * value is kept); the others pass as they are. Without owners, `expr` itself.
   */
  const ownedBy = (expr: string) =>
    owned
      ? `(\n  ${expr}\n) * ${onSvc} group_left (team) ${SERVICE_DATA.owner}\nor\n(\n  ${expr}\n) unless ${onSvc} ${SERVICE_DATA.owner}`
      : expr;

  const alerts: AlertingRule[] = [
    alert(
      'High5xxErrorRate',
      SEVERITY.High5xxErrorRate,
      h5.for,
      ownedBy(
        `${above(n.serviceErrorRatio, '>', SERVICE_DATA.high5xxThreshold, h5.threshold, overrides.h5Threshold)}\nand ${onSvc}\n` +
          above(n.serviceRequestRate, '>=', SERVICE_DATA.high5xxMinRequestRate, h5.minRequestRate, overrides.h5MinRate),
      ),
      'A service answers too many requests with 5xx.',
      `{{ $value | humanizePercentage }} of requests to service ${svcTemplate} returned 5xx over the last ${w} (threshold ${
        overrides.h5Threshold
          ? thresholdTemplate(SERVICE_DATA.high5xxThreshold, pct(h5.threshold), 'humanizePercentage')
          : pct(h5.threshold)
      }, counted at the server side, services under ${
        overrides.h5MinRate
          ? thresholdTemplate(SERVICE_DATA.high5xxMinRequestRate, String(h5.minRequestRate), 'humanize')
          : h5.minRequestRate
      } req/s excluded).`,
    ),
    alert(
      'HighRequestLatency',
      SEVERITY.HighRequestLatency,
      lat.for,
      ownedBy(
        `${above(`max without (quantile) (${n.serviceLatency}{quantile="0.99"})`, '>', SERVICE_DATA.latencyThreshold, lat.p99Seconds, overrides.latThreshold)}\nand ${onSvc}\n` +
          above(n.serviceRequestRate, '>=', SERVICE_DATA.latencyMinRequestRate, lat.minRequestRate, overrides.latMinRate),
      ),
      'A service is slow: its P99 latency is above the threshold.',
      `P99 latency of service ${svcTemplate} is {{ $value | humanizeDuration }} over the last ${w} (threshold ${
        overrides.latThreshold
          ? thresholdTemplate(SERVICE_DATA.latencyThreshold, `${lat.p99Seconds}s`, 'humanizeDuration')
          : `${lat.p99Seconds}s`
      }, services under ${
        overrides.latMinRate
          ? thresholdTemplate(SERVICE_DATA.latencyMinRequestRate, String(lat.minRequestRate), 'humanize')
          : lat.minRequestRate
      } req/s excluded).`,
    ),
    alert(
      'CertificateExpiringSoon',
      SEVERITY.CertificateExpiringSoon,
      cert.for,
      // `_seconds` (time left, Istio >= 1.23) is preferred where both exist: `or` keeps the left side.
      `(\n  ${cp.rootCertSecondsLeftParts(['namespace']).join('\n  or\n  ')}\n) < ${cert.days} * 86400`,
      'The Istio root CA certificate expires soon.',
      `The Istio root CA certificate of istiod in namespace {{ $labels.namespace }} expires in {{ $value | humanizeDuration }} (threshold ${cert.days} days). Every workload certificate chains to it.`,
    ),
    alert(
      'PilotPushErrors',
      SEVERITY.PilotPushErrors,
      a.pilotPushErrors.for,
      `${cp.pushSendErrors(w, ['namespace', 'type'])} > 0`,
      'istiod fails to push xDS configuration to proxies.',
      `istiod in namespace {{ $labels.namespace }} fails to send {{ $labels.type }} xDS pushes: {{ $value | humanize }} errors/s over the last ${w}.`,
      { signal: 'push_send_errors' },
    ),
    alert(
      'PilotPushErrors',
      SEVERITY.PilotPushErrors,
      a.pilotPushErrors.for,
      `${cp.xdsRejects(w, ['namespace'])} > 0`,
      'Proxies reject the xDS configuration istiod sends.',
      `Proxies rejected xDS configuration from istiod in namespace {{ $labels.namespace }}: {{ $value | humanize }} rejections/s over the last ${w}.`,
      { signal: 'xds_rejects' },
    ),
    alert(
      'PilotPushErrors',
      SEVERITY.PilotPushErrors,
      a.pilotPushErrors.for,
      `${cp.internalErrors(w, ['namespace'])} > 0`,
      'istiod hits internal errors while generating xDS configuration.',
      `istiod in namespace {{ $labels.namespace }} reports {{ $value | humanize }} internal xDS errors/s over the last ${w}.`,
      { signal: 'internal_errors' },
    ),
    alert(
      'IstioControlPlaneUnavailable',
      SEVERITY.IstioControlPlaneUnavailable,
      a.istioControlPlaneUnavailable.for,
      `max by (namespace, job) (${cp.up}) == 0`,
      'No istiod instance is up.',
      `Every {{ $labels.job }} scrape target in namespace {{ $labels.namespace }} is down: no istiod serves xDS or signs workload certificates.`,
      { signal: 'targets_down' },
    ),
    alert(
      'IstioControlPlaneUnavailable',
      SEVERITY.IstioControlPlaneUnavailable,
      a.istioControlPlaneUnavailable.for,
      `absent(${cp.up})`,
      'No istiod instance is up.',
      `Prometheus has no up series of job {{ $labels.job }} at all: istiod is not running, or it is not scraped.`,
      { signal: 'absent', namespace: config.namespaces.istio },
    ),
    alert(
      'HighProxyMemoryUsage',
      SEVERITY.HighProxyMemoryUsage,
      a.highProxyMemoryUsage.for,
      // Regular and native (init container) sidecars alike: sidecarResources reads both limit families.
      `${sidecarResources(jobs).memoryShare}\n> ${a.highProxyMemoryUsage.threshold}`,
      'An istio-proxy sidecar is close to its memory limit.',
      `The istio-proxy container of pod {{ $labels.pod }} in namespace {{ $labels.namespace }} uses {{ $value | humanizePercentage }} of its memory limit (threshold ${pct(a.highProxyMemoryUsage.threshold)}).`,
    ),
    alert(
      'CircuitBreakerTriggered',
      SEVERITY.CircuitBreakerTriggered,
      a.circuitBreakerTriggered.for,
      // reporter="source": the client proxy sets these flags; the server never sees the request.
      ownedBy(`${refusedRequestRate(w, [...SERVICE_LABELS, 'response_flags'])} > 0`),
      'Requests are refused by circuit breaking or outlier ejection.',
      `Requests to service ${svcTemplate} fail with response flags {{ $labels.response_flags }} (circuit breaker overflow, retry overflow or no healthy upstream): {{ $value | humanize }} req/s over the last ${w}.`,
      { signal: 'response_flags' },
    ),
    ...CIRCUIT_BREAKER_ALERT_STATS.map((stat) =>
      alert(
        'CircuitBreakerTriggered',
        SEVERITY.CircuitBreakerTriggered,
        a.circuitBreakerTriggered.for,
        ownedBy(withServiceFromCluster(`${envoyStat(stat, w, ['namespace', 'cluster_name'], 'max', envoy)} > 0`)),
        'Requests are refused by circuit breaking or outlier ejection.',
        `Envoy proxies in namespace {{ $labels.namespace }} report {{ $value | humanize }} ${stat.alert} on upstream cluster {{ $labels.cluster_name }}${stat.type === 'counter' ? ` over the last ${w}` : ''}.`,
        { signal: envoyStatSignal(stat) },
      ),
    ),
    // Calls the mesh refuses under REGISTRY_ONLY (packages/signals edge.ts): HTTP requests and TCP connections
    // to the BlackHoleCluster, per calling workload.
    ...(['http_requests', 'tcp_connections'] as const).map((signal) =>
      alert(
        'EgressTrafficBlocked',
        SEVERITY.EgressTrafficBlocked,
        a.egressTrafficBlocked.for,
        `${signal === 'http_requests' ? blackholeRates(w).requests : blackholeRates(w).connections} > 0`,
        'Calls to an external host are refused by the mesh.',
        `Workload {{ $labels.source_workload }} in namespace {{ $labels.source_workload_namespace }} makes {{ $value | humanize }} ${signal === 'http_requests' ? 'requests' : 'connections'}/s to external hosts no ServiceEntry lists; the mesh (REGISTRY_ONLY) sends them to the BlackHoleCluster. List the host in egress.hosts or a ServiceEntry of your own.`,
        { signal },
      ),
    ),
    // TLS handshakes failing at an ingress gateway listener (packages/signals edge-tls.ts); no ingress gateway, no rule.
    ...(tls
      ? [
          alert(
            'EdgeTlsHandshakeFailures',
            SEVERITY.EdgeTlsHandshakeFailures,
            a.edgeTlsHandshakeFailures.for,
            `${tls.failedShare} > ${a.edgeTlsHandshakeFailures.threshold}\nand ${on(EDGE_TLS_LABELS)}\n${tls.attempted} >= ${a.edgeTlsHandshakeFailures.minHandshakeRate}`,
            'TLS handshakes fail at the ingress gateway.',
            `{{ $value | humanizePercentage }} of TLS handshakes at listener {{ $labels.listener_address }} of {{ $labels.istio }} in namespace {{ $labels.namespace }} failed over the last ${w} (threshold ${pct(a.edgeTlsHandshakeFailures.threshold)}, listeners under ${a.edgeTlsHandshakeFailures.minHandshakeRate} handshakes/s excluded): clients cannot agree on TLS with the gateway.`,
          ),
        ]
      : []),
    // The configured gateways only (istio.gateways.*: Deployment name, `istio` pod label); none enabled, no rule.
    ...(gw.pods && gw.deployments
      ? [
          alert(
            'IstioGatewayUnhealthy',
            SEVERITY.IstioGatewayUnhealthy,
            a.istioGatewayUnhealthy.for,
            // The istio label as Istio's gateway chart sets it: the Deployment name without "istio-".
            `label_replace(\n  max by (namespace, deployment) (${gw.replicasAvailable()}) == 0,\n  "istio", "$1", "deployment", "(?:istio-)?(.*)"\n)`,
            'An Istio gateway has no available replica.',
            `Gateway deployment {{ $labels.deployment }} in namespace {{ $labels.namespace }} has {{ $value }} available replicas: traffic through it fails.`,
            { signal: 'no_available_replicas' },
          ),
          alert(
            'IstioGatewayUnhealthy',
            SEVERITY.IstioGatewayUnhealthy,
            a.istioGatewayUnhealthy.for,
            `max by (namespace, istio) (${gw.targetsUp}) == 0`,
            'An Istio gateway has no healthy instance.',
            `Every {{ $labels.istio }} pod in namespace {{ $labels.namespace }} fails its Envoy scrape: no gateway instance answers.`,
            { signal: 'scrape_targets_down' },
          ),
          alert(
            'IstioGatewayUnhealthy',
            SEVERITY.IstioGatewayUnhealthy,
            a.istioGatewayUnhealthy.for,
            `${n.gatewayErrorRatio} > ${h5.threshold}\nand ${on(LEVELS.gateway)}\n${n.gatewayRequestRate} >= ${h5.minRequestRate}`,
            'An Istio gateway answers too many requests with 5xx.',
            `The {{ $labels.istio }} in namespace {{ $labels.namespace }} answered {{ $value | humanizePercentage }} of requests with 5xx over the last ${w} (threshold ${pct(h5.threshold)}).`,
            { signal: '5xx_error_rate' },
          ),
        ]
      : []),
  ];

  const data = serviceDataRules(services);
  const groups: RuleGroup[] = [
    ...recordingFamilies(w, gw.pods).map((f) => ({ name: `meshobs.istio.${f.family}`, rules: f.rules })),
    ...(data.length ? [{ name: 'meshobs.services', rules: data }] : []),
    { name: 'meshobs.istio.alerts', rules: alerts },
  ];
  // The views of Istio's dashboards (client side, sizes, TCP per workload, istiod internals).
  groups.push(...istioViewGroups(config));
  if (a.slo.enabled && services.length) groups.push(...sloGroups(config, services, alert, ownedBy));
  // Every aggregation and every binary match keeps the cluster label (cluster.label, see
  // packages/signals/src/cluster.ts): one Prometheus gives the same series as without it.
  const scope = ruleScope(config);
  return groups.map((g) => ({ ...g, rules: g.rules.map((r) => ({ ...r, expr: clusterScoped(r.expr, scope) })) }));
}

/**
 * `lhs op threshold`, where the threshold is the mesh-wide literal, or, when some service sets its own,
 * that service's data series and the literal for every other service of `lhs`.
 */
function above(lhs: string, op: '>' | '>=', series: string, fallback: number, perService: boolean): string {
  if (!perService) return `${lhs} ${op} ${fallback}`;
  return `${lhs}\n${op} ${onSvc}\n(${series} or ${onSvc} ${lhs} * 0 + ${fallback})`;
}

/** An annotation's threshold: the service's own series when it has one, else the mesh-wide value. */
const thresholdTemplate = (series: string, fallback: string, format: string) =>
  `{{ with printf "${series}{destination_service_namespace='%s',destination_service_name='%s'}" $labels.destination_service_namespace $labels.destination_service_name | query }}{{ . | first | value | ${format} }}{{ else }}${fallback}{{ end }}`;

/** The per-service data the alerts join on: the thresholds services set themselves, and their owners. */
export function serviceDataRules(services: readonly ServiceModel[]): RecordingRule[] {
  const rules: RecordingRule[] = [];
  for (const s of services) {
    const labels = { destination_service_namespace: s.namespace, destination_service_name: s.name };
    const value = (record: string, v: number | undefined) => {
      if (v !== undefined) rules.push({ record, expr: `vector(${v})`, labels });
    };
    value(SERVICE_DATA.high5xxThreshold, s.overrides.high5xxErrorRate.threshold);
    value(SERVICE_DATA.high5xxMinRequestRate, s.overrides.high5xxErrorRate.minRequestRate);
    value(SERVICE_DATA.latencyThreshold, s.overrides.highRequestLatency.p99Seconds);
    value(SERVICE_DATA.latencyMinRequestRate, s.overrides.highRequestLatency.minRequestRate);
    if (s.owner !== undefined) rules.push({ record: SERVICE_DATA.owner, expr: 'vector(1)', labels: { ...labels, team: s.owner } });
  }
  return rules;
}

/** Adds destination_service_name/namespace parsed from an outbound Envoy cluster name. */
function withServiceFromCluster(expr: string): string {
  const re = (group: 1 | 2) => `"outbound[|][0-9]*[|][^|]*[|]${group === 1 ? '([^.]+)[.][^.]+' : '[^.]+[.]([^.]+)'}[.].*"`;
  return `label_replace(label_replace(\n  ${expr},\n  "destination_service_name", "$1", "cluster_name", ${re(1)}),\n  "destination_service_namespace", "$1", "cluster_name", ${re(2)})`;
}

type AlertFactory = (
  name: 'ServiceAvailabilityErrorBudgetBurn' | 'ServiceLatencyErrorBudgetBurn',
  severity: Severity,
  forDuration: string,
  expr: string,
  summary: string,
  description: string,
  extra?: Record<string, string>,
) => AlertingRule;

/**
 * SLO recording rules, per namespace rather than per service: for each window one rule per SLI covering
 * every listed service of the namespace by name (the latency SLI an `or` of one term per latency bucket its
 * services count against), and one rule per objective holding each service's as data. A mesh of 200 services
 * in 10 namespaces gets 230 SLO rules, not 4,400; the series and values are the same. The namespace label is
 * also static, so the rules of two namespaces are not duplicates to promtool's linter.
 */
export function sloRecordingRules(services: readonly Pick<ServiceModel, 'namespace' | 'name' | 'slo'>[]): RecordingRule[] {
  const byNamespace = new Map<string, Pick<ServiceModel, 'namespace' | 'name' | 'slo'>[]>();
  for (const s of services) byNamespace.set(s.namespace, [...(byNamespace.get(s.namespace) ?? []), s]);
  // DNS labels: no regular-expression metacharacters to escape.
  const select = (namespace: string, names: string[]) =>
    `destination_service_namespace="${namespace}", destination_service_name=${names.length === 1 ? `"${names[0]}"` : `~"${[...names].sort().join('|')}"`}`;
  const objective = (list: Pick<ServiceModel, 'name' | 'slo'>[], value: (s: Pick<ServiceModel, 'slo'>) => number) =>
    list.map((s) => `label_replace(vector(${value(s)}), "destination_service_name", "${s.name}", "", "")`).join('\nor\n');
  const rules: RecordingRule[] = [];
  for (const [namespace, unsorted] of [...byNamespace.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const list = [...unsorted].sort((a, b) => a.name.localeCompare(b.name));
    const labels = { destination_service_namespace: namespace };
    const svc = select(
      namespace,
      list.map((s) => s.name),
    );
    const byBound = new Map<number, string[]>();
    for (const s of list) {
      const bound = latencyBucketMs(s.slo.latencyThresholdSeconds).bound;
      byBound.set(bound, [...(byBound.get(bound) ?? []), s.name]);
    }
    const bounds = [...byBound.entries()].sort(([a], [b]) => a - b);
    for (const win of SLO_WINDOWS) {
      rules.push({ record: sloNames.requestRate(win), expr: requestRate(win, SERVICE_LABELS, svc), labels });
      rules.push({
        record: sloNames.availabilityErrorRatio(win),
        expr: `(${errorRequestRate(win, SERVICE_LABELS, svc)} or ${sloNames.requestRate(win)}{${svc}} * 0)\n/\n${sloNames.requestRate(win)}{${svc}}`,
        labels,
      });
      const latency = bounds.map(([bound, names]) => slowRequestRatio(win, leMatcher(bound), SERVICE_LABELS, select(namespace, names)));
      rules.push({
        record: sloNames.latencyErrorRatio(win),
        expr: latency.length === 1 ? latency[0]! : latency.map((e) => `(\n${e}\n)`).join('\nor\n'),
        labels,
      });
    }
    rules.push({ record: sloNames.availabilityObjective, expr: objective(list, (s) => s.slo.availability), labels });
    rules.push({ record: sloNames.latencyObjective, expr: objective(list, (s) => s.slo.latencyTarget), labels });
  }
  return rules;
}

function sloGroups(
  config: MeshobsConfig,
  services: readonly ServiceModel[],
  alert: AlertFactory,
  ownedBy: (expr: string) => string,
): RuleGroup[] {
  const a = config.alerts;
  const min = a.slo.minRequestRate;
  const rates = burnRates(a.slo.period);
  const sli = [
    {
      name: 'ServiceAvailabilityErrorBudgetBurn' as const,
      slo: 'availability',
      ratio: sloNames.availabilityErrorRatio,
      objective: sloNames.availabilityObjective,
      what: 'errors (5xx)',
    },
    {
      name: 'ServiceLatencyErrorBudgetBurn' as const,
      slo: 'latency',
      ratio: sloNames.latencyErrorRatio,
      objective: sloNames.latencyObjective,
      what: 'requests slower than its latency threshold',
    },
  ];
  const alerts: AlertingRule[] = [];
  for (const s of sli) {
    for (const severity of ['critical', 'warning'] as const) {
      const pairs = rates.filter((r) => r.severity === severity);
      const branch = (r: (typeof rates)[number]) =>
        `(\n  ${s.ratio(r.short)} > ${onSvc} (${r.factor} * (1 - ${s.objective}))\n  and ${onSvc}\n  ${s.ratio(r.long)} > ${onSvc} (${r.factor} * (1 - ${s.objective}))\n  and ${onSvc}\n  ${sloNames.requestRate(r.long)} >= ${min}\n)`;
      const windows = pairs.map((r) => `${r.factor}x over ${r.short} and ${r.long}`).join(', or ');
      alerts.push(
        alert(
          s.name,
          severity,
          severity === 'critical' ? '2m' : '15m',
          ownedBy(pairs.map(branch).join('\nor\n')),
          severity === 'critical'
            ? `A service burns its ${s.slo} error budget fast: the SLO is at risk within hours.`
            : `A service burns its ${s.slo} error budget steadily: the SLO is at risk within days.`,
          `Service ${svcTemplate} burns its ${s.slo} error budget at more than ${windows} (SLO period ${a.slo.period}); ${s.what}: {{ $value | humanizePercentage }} of requests over the short window.`,
          { slo: s.slo },
        ),
      );
    }
  }
  return [
    { name: 'meshobs.slo.recording', rules: sloRecordingRules(services) },
    { name: 'meshobs.slo.alerts', rules: alerts },
  ];
}

/** Latency-threshold warnings (an SLO threshold that is not an Istio bucket bound). */
export function sloWarnings(config: MeshobsConfig, services: readonly ServiceModel[] = servicesOf(config)): string[] {
  if (!config.alerts.slo.enabled) return [];
  return services.flatMap((s) => {
    const { bound, exact } = latencyBucketMs(s.slo.latencyThresholdSeconds);
    return exact
      ? []
      : [
          `services ${s.namespace}/${s.name}: slo.latencyThresholdSeconds ${s.slo.latencyThresholdSeconds} is not an Istio histogram bucket bound; the latency SLO counts requests under ${bound / 1000}s instead`,
        ];
  });
}
