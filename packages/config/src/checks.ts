// Checks across sections of the config: each one stops a config whose bundle a real consumer
// (API server, kubelet, Prometheus, Alertmanager, the collector) would reject, or that would build
// but silently misbehave. They run once every field is valid on its own.
import type { z } from 'zod';
import { uiExposed, uiHosts } from './endpoints.ts';
import { formatPath } from './errors.ts';
import { type DerivedObject, derivedObjects, nameProblem } from './names.ts';
import { durationSeconds, formatDuration } from './primitives.ts';
import { memoryBytesOf } from './quantity.ts';
import type { ConfigSections as MeshobsConfig } from './schema.ts';

type Ctx = z.RefinementCtx;
type Path = (string | number)[];
const issue = (ctx: Ctx, path: Path, input: unknown, message: string) => ctx.addIssue({ code: 'custom', path, input, message });

/**
 * Labels Alertmanager groups alerts by (packages/alerts/src/alertmanager.ts GROUP_BY). The per-service
 * alerts carry Istio's destination_service_* labels, the pod/control-plane ones `namespace`; gateways
 * add `istio`. Labels an alert lacks group as empty.
 */
export const ALERT_GROUP_BY = [
  'alertname',
  'namespace',
  'service',
  'destination_service_namespace',
  'destination_service_name',
  'istio',
] as const;

/**
 * Labels the Alertmanager routing, grouping and inhibition rules and the alert rules themselves set
 * or match on (packages/alerts/src/alertmanager.ts GROUP_BY and INHIBITIONS, the rules' `signal` and `slo`, and
 * `team`, which the per-service alerts take from services[].owner and the team routes match).
 * A static extra label with one of these names would re-route, merge or silence alerts.
 */
export const ROUTING_LABELS = ['severity', ...ALERT_GROUP_BY, 'signal', 'slo', 'team'] as const;

/** Burn factor of the fastest SLO alert (2 % of the budget in 1h, packages/alerts BURN_RATES). */
export const fastBurnFactor = (period: string) => (0.02 * durationSeconds(period)) / 3600;

/** Rate windows must hold at least 4 scrapes (Prometheus' own guidance for rate(); $__rate_interval uses 4x). */
const RATE_SCRAPES = 4;
const SLO_SHORTEST_WINDOW = '5m';

function namespaceRoles(c: MeshobsConfig, ctx: Ctx) {
  const ns = c.namespaces;
  if (ns.observability === ns.monitoring)
    issue(
      ctx,
      ['namespaces', 'observability'],
      ns.observability,
      `is also namespaces.monitoring: the trace pipeline runs with a sidecar, the monitoring namespace without`,
    );
  if (ns.excluded.includes(ns.observability))
    issue(
      ctx,
      ['namespaces', 'observability'],
      ns.observability,
      'is listed in namespaces.excluded: the trace pipeline must run with a sidecar',
    );
  if (ns.istio === ns.observability || ns.istio === ns.monitoring)
    issue(
      ctx,
      ['namespaces', 'istio'],
      ns.istio,
      `is also namespaces.${ns.istio === ns.observability ? 'observability' : 'monitoring'}: the control plane needs its own namespace`,
    );
  c.services.forEach((s, i) => {
    if (ns.excluded.includes(s.namespace))
      issue(
        ctx,
        ['services', i, 'namespace'],
        s.namespace,
        'is listed in namespaces.excluded: its pods would get no sidecar, so no metrics, traces or mTLS',
      );
    else if (s.namespace === ns.monitoring)
      issue(ctx, ['services', i, 'namespace'], s.namespace, 'is namespaces.monitoring, which runs without sidecars');
  });
}

const describe = (o: DerivedObject) => `${o.what} ${o.namespace}/${o.name}`;

function names(c: MeshobsConfig, ctx: Ctx) {
  const objects = derivedObjects(c);
  const reported = new Set<string>();
  for (const o of objects) {
    if (o.path[0] === '(cluster)') continue;
    const key = formatPath(o.path);
    if (reported.has(key)) continue;
    const problem = nameProblem(o);
    if (problem) {
      reported.add(key);
      issue(ctx, o.path, valueAt(c, o.path), problem);
    }
  }
  const seen = new Map<string, DerivedObject>();
  for (const o of objects) {
    const id = `${o.kind}\u0000${o.namespace}\u0000${o.name}`;
    const first = seen.get(id);
    if (!first) {
      seen.set(id, o);
      continue;
    }
    if (formatPath(first.path) === formatPath(o.path)) continue;
    const key = `${formatPath(o.path)} ${formatPath(first.path)}`;
    if (reported.has(key)) continue;
    reported.add(key);
    const [mine, other] = o.path[0] === '(cluster)' ? [first, o] : [o, first];
    const otherField = other.path[0] === '(cluster)' ? '' : ` (from ${formatPath(other.path)})`;
    issue(
      ctx,
      mine.path,
      valueAt(c, mine.path),
      `makes ${describe(mine)}, which is also ${describe(other)}${otherField}: the two objects would overwrite each other`,
    );
  }
}

