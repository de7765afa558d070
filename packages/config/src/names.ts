// The Kubernetes objects whose names the bundle derives from config fields, with the field each one
// comes from, so that a name too long for its kind, or two objects with the same name, is reported as
// a config error on that field. The rules mirror the renderers:
//   collector  packages/otel-collector/src/workloads.ts, operator.ts (the OpenTelemetry Operator
//              names its Services "<cr>-collector", "<cr>-collector-headless", "<cr>-collector-monitoring"
//              and StatefulSets "<cr>-collector": open-telemetry/opentelemetry-operator internal/naming)
//   jaeger     packages/config/src/endpoints.ts, packages/jaeger/src/retention.ts (CronJobs "<name>-es-…"),
//              legacy-cr.ts (the Jaeger Operator adds "<name>-collector-headless", "<name>-es-rollover-create-mapping")
//   demo       apps/demo-service/src/manifests, in demo.namespace (Service, VirtualServices "<name>", "<name>-ingress",
//              Deployments "<name>-<version>", the backend "<backendName>-stable")
//   alerts     packages/alerts/src/scrape.ts (ServiceMonitor "meshobs-app-<ns>-<svc>", cut to 63)
// packages/cli/test/valid-edge.test.ts builds configs with names exactly at these limits and checks
// every object of the real bundle against the API server's rules, and schema-consistency.test.ts
// checks that every Service of a real build is in this table, so a renderer that changes a name
// without this file fails a test.
import { uiHosts } from './endpoints.ts';
import type { ConfigSections as MeshobsConfig } from './schema.ts';

export type Kind =
  | 'Service'
  | 'Deployment'
  | 'StatefulSet'
  | 'CronJob'
  | 'Job'
  | 'ConfigMap'
  | 'VirtualService'
  | 'Gateway'
  | 'ServiceMonitor'
  | 'Label';

export interface DerivedObject {
  kind: Kind;
  namespace: string;
  name: string;
  /** Config field the name comes from. */
  path: (string | number)[];
  /** What the name is, for messages ("the Jaeger index cleaner CronJob"). */
  what: string;
}

/**
 * Longest name per kind. Service: a DNS-1035 label (the API server's ValidateServiceName).
 * CronJob: 52, because the controller appends an 11-character suffix to name its Jobs and the Job
 * name must fit a label value (kubernetes pkg/apis/batch/validation). StatefulSet: 52, because its
 * pods carry `controller-revision-hash: <name>-<10-character hash>` (kubernetes/kubernetes#64023).
 * Job: 63 (its name is the `job-name` label of its pods). Label: a label value (63). Gateway: 63,
 * because Istio's validation takes a Gateway name, and every `gateways:` entry of a VirtualService,
 * as a DNS-1123 label ("invalid gateway name"; found by `istioctl validate` on a 63-character service).
 */
export const NAME_LIMITS: Record<Kind, number> = {
  Service: 63,
  Deployment: 253,
  StatefulSet: 52,
  CronJob: 52,
  Job: 63,
  ConfigMap: 253,
  VirtualService: 253,
  Gateway: 63,
  ServiceMonitor: 253,
  Label: 63,
};

const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Why a derived name is not valid for its kind, or undefined. */
export function nameProblem(o: DerivedObject): string | undefined {
  const limit = NAME_LIMITS[o.kind];
  if (o.name.length > limit)
    return `makes ${o.what} "${o.name}" (${o.name.length} characters), longer than the ${limit} a ${o.kind === 'Label' ? 'label value' : `${o.kind} name`} may have; shorten it by ${o.name.length - limit}`;
  if (o.kind === 'Service' && !DNS_1035.test(o.name))
    return `makes ${o.what} "${o.name}", but a Service name must start with a letter (DNS-1035 label)`;
  return undefined;
}

const scrapeMonitorName = (ns: string, name: string) => `meshobs-app-${ns}-${name}`.slice(0, 63).replace(/-+$/, '');

