// promtool unit tests rendered from the config: for every alert, the incident it is for (fires with
// the expected labels and annotation text, and only once its `for` has elapsed), the healthy mesh, no
// traffic, missing data and the low-traffic guard. Input series carry the label sets real Istio,
// kube-state-metrics and cAdvisor produce through this bundle's scrape config. Thresholds, windows and
// `for` durations are the config's, so the same suites prove a customised config too.
//
// Expected values are computed here with the same arithmetic PromQL does (rate over whole-minute
// windows of a 1-minute series, histogram_quantile's bucket interpolation) and rendered with the
// Go-compatible humanize functions.
//
// One file per area: notation.ts (promtool's format), simulator.ts (PromQL arithmetic), mesh.ts (label
// sets), cases.ts (case builders), suites/*.ts (one per alert area).
import { durationSeconds, type MeshobsConfig } from '@meshobs/config';
import { toYaml } from '@meshobs/kube';
import type { AlertingRule, MeshModel } from '@meshobs/model';
import type { Ctx } from './cases.ts';
import { gatewaysFor, testService } from './mesh.ts';
import type { RuleTestFile, TestCase } from './notation.ts';
import { certificate, controlPlane, pilot } from './suites/control-plane.ts';
import { edgeTls } from './suites/edge-tls.ts';
import { egress } from './suites/egress.ts';
import { gateway } from './suites/gateway.ts';
import { istioViews } from './suites/istio-views.ts';
import { circuitBreaker, memory } from './suites/proxy.ts';
import { healthyMesh, recording, recordingPerCluster } from './suites/recording.ts';
import { high5xx, highLatency } from './suites/requests.ts';
import { slo } from './suites/slo.ts';

export type { AlertCheck, ExpAlert, ExprCheck, RuleTestFile, TestCase } from './notation.ts';
export { counter, gauge, seriesValues } from './notation.ts';
export { bucketQuantile } from './simulator.ts';

/** Whether the config's window allows the 1-minute test grid. */
function windowMinutes(config: MeshobsConfig): number | undefined {
  const s = durationSeconds(config.alerts.window);
  return s % 60 === 0 && s >= 120 ? s / 60 : undefined;
}

/**
 * promtool test files for the config: `tests/<suite>.yml`, each reading `../rules.yml`. Returns the
 * files and the reasons any suite was left out.
 */
export function renderRuleTests(model: MeshModel): {
  files: RuleTestFile[];
  suites: Array<{ name: string; tests: TestCase[] }>;
  skipped: string[];
} {
  const config = model.config;
  const W = windowMinutes(config);
  if (!W)
    return {
      files: [],
      suites: [],
      skipped: [`alerts.window ${config.alerts.window} is not a whole number of minutes >= 2m: rule tests not rendered`],
    };
  const groups = model.ruleGroups;
  const rules = new Map<string, AlertingRule[]>();
  for (const g of groups) for (const r of g.rules) if ('alert' in r) rules.set(r.alert, [...(rules.get(r.alert) ?? []), r]);
  const svc = testService(model);
  const j = config.prometheus.jobs;
  const ctx: Ctx = {
    config,
    W,
    m: {
      istioNs: config.namespaces.istio,
      envoyJob: j.envoy,
      istiodJob: j.istiod,
      ksmJob: j.kubeStateMetrics,
      cadvisorJob: j.cadvisor,
      svc,
      gw: gatewaysFor(config),
    },
    base: { ...config.alerts.extraLabels },
    rules,
  };
  const suites: Array<[string, TestCase[]]> = [
    ['High5xxErrorRate', high5xx(ctx)],
    ['HighRequestLatency', highLatency(ctx)],
    ['CertificateExpiringSoon', certificate(ctx)],
    ['PilotPushErrors', pilot(ctx)],
    ['IstioControlPlaneUnavailable', controlPlane(ctx)],
    ['HighProxyMemoryUsage', memory(ctx)],
    ['CircuitBreakerTriggered', circuitBreaker(ctx)],
    ['IstioGatewayUnhealthy', gateway(ctx)],
    ['EgressTrafficBlocked', egress(ctx)],
    ['EdgeTlsHandshakeFailures', edgeTls(ctx)],
    ['recording-rules', [...recording(ctx), ...recordingPerCluster(ctx)]],
    ['istio-views', istioViews(ctx)],
    ['healthy-mesh', healthyMesh(ctx, [...rules.keys()])],
    ['slo-burn-rate', slo(ctx)],
  ];
  const files = suites
    .filter(([, tests]) => tests.length)
    .map(([name, tests]) => ({
      path: `tests/${name}.yml`,
      content: toYaml(
        // Recording groups first: without an order promtool evaluates groups in random order, and an
        // alert could read the previous minute's recording (Prometheus itself runs groups concurrently).
        { rule_files: ['../rules.yml'], evaluation_interval: '1m', group_eval_order: groups.map((g) => g.name), tests },
        `promtool unit tests of ${name}, rendered from the mesh config.\nRun: promtool test rules tests/*.yml (from the alerts folder).`,
      ),
    }));
  return { files, suites: suites.filter(([, t]) => t.length).map(([name, tests]) => ({ name, tests })), skipped: [] };
}