function valueAt(c: unknown, path: Path): unknown {
  // biome-ignore lint/suspicious/noExplicitAny: follows a field path through the parsed config
  let v: any = c;
  for (const seg of path) v = v?.[seg];
  return v;
}

function rateWindows(c: MeshobsConfig, ctx: Ctx) {
  const scrape = durationSeconds(c.prometheus.scrapeInterval);
  const need = scrape * RATE_SCRAPES;
  if (durationSeconds(c.alerts.window) < need)
    issue(
      ctx,
      ['alerts', 'window'],
      c.alerts.window,
      `is shorter than ${RATE_SCRAPES} x prometheus.scrapeInterval (${formatDuration(need)}): rate() over it sees too few samples and flaps`,
    );
  if (c.alerts.slo.enabled && durationSeconds(SLO_SHORTEST_WINDOW) < need)
    issue(
      ctx,
      ['prometheus', 'scrapeInterval'],
      c.prometheus.scrapeInterval,
      `is longer than a quarter of the shortest SLO window (${SLO_SHORTEST_WINDOW}) while alerts.slo.enabled: the fast-burn alert would see too few samples`,
    );
  if (durationSeconds(c.prometheus.evaluationInterval) > durationSeconds(c.alerts.window))
    issue(
      ctx,
      ['prometheus', 'evaluationInterval'],
      c.prometheus.evaluationInterval,
      `is longer than alerts.window (${c.alerts.window}): recording rules would skip samples between evaluations`,
    );
}

function alertLabels(c: MeshobsConfig, ctx: Ctx) {
  for (const name of Object.keys(c.alerts.extraLabels)) {
    const path = ['alerts', 'extraLabels', name];
    if (name.startsWith('__')) issue(ctx, path, name, 'is a reserved label name (names starting with "__" are internal to Prometheus)');
    else if ((ROUTING_LABELS as readonly string[]).includes(name))
      issue(
        ctx,
        path,
        name,
        `is a label the alerts set or Alertmanager routes, groups or inhibits on (${ROUTING_LABELS.join(', ')}): a static value would break routing`,
      );
  }
}

/** Owners with a receiver, and no listed service inside the namespace the demo creates and deletes. */
function services(c: MeshobsConfig, ctx: Ctx) {
  const receivers = [c.alertmanager.receivers.critical.name, c.alertmanager.receivers.warning.name];
  for (const team of Object.keys(c.alertmanager.teams))
    if (receivers.includes(team))
      issue(
        ctx,
        ['alertmanager', 'teams', team],
        team,
        'is also the name of a receiver in alertmanager.receivers: Alertmanager receiver names must be unique',
      );
  c.services.forEach((s, i) => {
    if (s.owner !== undefined && !(s.owner in c.alertmanager.teams))
      issue(
        ctx,
        ['services', i, 'owner'],
        s.owner,
        `has no receiver: add alertmanager.teams.${s.owner} (type and secret) so the team's alerts reach it` +
          (Object.keys(c.alertmanager.teams).length ? ` (teams with a receiver: ${Object.keys(c.alertmanager.teams).join(', ')})` : ''),
      );
    if (c.demo.enabled && s.namespace === c.demo.namespace)
      issue(
        ctx,
        ['services', i, 'namespace'],
        s.namespace,
        `is demo.namespace, which the bundle creates for the demo and \`kubectl delete -k\` deletes with everything in it: give the demo a namespace of its own`,
      );
  });
}

function slo(c: MeshobsConfig, ctx: Ctx) {
  if (!c.alerts.slo.enabled) return;
  const factor = fastBurnFactor(c.alerts.slo.period);
  c.services.forEach((s, i) => {
    for (const field of ['availability', 'latencyTarget'] as const) {
      const target = s.slo[field];
      if (factor * (1 - target) >= 1) {
        const lowest = 1 - 1 / factor;
        issue(
          ctx,
          ['services', i, 'slo', field],
          target,
          `is too low for alerts.slo.period ${c.alerts.slo.period}: the page fires at ${factor.toFixed(1)}x the error budget, ` +
            `${(factor * (1 - target) * 100).toFixed(0)}% errors, which can never happen; use a target above ${lowest.toFixed(4)} or a shorter period`,
        );
      }
    }
  });
}