/** Every object name the bundle derives from the config, in a stable order. */
export function derivedObjects(c: MeshobsConfig): DerivedObject[] {
  const out: DerivedObject[] = [];
  const add = (kind: Kind, namespace: string, name: string, path: (string | number)[], what: string) =>
    out.push({ kind, namespace, name, path, what });
  const obs = c.namespaces.observability;

  const col = c.tracing.collector.name;
  const colPath = ['tracing', 'collector', 'name'];
  add('Service', obs, col, colPath, 'the collector Service');
  add('Deployment', obs, col, colPath, 'the collector Deployment');
  add('ConfigMap', obs, col, colPath, 'the collector ConfigMap');
  add('Service', obs, `${col}-collector`, colPath, "the OpenTelemetry Operator's collector Service");
  add('Service', obs, `${col}-collector-headless`, colPath, "the OpenTelemetry Operator's headless Service");
  add('Service', obs, `${col}-collector-monitoring`, colPath, "the OpenTelemetry Operator's monitoring Service");
  add('Label', obs, `${col}-collector`, colPath, 'the app.kubernetes.io/name label of the Operator-managed collector pods');
  if (c.tracing.collector.mode === 'two-tier') {
    const sampler = `${col}-sampler`;
    add('Service', obs, sampler, colPath, 'the sampling tier headless Service');
    add('StatefulSet', obs, sampler, colPath, 'the sampling tier StatefulSet');
    add('StatefulSet', obs, `${sampler}-collector`, colPath, "the OpenTelemetry Operator's sampling StatefulSet");
    add('Service', obs, `${sampler}-collector-headless`, colPath, "the OpenTelemetry Operator's sampling headless Service");
    add('Service', obs, `${sampler}-collector-monitoring`, colPath, "the OpenTelemetry Operator's sampling monitoring Service");
  }

  const j = c.jaeger.name;
  const jPath = ['jaeger', 'name'];
  for (const role of ['collector', 'query'] as const) {
    add('Service', obs, `${j}-${role}`, jPath, `the Jaeger ${role} Service`);
    add('Deployment', obs, `${j}-${role}`, jPath, `the Jaeger ${role} Deployment`);
    add('ConfigMap', obs, `${j}-${role}-config`, jPath, `the Jaeger ${role} ConfigMap`);
  }
  add('CronJob', obs, `${j}-es-index-cleaner`, jPath, 'the Jaeger index cleaner CronJob');
  // The UI edge (packages/istio/src/ingress.ts, kube builders/gateway.ts uiVirtualService).
  const uis = uiHosts(c);
  if (uis.length || c.demo.enabled) add('Gateway', obs, c.ingress.gatewayName, ['ingress', 'gatewayName'], 'the edge Gateway');
  for (const { ui } of uis) add('VirtualService', obs, `${ui}-ui`, ['ingress', 'ui', ui], `the ${ui} UI VirtualService`);
  if (c.jaeger.storage.rollover) {
    add('Job', obs, `${j}-es-rollover-init`, jPath, 'the Jaeger rollover init Job');
    add('CronJob', obs, `${j}-es-rollover`, jPath, 'the Jaeger rollover CronJob');
    add('CronJob', obs, `${j}-es-lookback`, jPath, 'the Jaeger lookback CronJob');
  }
  if (c.jaeger.legacyOperatorCr) {
    add('Service', obs, `${j}-collector-headless`, jPath, "the Jaeger Operator's headless collector Service");
    add('Job', obs, `${j}-es-rollover-create-mapping`, jPath, "the Jaeger Operator's rollover mapping Job");
  }

  // Objects of the mesh itself that a demo Service must not take the name of.
  const istioNs = c.namespaces.istio;
  add(
    'Service',
    istioNs,
    c.istio.revision ? `istiod-${c.istio.revision}` : 'istiod',
    c.istio.revision ? ['istio', 'revision'] : ['namespaces', 'istio'],
    "istiod's Service",
  );
  for (const gw of ['ingress', 'egress'] as const)
    if (c.istio.gateways[gw].enabled)
      add('Service', istioNs, c.istio.gateways[gw].name, ['istio', 'gateways', gw, 'name'], `the ${gw} gateway Service`);
  if (c.kiali.enabled) add('Service', istioNs, 'kiali', ['kiali', 'enabled'], "Kiali's Service");
  add('Service', 'default', 'kubernetes', ['(cluster)'], "the Kubernetes API server's own Service");

  c.services.forEach((s, i) => {
    add(
      'ServiceMonitor',
      c.namespaces.monitoring,
      scrapeMonitorName(s.namespace, s.name),
      ['services', i, 'name'],
      'the scrape ServiceMonitor',
    );
  });
  if (c.demo.enabled) {
    const d = c.demo;
    const ns = d.namespace;
    const path = ['demo', 'name'];
    add('Service', ns, d.name, path, 'the demo Service');
    for (const [i, v] of d.versions.entries())
      add('Deployment', ns, `${d.name}-${v.name}`, ['demo', 'versions', i, 'name'], `the demo's ${v.name} Deployment`);
    add('VirtualService', ns, d.name, path, 'the mesh VirtualService');
    add('VirtualService', ns, `${d.name}-ingress`, path, 'the ingress VirtualService');
    const b = d.backendName;
    const bPath = ['demo', 'backendName'];
    add('Service', ns, b, bPath, 'the demo backend Service');
    add('Deployment', ns, `${b}-stable`, bPath, 'the demo backend Deployment');
    add('VirtualService', ns, b, bPath, 'the demo backend VirtualService');
    add('ServiceMonitor', c.namespaces.monitoring, scrapeMonitorName(ns, d.name), path, 'the scrape ServiceMonitor');
  }
  return out;
}
