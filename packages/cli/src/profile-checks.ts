// Mismatches between the config and the cluster it says it targets that no single component sees:
// each one builds, and every real validator accepts it, but in the cluster something silently does
// not happen (an alert reaches no receiver, a scrape is refused, a trace is never kept). They join the
// components' own warnings (e.g. kiali's GRAFANA_AUTH_WARNING), which `meshobs build` prints and
// `meshobs validate` reports as its "profile checks" findings.

import { MATCHER_STRATEGY } from '@meshobs/alerts';
import type { MeshobsConfig } from '@meshobs/config';
import type { ComponentBundle } from '@meshobs/kube';

export interface ProfileFinding {
  /** The component whose warnings carry it. */
  component: string;
  message: string;
}

/** The namespace of an in-cluster Service URL (`http://<svc>.<ns>.svc[.cluster.local][:port]`), if it is one. */
export function serviceOf(url: string): { service: string; namespace: string } | undefined {
  const host = new URL(url).hostname.split('.');
  const svc = host.indexOf('svc');
  if (svc !== 2 || !(host.length === 3 || host.slice(3).join('.') === 'cluster.local')) return undefined;
  return { service: host[0]!, namespace: host[1]! };
}

/** Where Prometheus runs, by prometheus.url, when that is not namespaces.monitoring. */
function prometheusNamespaceMismatch(config: MeshobsConfig): ProfileFinding[] {
  const svc = serviceOf(config.prometheus.url);
  const monitoring = config.namespaces.monitoring;
  if (!svc || svc.namespace === monitoring) return [];
  const where = `prometheus.url is a Service in namespace "${svc.namespace}", but namespaces.monitoring is "${monitoring}"`;
  const findings: ProfileFinding[] = [
    {
      component: 'alerts',
      message: `${where}: the bundle's NetworkPolicies admit scrapes only from "${monitoring}", so a Prometheus in "${svc.namespace}" is refused at every target. Set namespaces.monitoring to the namespace Prometheus runs in.`,
    },
  ];
  if (config.profile.prometheus === 'kube-prometheus-stack')
    findings.push({
      component: 'alerts',
      message: `${where}: the AlertmanagerConfig goes to "${monitoring}", and with the matcher strategy ${MATCHER_STRATEGY} only a config in the Alertmanager's own namespace sees every alert; elsewhere the operator scopes it to namespace="${monitoring}", which mesh alerts never carry, so they reach no meshobs receiver.`,
    });
  return findings;
}

/**
 * Plain Prometheus (no kube-prometheus-stack) with URLs of the chart's Services: kube-prometheus-stack
 * names them `<release>-prometheus` and `<release>-grafana` (chart templates/prometheus/service.yaml:
 * `{{ template "kube-prometheus-stack.fullname" . }}-prometheus`; the Grafana subchart's fullname is
 * `<release>-grafana`). A plain install has neither, so Kiali and the dashboards query nothing.
 */
function chartUrlsWithoutChart(config: MeshobsConfig): ProfileFinding[] {
  if (config.profile.prometheus !== 'plain') return [];
  const release = config.prometheus.release;
  const component = config.kiali.enabled ? 'kiali' : 'dashboards';
  const out: ProfileFinding[] = [];
  for (const [field, url, suffix] of [
    ['prometheus.url', config.prometheus.url, 'prometheus'],
    ['grafana.url', config.grafana.url, 'grafana'],
  ] as const) {
    if (serviceOf(url)?.service === `${release}-${suffix}`)
      out.push({
        component,
        message: `profile.prometheus is "plain" but ${field} (${url}) is the Service kube-prometheus-stack release "${release}" creates: a cluster without the chart has no such Service. Point ${field} at your own ${suffix === 'prometheus' ? 'Prometheus' : 'Grafana'}.`,
      });
  }
  return out;
}

/**
 * Envoy head-samples before the collector's tail sampling sees a trace (Telemetry
 * randomSamplingPercentage): an unsampled request exports no span at all, so tail sampling keeps at most
 * envoySamplingPercent of any kind of trace, not the percentages tracing.sampling promises.
 */
function headSamplingBelowTail(config: MeshobsConfig): ProfileFinding[] {
  const envoy = config.istio.envoySamplingPercent;
  const s = config.tracing.sampling;
  if (envoy >= 100 || Math.max(s.defaultPercent, s.healthCheckPercent, s.metricsPercent) === 0) return [];
  const kept = (p: number) => `${+((p * envoy) / 100).toFixed(4)} %`;
  return [
    {
      component: 'istio',
      message: `istio.envoySamplingPercent is ${envoy}: Envoy drops the other traces before tail sampling sees them, so ordinary traces are kept at ${kept(s.defaultPercent)} (tracing.sampling.defaultPercent ${s.defaultPercent}), health checks at ${kept(s.healthCheckPercent)}, /metrics at ${kept(s.metricsPercent)}. Leave it at 100 and let tail sampling decide.`,
    },
  ];
}

const CHECKS = [prometheusNamespaceMismatch, chartUrlsWithoutChart, headSamplingBelowTail];

export function profileFindings(config: MeshobsConfig): ProfileFinding[] {
  return CHECKS.flatMap((check) => check(config));
}

/** Adds the findings to the warnings of their components (the first component when that one is absent). */
export function withProfileWarnings(components: ComponentBundle[], config: MeshobsConfig): ComponentBundle[] {
  for (const f of profileFindings(config)) {
    const target = components.find((c) => c.name === f.component) ?? components[0];
    target?.warnings.push(f.message);
  }
  return components;
}
