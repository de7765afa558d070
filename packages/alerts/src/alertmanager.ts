// Alertmanager routing: alerts about a service a team owns (label `team`, services[].owner) to that team's
// receiver; everything else by severity to a paging and a ticket/chat receiver; grouped by alert and the
// affected namespace/service, with inhibitions. Emitted as an AlertmanagerConfig CR and as a plain
// alertmanager.yml. Receiver secrets are only ever referenced (Secret keys, or files mounted from them).
//
// How prometheus-operator v0.91.0 merges the CR (pkg/alertmanager/amcfg.go: getEnforcer,
// continueToNextRoute, AddAlertmanagerConfigs): the CR's top route is put first under the base config's
// root with `continue: true`, receivers renamed `<namespace>/<name>/<receiver>`. With the default matcher
// strategy `OnNamespace` (pkg/apis/monitoring/v1/alertmanager_types.go) it also gets
// `namespace="<CR namespace>"`, which mesh alerts (they carry the services' namespaces) never match, so
// they fall through to kube-prometheus-stack's default receiver `null`. The bundle therefore emits the
// chart value `alertmanagerConfigMatcherStrategy.type: OnNamespaceExceptForAlertmanagerNamespace`
// (operator >= v0.84): only configs in the Alertmanager's own namespace (this one) see every alert, and
// the CR's top route and its generic inhibition match only the alert names the bundle's rules fire.
// Proven with the operator's code and amtool in test/alertmanager-operator.e2e.test.ts.
import { ALERT_GROUP_BY, type MeshobsConfig } from '@meshobs/config';
import { type KubeObject, standardLabels, toYaml, withComment } from '@meshobs/kube';
import type { MeshModel, RuleGroup, TeamModel } from '@meshobs/model';

type ReceiverSpec = { name: string; type: 'pagerduty' | 'slack' | 'webhook'; secret: { name: string; key: string } };

/** Every receiver: the two by severity (one when they share a name), then one per team. */
const receiversOf = (config: MeshobsConfig, teams: readonly TeamModel[]): ReceiverSpec[] => {
  const { critical, warning } = config.alertmanager.receivers;
  return [
    critical,
    ...(critical.name === warning.name ? [] : [warning]),
    ...teams.map((t) => ({ name: t.name, type: t.type, secret: t.secret })),
  ];
};

/** The routes of a receiver's alerts, one per severity with its repeat interval. */
const bySeverity = (config: MeshobsConfig) => {
  const r = config.alertmanager.repeatInterval;
  return [
    { severity: 'critical', repeat: r.critical },
    { severity: 'warning', repeat: r.warning },
  ] as const;
};

