import { z } from 'zod';
import {
  between,
  dnsLabel,
  dnsSubdomain,
  duration,
  durationSeconds,
  httpUrl,
  k8sLabelValue,
  labelValue,
  ratio,
  secretKey,
  secretKeyRef,
  selector,
  whenValid,
} from '../primitives.ts';

/**
 * Longest burn-rate window of the SLO alerts (BURN_RATES in packages/signals/src/records.ts: 1h, 6h,
 * 1d, 3d): an SLO period shorter than it makes every burn factor meaningless.
 */
export const SLO_LONGEST_WINDOW = '3d';

export const prometheus = z
  .strictObject({
    /**
     * In-cluster URL Kiali queries (and `meshobs verify`). Unset: the Service of the profile's Prometheus in
     * namespaces.monitoring: kube-prometheus-stack's `<release>-prometheus` on 9090, or for a plain Prometheus the
     * prometheus-community chart's `prometheus-server` on 80.
     */
    url: httpUrl().optional(),
    /** kube-prometheus-stack `release` label; its Prometheus selects rules and monitors by it. */
    release: k8sLabelValue().default('kube-prometheus-stack'),
    /**
     * How often the bundle's monitors scrape. At most 5m: Prometheus marks a series stale 5 minutes after its
     * last sample, so longer intervals leave gaps.
     */
    scrapeInterval: duration({ min: '1s', max: '5m' }).default('15s'),
    /** How often Prometheus evaluates the rules (kube-prometheus-stack's evaluationInterval). */
    evaluationInterval: duration({ min: '1s', max: '5m' }).default('30s'),
    /** Job names the rules select on; they must match the scrape config the bundle emits. */
    jobs: z
      .strictObject({
        /** Job of istiod's control-plane metrics (pilot_*, citadel_*). */
        istiod: labelValue().default('istiod'),
        /** Job of the Envoy sidecars and gateways (istio_* and envoy_* series). */
        envoy: labelValue().default('envoy-stats'),
        /** Job of kube-state-metrics (pod and container state, resource limits). */
        kubeStateMetrics: labelValue().default('kube-state-metrics'),
        /** Job of the kubelet's cAdvisor metrics (container_* series), `kubelet` in kube-prometheus-stack. */
        cadvisor: labelValue().default('kubelet'),
        /** Job of the OpenTelemetry Collector's own metrics. */
        collector: labelValue().default('otel-collector'),
      })
      .prefault({}),
    /**
     * Credentials of a Prometheus that requires them, from a Secret in the Istio namespace (where Kiali runs),
     * never written into the config: Kiali sends them with every query.
     */
    credentials: z
      .strictObject({
        /** "bearer": a token in the Authorization header; "basic": a user name and password. */
        type: z.enum(['bearer', 'basic'], { error: 'must be "bearer" or "basic"' }),
        /** Name of the Secret holding them, in the Istio namespace. */
        secretName: dnsSubdomain(),
        /** Key of the token in the Secret (type bearer). */
        tokenKey: secretKey().default('token'),
        /** Key of the user name in the Secret (type basic). */
        usernameKey: secretKey().default('username'),
        /** Key of the password in the Secret (type basic). */
        passwordKey: secretKey().default('password'),
      })
      .optional(),
  })
  .prefault({});

export const grafana = z
  .strictObject({
    /**
     * In-cluster URL of Grafana, which Kiali calls for its dashboard links. Unset: kube-prometheus-stack's
     * `<release>-grafana` Service, or for a plain Prometheus the Grafana chart's `grafana` Service, in grafana.namespace.
     */
    url: httpUrl(
      'must not contain a user name or password: Kiali authenticates to Grafana with the Secret named by kiali.grafanaToken (name, key)',
    ).optional(),
    /** URL of Grafana as browsers reach it (Kiali's links to dashboards). */
    externalUrl: httpUrl().default('https://grafana.example.com'),
    /** Folder the dashboards are filed under (sidecar annotation and GrafanaDashboard folder). */
    folder: labelValue().default('Istio'),
    /** Name of the Prometheus data source the dashboards default to. */
    datasource: labelValue().default('Prometheus'),
    /** Labels of the Grafana instance (grafana-operator v5 `Grafana` CR) that imports the GrafanaDashboard CRs. */
    operatorInstanceLabels: selector().default({ dashboards: 'grafana' }),
    /**
     * Namespace Grafana runs in: the dashboards' ConfigMaps and GrafanaDashboards go there, and the Jaeger query
     * NetworkPolicy admits it. Unset: the namespace of `url` (`<service>.<namespace>.svc...`), else namespaces.monitoring.
     */
    namespace: dnsLabel().optional(),
  })
  .prefault({});

