// Alertmanager routing: by severity to a paging and a ticket/chat receiver, grouped by alert and the
// affected namespace/service, with inhibitions. Emitted as an AlertmanagerConfig CR and as a plain
// alertmanager.yml. Receiver secrets are only ever referenced (Secret keys, or files mounted from them).
import type { MeshobsConfig } from '@meshobs/spec';
import { standardLabels, withComment, type KubeObject } from '@meshobs/kube';

type ReceiverSpec = MeshobsConfig['alertmanager']['receivers']['critical'];

/**
 * Labels alerts are grouped by. The per-service alerts carry Istio's destination_service_* labels,
 * the pod/control-plane ones `namespace`; gateways add `istio`. Labels an alert lacks group as empty.
 */
export const GROUP_BY = [
  'alertname',
  'namespace',
  'service',
  'destination_service_namespace',
  'destination_service_name',
  'istio',
] as const;

export interface Inhibition {
  source: Array<[string, '=' | '=~', string]>;
  target: Array<[string, '=' | '=~', string]>;
  equal: string[];
  why: string;
}

export const INHIBITIONS: Inhibition[] = [
  {
    source: [['alertname', '=', 'IstioControlPlaneUnavailable']],
    target: [['alertname', '=', 'PilotPushErrors']],
    equal: ['namespace'],
    why: 'istiod down: its push errors are a symptom, not a second incident',
  },
  {
    source: [
      ['alertname', '=', 'IstioGatewayUnhealthy'],
      ['signal', '=~', 'no_available_replicas|scrape_targets_down'],
    ],
    target: [
      ['alertname', '=', 'IstioGatewayUnhealthy'],
      ['signal', '=', '5xx_error_rate'],
    ],
    equal: ['namespace', 'istio'],
    why: 'gateway down: its 5xx alert adds nothing',
  },
  {
    source: [['severity', '=', 'critical']],
    target: [['severity', '=', 'warning']],
    equal: ['alertname', 'namespace', 'destination_service_namespace', 'destination_service_name'],
    why: 'the page of an alert silences its own ticket (SLO fast burn vs slow burn)',
  },
];

/** Where the Alertmanager pod finds a Secret key as a file (kube-prometheus-stack `alertmanagerSpec.secrets`). */
export const secretFile = (ref: { name: string; key: string }) => `/etc/alertmanager/secrets/${ref.name}/${ref.key}`;

const matcherString = ([name, op, value]: [string, string, string]) => `${name}${op}"${value}"`;

function plainReceiver(r: ReceiverSpec): Record<string, unknown> {
  const file = secretFile(r.secret);
  switch (r.type) {
    case 'pagerduty':
      return { name: r.name, pagerduty_configs: [{ routing_key_file: file, send_resolved: true, description: '{{ .CommonAnnotations.summary }}' }] };
    case 'slack':
      return {
        name: r.name,
        slack_configs: [
          {
            api_url_file: file,
            send_resolved: true,
            title: '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}',
            text: '{{ range .Alerts }}{{ .Annotations.description }}\n{{ .Annotations.runbook_url }}\n{{ end }}',
          },
        ],
      };
    case 'webhook':
      return { name: r.name, webhook_configs: [{ url_file: file, send_resolved: true }] };
  }
}

/** Plain alertmanager.yml (what `amtool check-config` reads). */
export function alertmanagerYaml(config: MeshobsConfig): Record<string, unknown> {
  const am = config.alertmanager;
  const { critical, warning } = am.receivers;
  return {
    route: {
      receiver: warning.name,
      group_by: [...GROUP_BY],
      group_wait: am.groupWait,
      group_interval: am.groupInterval,
      repeat_interval: am.repeatInterval.warning,
      routes: [
        { receiver: critical.name, matchers: ['severity="critical"'], repeat_interval: am.repeatInterval.critical },
        { receiver: warning.name, matchers: ['severity="warning"'], repeat_interval: am.repeatInterval.warning },
      ],
    },
    inhibit_rules: INHIBITIONS.map((i) => ({
      source_matchers: i.source.map(matcherString),
      target_matchers: i.target.map(matcherString),
      equal: i.equal,
    })),
    receivers: critical.name === warning.name ? [plainReceiver(critical)] : [plainReceiver(critical), plainReceiver(warning)],
  };
}

function crReceiver(r: ReceiverSpec): Record<string, unknown> {
  const ref = { name: r.secret.name, key: r.secret.key };
  switch (r.type) {
    case 'pagerduty':
      return { name: r.name, pagerdutyConfigs: [{ routingKey: ref, sendResolved: true, description: '{{ .CommonAnnotations.summary }}' }] };
    case 'slack':
      return {
        name: r.name,
        slackConfigs: [
          {
            apiURL: ref,
            sendResolved: true,
            title: '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}',
            text: '{{ range .Alerts }}{{ .Annotations.description }}\n{{ .Annotations.runbook_url }}\n{{ end }}',
          },
        ],
      };
    case 'webhook':
      return { name: r.name, webhookConfigs: [{ urlSecret: ref, sendResolved: true }] };
  }
}

const crMatcher = ([name, op, value]: [string, '=' | '=~', string]) => ({ name, value, matchType: op });

/** The AlertmanagerConfig CR (monitoring.coreos.com/v1alpha1) with the same routing. */
export function alertmanagerConfigCR(config: MeshobsConfig): KubeObject {
  const am = config.alertmanager;
  const { critical, warning } = am.receivers;
  return withComment(
    {
      apiVersion: 'monitoring.coreos.com/v1alpha1',
      kind: 'AlertmanagerConfig',
      metadata: {
        name: 'meshobs',
        namespace: config.namespaces.monitoring,
        labels: { ...standardLabels({ name: 'meshobs', component: 'alertmanager-config' }), release: config.prometheus.release },
      },
      spec: {
        route: {
          receiver: warning.name,
          groupBy: [...GROUP_BY],
          groupWait: am.groupWait,
          groupInterval: am.groupInterval,
          repeatInterval: am.repeatInterval.warning,
          routes: [
            { receiver: critical.name, matchers: [crMatcher(['severity', '=', 'critical'])], repeatInterval: am.repeatInterval.critical },
            { receiver: warning.name, matchers: [crMatcher(['severity', '=', 'warning'])], repeatInterval: am.repeatInterval.warning },
          ],
        },
        inhibitRules: INHIBITIONS.map((i) => ({
          sourceMatch: i.source.map(crMatcher),
          targetMatch: i.target.map(crMatcher),
          equal: i.equal,
        })),
        receivers: critical.name === warning.name ? [crReceiver(critical)] : [crReceiver(critical), crReceiver(warning)],
      },
    },
    'Alert routing for the mesh. The operator scopes a namespaced AlertmanagerConfig to alerts whose namespace label\n' +
      'equals its own namespace; the mesh alerts carry the namespaces of the services, so make this the global config:\n' +
      `kube-prometheus-stack: alertmanager.alertmanagerSpec.alertmanagerConfiguration.name: meshobs (same namespace).\n` +
      `Receiver secrets: Secret ${critical.secret.name}/${critical.secret.key} and ${warning.secret.name}/${warning.secret.key}, created by you.`,
  );
}