/** Labels alerts are grouped by: defined beside the config checks that keep extra labels off them. */
export const GROUP_BY = ALERT_GROUP_BY;

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
      return {
        name: r.name,
        pagerduty_configs: [{ routing_key_file: file, send_resolved: true, description: '{{ .CommonAnnotations.summary }}' }],
      };
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
export function alertmanagerYaml(model: MeshModel): Record<string, unknown> {
  const config = model.config;
  const am = config.alertmanager;
  const { critical, warning } = am.receivers;
  const severities = bySeverity(config);
  return {
    route: {
      receiver: warning.name,
      group_by: [...GROUP_BY],
      group_wait: am.groupWait,
      group_interval: am.groupInterval,
      repeat_interval: am.repeatInterval.warning,
      routes: [
        // A team's alerts, whatever their severity, to its receiver (first: they match before severity).
        ...model.teams.map((t) => ({
          receiver: t.name,
          matchers: [`team="${t.name}"`],
          routes: severities.map((v) => ({ matchers: [`severity="${v.severity}"`], repeat_interval: v.repeat })),
        })),
        { receiver: critical.name, matchers: ['severity="critical"'], repeat_interval: am.repeatInterval.critical },
        { receiver: warning.name, matchers: ['severity="warning"'], repeat_interval: am.repeatInterval.warning },
      ],
    },
    inhibit_rules: INHIBITIONS.map((i) => ({
      source_matchers: i.source.map(matcherString),
      target_matchers: i.target.map(matcherString),
      equal: i.equal,
    })),
    receivers: receiversOf(config, model.teams).map(plainReceiver),
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

/** The alert names the rendered rule groups fire (sorted, once each): what the CR's routes are scoped to. */
export function meshAlertNames(groups: RuleGroup[]): string[] {
  const names = groups.flatMap((g) => g.rules.flatMap((r) => ('alert' in r ? [r.alert] : [])));
  return [...new Set(names)].sort();
}

const escapeRegex = (s: string) => s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');

/** `alertname=~"A|B|..."` over the bundle's own alerts (Alertmanager anchors regex matchers). */
export const meshAlertMatcher = (groups: RuleGroup[]): [string, '=~', string] => [
  'alertname',
  '=~',
  meshAlertNames(groups).map(escapeRegex).join('|'),
];

/** The matcher strategy the bundle needs from the Alertmanager object (see the header of this file). */
export const MATCHER_STRATEGY = 'OnNamespaceExceptForAlertmanagerNamespace';

/**
 * kube-prometheus-stack values for the Alertmanager the chart creates. Sets one chart key,
 * alertmanager.alertmanagerSpec.alertmanagerConfigMatcherStrategy.type, which the chart's
 * templates/alertmanager/alertmanager.yaml passes through to the Alertmanager object unchanged.
 */
export function kubePrometheusStackValues(config: MeshobsConfig): string {
  return toYaml(
    { alertmanager: { alertmanagerSpec: { alertmanagerConfigMatcherStrategy: { type: MATCHER_STRATEGY } } } },
    'Generated by meshobs from the mesh config. Do not edit: change the config and rebuild.\n' +
      'kube-prometheus-stack values (alerts part). Sets only alertmanager.alertmanagerSpec.alertmanagerConfigMatcherStrategy.type.\n' +
      'With the default strategy OnNamespace the operator adds namespace="<CR namespace>" to the routes of the AlertmanagerConfig\n' +
      `"meshobs", which mesh alerts never carry: they would all end in the chart's 'null' receiver. With this strategy only\n` +
      `AlertmanagerConfigs in the Alertmanager's own namespace (${config.namespaces.monitoring}: install the chart there) see alerts of every\n` +
      "namespace; the meshobs config only routes the alert names of the bundle, so the chart's own alerts keep their routing.\n" +
      `  helm upgrade ${config.prometheus.release} prometheus-community/kube-prometheus-stack -n ${config.namespaces.monitoring} --reuse-values -f kube-prometheus-stack-values.yaml`,
  );
}

/** The AlertmanagerConfig CR (monitoring.coreos.com/v1alpha1) with the same routing. */
export function alertmanagerConfigCR(model: MeshModel): KubeObject {
  const config = model.config;
  const am = config.alertmanager;
  const { critical, warning } = am.receivers;
  const mesh = meshAlertMatcher(model.ruleGroups);
  const severities = bySeverity(config);
  // The CR sees every alert of the cluster: the generic severity inhibition is kept to the mesh alerts.
  const scoped = (ms: Inhibition['source']) => (ms.some(([n]) => n === 'alertname') ? ms : [mesh, ...ms]);
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
          matchers: [crMatcher(mesh)],
          groupBy: [...GROUP_BY],
          groupWait: am.groupWait,
          groupInterval: am.groupInterval,
          repeatInterval: am.repeatInterval.warning,
          routes: [
            ...model.teams.map((t) => ({
              receiver: t.name,
              matchers: [crMatcher(['team', '=', t.name])],
              routes: severities.map((v) => ({ matchers: [crMatcher(['severity', '=', v.severity])], repeatInterval: v.repeat })),
            })),
            { receiver: critical.name, matchers: [crMatcher(['severity', '=', 'critical'])], repeatInterval: am.repeatInterval.critical },
            { receiver: warning.name, matchers: [crMatcher(['severity', '=', 'warning'])], repeatInterval: am.repeatInterval.warning },
          ],
        },
        inhibitRules: INHIBITIONS.map((i) => ({
          sourceMatch: scoped(i.source).map(crMatcher),
          targetMatch: scoped(i.target).map(crMatcher),
          equal: i.equal,
        })),
        receivers: receiversOf(config, model.teams).map(crReceiver),
      },
    },
    'Alert routing for the mesh alerts (alertname matcher: the alerts of rules.yml; other alerts keep the base routing).\n' +
      'By default the operator scopes a namespaced AlertmanagerConfig to alerts whose namespace label equals its own\n' +
      `namespace, which mesh alerts never carry: apply kube-prometheus-stack-values.yaml (matcher strategy ${MATCHER_STRATEGY})\n` +
      `and keep this object in the Alertmanager's namespace. Routed receivers are named ${config.namespaces.monitoring}/meshobs/<receiver>.\n` +
      `Receiver secrets: ${receiversOf(config, model.teams)
        .map((r) => `Secret ${r.secret.name}/${r.secret.key}`)
        .join(', ')}, created by you.`,
  );
}