const receiver = (name: string, type: 'pagerduty' | 'slack' | 'webhook', secret: string) =>
  z
    .strictObject({
      /** Receiver name in the Alertmanager config (unique). */
      name: labelValue().default(name),
      /** How it notifies: PagerDuty, Slack or a webhook. */
      type: z.enum(['pagerduty', 'slack', 'webhook'], { error: 'must be "pagerduty", "slack" or "webhook"' }).default(type),
      /** Secret key holding the routing key / webhook URL; never the value itself. */
      secret: secretKeyRef(secret, 'url'),
    })
    .prefault({});

/** Alertmanager keeps notification state for its --data.retention (120h by default): a longer repeat is never sent. */
const repeatInterval = (d: string) => duration({ positive: true, max: '120h' }).default(d);

/** A team's receiver: where the alerts of the services it owns (services[].owner) go. */
const teamReceiver = z.strictObject({
  /** How it notifies: PagerDuty, Slack or a webhook. */
  type: z.enum(['pagerduty', 'slack', 'webhook'], { error: 'must be "pagerduty", "slack" or "webhook"' }),
  /** Secret key holding the routing key / webhook URL; never the value itself. */
  secret: z.strictObject({
    /** Name of the Secret. */
    name: dnsSubdomain(),
    /** Key in the Secret's data. */
    key: k8sLabelValue().default('url'),
  }),
});

export const alertmanager = z
  .strictObject({
    /**
     * One receiver per team named as a service owner (services[].owner): every alert about a service the team owns
     * carries `team=<name>` and goes to the team's receiver, whatever its severity. Alerts about unowned services
     * and the mesh-wide alerts go to `receivers`.
     */
    teams: z.record(labelValue(), teamReceiver).default({}),
    /** Where alerts go, by severity. */
    receivers: z
      .strictObject({
        /** Receiver of critical alerts (pages). */
        critical: receiver('oncall-pager', 'pagerduty', 'alertmanager-pagerduty'),
        /** Receiver of warning alerts. */
        warning: receiver('team-chat', 'slack', 'alertmanager-slack'),
      })
      .prefault({}),
    /** How long Alertmanager waits to group the first alerts of a new group before notifying (group_wait). */
    groupWait: duration({ max: '1h' }).default('30s'),
    /**
     * How long Alertmanager waits before notifying about new alerts of a group already notified (group_interval).
     * Never zero: amtool check-config refuses it ("group_interval cannot be zero"), and so a zero repeat_interval.
     */
    groupInterval: duration({ positive: true, max: '1d' }).default('5m'),
    /** How often a still-firing alert is re-sent: the escalation cadence per severity. */
    repeatInterval: z
      .strictObject({
        /** Re-send a firing critical alert this often (repeat_interval of the critical route). */
        critical: repeatInterval('1h'),
        /** Re-send a firing warning alert this often (repeat_interval of the warning route). */
        warning: repeatInterval('12h'),
      })
      .prefault({}),
  })
  .prefault({})
  .superRefine((am, ctx) => {
    const { critical, warning } = am.receivers;
    // amtool check-config: 'notification config name "x" is not unique'; the renderer would merge the
    // two into one, silently dropping the warning receiver's type and secret
    if (critical.name === warning.name)
      ctx.addIssue({
        code: 'custom',
        path: ['receivers', 'warning', 'name'],
        input: warning.name,
        message: 'is also the name of receivers.critical: Alertmanager receiver names must be unique',
      });
    for (const sev of ['critical', 'warning'] as const) {
      const r = am.repeatInterval[sev];
      if (durationSeconds(r) < durationSeconds(am.groupInterval))
        ctx.addIssue({
          code: 'custom',
          path: ['repeatInterval', sev],
          input: r,
          message: `is shorter than groupInterval (${am.groupInterval}); Alertmanager would repeat only every groupInterval`,
        });
    }
  }, whenValid);

/**
 * `for` of an alert: at most an hour. The build renders a promtool unit test per alert that samples
 * every minute until the alert fires and past it (packages/alerts/src/rule-tests: counter() builds
 * one sample per minute, firstFiring() walks every minute), so `for: 10y` meant arrays of 5.3 million
 * samples per series (32 s of build, then promtool for hours). promtool's time grows linearly with `for` (about
 * 5 s per hour per alert on a CI core), and `meshobs validate` runs every alert's test in one call.
 */
const alertFor = (d: string) => duration({ max: '1h' }).default(d);

