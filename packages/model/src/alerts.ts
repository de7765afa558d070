// One record per alert of the bundle: its name, severity, what it is about, the signals it has (each its own
// rule with a `signal` label), the config fields its `for` and thresholds come from, its runbook, and the
// promtool rule-test suite that proves it. The rules (rules/rules.ts), the Alertmanager routes, the
// runbooks (docs/runbooks/<name>.md) and the rule tests all read these records.
import type { MeshobsConfig } from '@meshobs/config';

export type Severity = 'critical' | 'warning';

export interface AlertRecord {
  name: string;
  severity: Severity;
  /**
   * `service`: one alert per service (destination_service_namespace/_name), with per-service thresholds where
   * it has any, and the owning team's label. `mesh`: about the control plane, proxies or gateways.
   */
  scope: 'service' | 'mesh';
  /** Signals of an alert with more than one cause, each its own rule with a `signal` label. */
  signals: readonly string[];
  /** The config field of its `for` duration. */
  forField: string;
  /** The config fields of its thresholds (per-service ones are overridable in services[].alerts). */
  thresholdFields: readonly string[];
  /** The promtool rule-test suite (tests/<suite>.yml) that fires and silences it. */
  ruleTests: string;
  /** Only rendered when this holds. */
  when?: (config: MeshobsConfig) => boolean;
}

export const ALERTS = [
  {
    name: 'High5xxErrorRate',
    severity: 'critical',
    scope: 'service',
    signals: [],
    forField: 'alerts.high5xxErrorRate.for',
    thresholdFields: ['alerts.high5xxErrorRate.threshold', 'alerts.high5xxErrorRate.minRequestRate'],
    ruleTests: 'High5xxErrorRate',
  },
  {
    name: 'HighRequestLatency',
    severity: 'warning',
    scope: 'service',
    signals: [],
    forField: 'alerts.highRequestLatency.for',
    thresholdFields: ['alerts.highRequestLatency.p99Seconds', 'alerts.highRequestLatency.minRequestRate'],
    ruleTests: 'HighRequestLatency',
  },
  {
    name: 'CertificateExpiringSoon',
    severity: 'warning',
    scope: 'mesh',
    signals: [],
    forField: 'alerts.certificateExpiringSoon.for',
    thresholdFields: ['alerts.certificateExpiringSoon.days'],
    ruleTests: 'CertificateExpiringSoon',
  },
  {
    name: 'PilotPushErrors',
    severity: 'warning',
    scope: 'mesh',
    signals: ['push_send_errors', 'xds_rejects', 'internal_errors'],
    forField: 'alerts.pilotPushErrors.for',
    thresholdFields: [],
    ruleTests: 'PilotPushErrors',
  },
  {
    name: 'IstioControlPlaneUnavailable',
    severity: 'critical',
    scope: 'mesh',
    signals: ['targets_down', 'absent'],
    forField: 'alerts.istioControlPlaneUnavailable.for',
    thresholdFields: [],
    ruleTests: 'IstioControlPlaneUnavailable',
  },
  {
    name: 'HighProxyMemoryUsage',
    severity: 'warning',
    scope: 'mesh',
    signals: [],
    forField: 'alerts.highProxyMemoryUsage.for',
    thresholdFields: ['alerts.highProxyMemoryUsage.threshold'],
    ruleTests: 'HighProxyMemoryUsage',
  },
  {
    name: 'CircuitBreakerTriggered',
    severity: 'warning',
    scope: 'service',
    signals: ['response_flags', 'upstream_rq_pending_overflow', 'upstream_cx_overflow', 'outlier_detection_ejections_active'],
    forField: 'alerts.circuitBreakerTriggered.for',
    thresholdFields: [],
    ruleTests: 'CircuitBreakerTriggered',
  },
  {
    name: 'IstioGatewayUnhealthy',
    severity: 'critical',
    scope: 'mesh',
    signals: ['no_available_replicas', 'scrape_targets_down', '5xx_error_rate'],
    forField: 'alerts.istioGatewayUnhealthy.for',
    thresholdFields: ['alerts.high5xxErrorRate.threshold', 'alerts.high5xxErrorRate.minRequestRate'],
    ruleTests: 'IstioGatewayUnhealthy',
    when: (c) => c.istio.gateways.ingress.enabled || c.istio.gateways.egress.enabled,
  },
  {
    name: 'EgressTrafficBlocked',
    severity: 'warning',
    scope: 'mesh',
    signals: ['http_requests', 'tcp_connections'],
    forField: 'alerts.egressTrafficBlocked.for',
    thresholdFields: [],
    ruleTests: 'EgressTrafficBlocked',
  },
  {
    name: 'EdgeTlsHandshakeFailures',
    severity: 'warning',
    scope: 'mesh',
    signals: [],
    forField: 'alerts.edgeTlsHandshakeFailures.for',
    thresholdFields: ['alerts.edgeTlsHandshakeFailures.threshold', 'alerts.edgeTlsHandshakeFailures.minHandshakeRate'],
    ruleTests: 'EdgeTlsHandshakeFailures',
    when: (c) => c.istio.gateways.ingress.enabled,
  },
  {
    name: 'ServiceAvailabilityErrorBudgetBurn',
    severity: 'critical',
    scope: 'service',
    signals: [],
    forField: '(fixed: 2m for the fast burn, 15m for the slow burn)',
    thresholdFields: ['services[].slo.availability', 'alerts.slo.period', 'alerts.slo.minRequestRate'],
    ruleTests: 'slo-burn-rate',
    when: (c) => c.alerts.slo.enabled,
  },
  {
    name: 'ServiceLatencyErrorBudgetBurn',
    severity: 'critical',
    scope: 'service',
    signals: [],
    forField: '(fixed: 2m for the fast burn, 15m for the slow burn)',
    thresholdFields: [
      'services[].slo.latencyThresholdSeconds',
      'services[].slo.latencyTarget',
      'alerts.slo.period',
      'alerts.slo.minRequestRate',
    ],
    ruleTests: 'slo-burn-rate',
    when: (c) => c.alerts.slo.enabled,
  },
] as const satisfies readonly AlertRecord[];

export type AlertName = (typeof ALERTS)[number]['name'];

/** The eight alerts of the product requirements, exact names, and the mesh edge's EgressTrafficBlocked and EdgeTlsHandshakeFailures. */
export const ALERT_NAMES = ALERTS.filter((a) => a.ruleTests !== 'slo-burn-rate').map((a) => a.name) as Exclude<
  AlertName,
  'ServiceAvailabilityErrorBudgetBurn' | 'ServiceLatencyErrorBudgetBurn'
>[];
/** The SLO burn-rate alerts (alerts.slo); each has a critical (fast) and a warning (slow) rule. */
export const SLO_ALERT_NAMES = ['ServiceAvailabilityErrorBudgetBurn', 'ServiceLatencyErrorBudgetBurn'] as const;

export const alertRecord = (name: AlertName): AlertRecord => ALERTS.find((a) => a.name === name)!;

/** Severity of each alert (the SLO alerts take theirs per burn window). */
export const SEVERITY = Object.fromEntries(ALERTS.map((a) => [a.name, a.severity])) as Record<AlertName, Severity>;

/** The alerts whose rules the config renders. */
export const alertsOf = (config: MeshobsConfig): AlertRecord[] => ALERTS.filter((a) => !('when' in a) || a.when(config));