function collector(c: MeshobsConfig, ctx: Ctx) {
  // memory_limiter as packages/otel-collector/src/pipeline.ts renders it; the collector refuses
  // limit_mib 0 and spike_limit_mib >= limit_mib (checked with otelcol validate v0.161.0: "'spike_limit_mib'
  // must be smaller than 'limit_mib'", "'limit_mib' or 'limit_percentage' must be greater than zero").
  const col = c.tracing.collector;
  const bytes = memoryBytesOf(col.resources.limits.memory) ?? 0;
  const MiB = 2 ** 20;
  const limit = Math.floor((bytes * col.memoryLimitPercent) / 100 / MiB);
  const spike = Math.floor((bytes * col.memorySpikePercent) / 100 / MiB);
  const base = ['tracing', 'collector'];
  if (limit < 1)
    issue(
      ctx,
      [...base, 'resources', 'limits', 'memory'],
      col.resources.limits.memory,
      `leaves the memory_limiter a limit of 0 MiB (${col.memoryLimitPercent}% of it): give the collector more memory`,
    );
  else if (spike >= limit)
    issue(
      ctx,
      [...base, 'memorySpikePercent'],
      col.memorySpikePercent,
      `gives a spike_limit_mib (${spike}) not below limit_mib (${limit}, memoryLimitPercent ${col.memoryLimitPercent}): the collector refuses this memory_limiter`,
    );
}

/**
 * The ingress gateway's hosts: the UIs it serves are HTTPS only (their external URLs must say so), and no
 * host is served twice (two Gateways or VirtualServices with one host on one port conflict: istioctl analyze
 * IST0145 ConflictingGateways, and istiod keeps only one of the routes).
 */
function edge(c: MeshobsConfig, ctx: Ctx) {
  for (const ui of ['kiali', 'grafana'] as const)
    if (uiExposed(c, ui) && !c[ui].externalUrl.startsWith('https://'))
      issue(
        ctx,
        [ui, 'externalUrl'],
        c[ui].externalUrl,
        `is not an https:// URL, but ingress.ui.${ui} serves ${ui === 'kiali' ? 'Kiali' : 'Grafana'} at its host over HTTPS only (port 80 redirects); use https://, or set ingress.ui.${ui}: false`,
      );
  const seen = new Map<string, string>();
  if (c.demo.enabled) for (const h of c.ingress.hosts.demo) seen.set(h, 'ingress.hosts.demo');
  for (const { ui, host } of uiHosts(c)) {
    const field = ui === 'jaeger' ? 'ingress.hosts.jaeger' : `${ui}.externalUrl`;
    const other = seen.get(host);
    if (other)
      issue(
        ctx,
        ui === 'jaeger' ? ['ingress', 'hosts', 'jaeger'] : [ui, 'externalUrl'],
        host,
        `is also served by ${other}: one host on the ingress gateway routes to one place; give the ${ui} UI a host of its own`,
      );
    seen.set(host, field);
  }
}

export function checkConfig(c: MeshobsConfig, ctx: Ctx) {
  edge(c, ctx);
  namespaceRoles(c, ctx);
  names(c, ctx);
  rateWindows(c, ctx);
  alertLabels(c, ctx);
  services(c, ctx);
  slo(c, ctx);
  collector(c, ctx);
  egressGateway(c, ctx);
}

/** Hosts routed through the egress gateway need that gateway installed; TCP hosts need their addresses. */
function egressGateway(c: MeshobsConfig, ctx: Ctx) {
  c.egress.hosts.forEach((h, i) => {
    if (h.protocol === 'TCP' && !h.addresses?.length)
      issue(
        ctx,
        ['egress', 'hosts', i, 'addresses'],
        h.addresses,
        `is required for a TCP host: plain TCP carries no name, so without addresses Istio sends every TCP connection on port ${h.port} to ${h.host}`,
      );
  });
  const routed = c.egress.hosts.filter((h) => h.protocol !== 'TCP');
  if (c.egress.viaGateway && routed.length && !c.istio.gateways.egress.enabled)
    issue(
      ctx,
      ['egress', 'viaGateway'],
      true,
      `routes ${routed.map((h) => h.host).join(', ')} through the egress gateway, but istio.gateways.egress.enabled is false: enable it or set egress.viaGateway to false`,
    );
}