export const alerts = z
  .strictObject({
    /** Base of every `runbook_url`; runbooks live in docs/runbooks/<AlertName>.md. */
    runbookBaseUrl: httpUrl().default('https://github.com/meshobs/meshobs/blob/main/docs/runbooks'),
    /** Window of the per-service recording rules (rate/ratio/quantile). At most 15m: the rule tests sample the whole window too (see alertFor). */
    window: duration({ positive: true, max: '15m' }).default('5m'),
    /** High5xxErrorRate (critical): a service (or gateway) answers too many requests with 5xx. */
    high5xxErrorRate: z
      .strictObject({
        /** Share of requests answered with 5xx (0–1) above which the alert fires. */
        threshold: ratio().default(0.05),
        /** Requests per second below which a service never pages. */
        minRequestRate: between(0, 1e6).default(1),
        /** How long the condition must hold before the alert fires. */
        for: alertFor('5m'),
      })
      .prefault({}),
    /** HighRequestLatency (warning): a service's P99 latency is too high. */
    highRequestLatency: z
      .strictObject({
        /** P99 request duration (seconds) above which the alert fires. */
        p99Seconds: between(0.001, 600).default(1),
        /** Requests per second below which a service's latency never alerts. */
        minRequestRate: between(0, 1e6).default(1),
        /** How long the condition must hold before the alert fires. */
        for: alertFor('5m'),
      })
      .prefault({}),
    /** CertificateExpiringSoon (warning): the Istio root CA certificate expires soon. */
    certificateExpiringSoon: z
      .strictObject({
        /** Days before expiry from which the alert fires. */
        days: between(1, 3650, { int: true }).default(30),
        /** How long the condition must hold before the alert fires. */
        for: alertFor('1h'),
      })
      .prefault({}),
    /** PilotPushErrors (warning): proxies reject the xDS configuration istiod sends. */
    pilotPushErrors: z
      .strictObject({
        /** How long the condition must hold before the alert fires. */
        for: alertFor('5m'),
      })
      .prefault({}),
    /** IstioControlPlaneUnavailable (critical): no istiod is up. */
    istioControlPlaneUnavailable: z
      .strictObject({
        /** How long the condition must hold before the alert fires. */
        for: alertFor('2m'),
      })
      .prefault({}),
    /** HighProxyMemoryUsage (warning): an istio-proxy container is close to its memory limit. */
    highProxyMemoryUsage: z
      .strictObject({
        /** Share of the container's memory limit (0–1) above which the alert fires. */
        threshold: ratio().default(0.9),
        /** How long the condition must hold before the alert fires. */
        for: alertFor('5m'),
      })
      .prefault({}),
    /** CircuitBreakerTriggered (warning): requests are refused by circuit breaking or outlier ejection. */
    circuitBreakerTriggered: z
      .strictObject({
        /** How long the condition must hold before the alert fires. */
        for: alertFor('1m'),
      })
      .prefault({}),
    /** IstioGatewayUnhealthy (critical): an Istio gateway has no available or healthy replica, or answers too many requests with 5xx. */
    istioGatewayUnhealthy: z
      .strictObject({
        /** How long the condition must hold before the alert fires. */
        for: alertFor('2m'),
      })
      .prefault({}),
    /**
     * EgressTrafficBlocked (warning): workloads call external hosts no ServiceEntry lists, and the mesh refuses
     * them (REGISTRY_ONLY: the calls go to the BlackHoleCluster).
     */
    egressTrafficBlocked: z
      .strictObject({
        /** How long the condition must hold before the alert fires. */
        for: alertFor('5m'),
      })
      .prefault({}),
    /**
     * EdgeTlsHandshakeFailures (warning): too many TLS handshakes fail at a listener of the ingress gateway
     * (clients that offer only TLS 1.2 against the TLS 1.3 minimum, no shared cipher, a certificate they reject).
     */
    edgeTlsHandshakeFailures: z
      .strictObject({
        /** Share of TLS handshakes (0–1) that fail at one listener above which the alert fires. */
        threshold: ratio().default(0.2),
        /** Handshakes per second (completed and failed) below which a listener never alerts: a lone scanner on a quiet gateway does not page. */
        minHandshakeRate: between(0, 1e6).default(1),
        /** How long the condition must hold before the alert fires. */
        for: alertFor('5m'),
      })
      .prefault({}),
    /** Multi-window, multi-burn-rate SLO alerts (SRE workbook); targets are per service. */
    slo: z
      .strictObject({
        /** Render the SLO burn-rate alerts and their recording rules for every listed service (services[].slo). */
        enabled: z.boolean({ error: 'must be true or false' }).default(true),
        /** SLO period; the burn-rate factors are derived from it (30d gives the workbook's 14.4/6/3/1). */
        period: duration({ min: SLO_LONGEST_WINDOW, max: '365d' }).default('30d'),
        /** Requests per second (over the long window) below which a service's SLO alerts stay silent. */
        minRequestRate: between(0, 1e6).default(0.1),
      })
      .prefault({}),
    /** Extra static labels on every alert (team, cluster…). */
    extraLabels: z
      .record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { error: 'is not a Prometheus label name' }), labelValue())
      .default({}),
  })
  .prefault({});
