// istiod (pilot-discovery, built by scripts/install-tools.sh cluster from the pinned istio.io/istio
// module) against the cluster tier's real API server, with the bundle's Istio objects and stand-ins for
// the bundle's pods as the API server would hold them once Istio's injector and the kubelet are done
// (labels the injector adds, a Running and Ready status), their Services and
// EndpointSlices. One xDS client per workload presents that pod's node id and metadata; what istiod
// generates for it is read from its debug endpoint (xds-client.ts).
//
// Upstream facts (istio/istio at the pinned commit eed52ebb66ad):
// - flags: pilot/cmd/pilot-discovery/app/cmd.go (--meshConfig, --kubeconfig, --httpAddr, --grpcAddr
//   (plaintext xDS), --secureGRPCAddr, --httpsAddr, --monitoringAddr, --ctrlz_port); the webhook
//   patchers are off when VALIDATION_WEBHOOK_CONFIG_NAME and INJECTION_WEBHOOK_CONFIG_NAME are empty.
// - node id `<type>~<ip>~<pod>.<namespace>~<namespace>.svc.cluster.local` and node cluster
//   `<app label>.<namespace>` (pkg/bootstrap/config.go getServiceCluster, serviceClusterOrDefault);
//   node metadata keys: pkg/model/proxy.go NodeMetadata (LABELS, NAMESPACE, INSTANCE_IPS,
//   SERVICE_ACCOUNT, CLUSTER_ID, WORKLOAD_NAME, ...). istiod finds the pod by `<pod>.<namespace>`
//   (pilot/pkg/serviceregistry/kube/controller/pod.go getPodByProxy), so its labels and service
//   account come from the API server, as in a cluster.
// - labels the injector adds to a pod: manifests/charts/istio-control/istio-discovery/files/
//   injection-template.yaml (security.istio.io/tlsMode, service.istio.io/canonical-name and
//   canonical-revision).
// - the gateway chart's Service ports and ServiceAccount name: manifests/charts/gateway/values.yaml
//   (status-port 15021, http2 80, https 443), templates/serviceaccount.yaml (the release name).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MeshobsConfig } from '@meshobs/config';
import { gatewayInstalls } from '@meshobs/model';
import { freePort, type Proc, REPO_ROOT, requireTool, startProcess, tempDir, waitUntil } from '@meshobs/testkit';
import { parseAllDocuments, stringify } from 'yaml';
import type { ApiServer } from './cluster-kit.ts';
import type { Obj } from './flows.ts';
import { connectXds, type MetaValue, TYPE, type XdsConnection } from './xds-client.ts';

export type Labels = Record<string, string>;
type Any = any;

/** A pod of the bundle (or the ingress gateway) as istiod sees it. */
export interface Workload {
  /** The Deployment/StatefulSet (or gateway) name. */
  name: string;
  namespace: string;
  pod: string;
  ip: string;
  labels: Labels;
  annotations: Labels;
  serviceAccount: string;
  ports: Array<{ name?: string; containerPort: number; protocol?: string }>;
  /** `sidecar` for injected pods, `router` for the gateway. */
  type: 'sidecar' | 'router';
}

const ISTIO_KINDS = [
  'Telemetry',
  'PeerAuthentication',
  'RequestAuthentication',
  'AuthorizationPolicy',
  'Gateway',
  'VirtualService',
  'DestinationRule',
  'ServiceEntry',
  'Sidecar',
];
export const isIstioObject = (o: Obj) => /\.istio\.io\//.test(o.apiVersion ?? '') && ISTIO_KINDS.includes(o.kind);

/**
 * Pods of the bundle's injected Deployments and StatefulSets, then the ingress gateway. Their addresses
 * are data only (nothing ever connects to them: the xDS client binds and dials nothing but istiod):
 * 192.0.2.<n> of the documentation range (RFC 5737), because the API server refuses loopback endpoint
 * addresses (k8s.io/kubernetes pkg/apis/discovery/validation: "may not be in the loopback range").
 */
export function workloadsOf(config: MeshobsConfig, objects: Obj[]): Workload[] {
  const out: Workload[] = [];
  for (const d of objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')) {
    const t = d.spec.template;
    const ns = d.metadata.namespace!;
    if (!config.namespaces.injected.includes(ns) || t.metadata?.annotations?.['sidecar.istio.io/inject'] === 'false') continue;
    if (t.metadata?.labels?.['sidecar.istio.io/inject'] === 'false') continue;
    const labels: Labels = { ...t.metadata.labels };
    out.push({
      name: d.metadata.name,
      namespace: ns,
      pod: `${d.metadata.name}-0`,
      ip: '',
      labels: {
        ...labels,
        'security.istio.io/tlsMode': 'istio',
        'service.istio.io/canonical-name': labels['app.kubernetes.io/name'] ?? labels.app ?? d.metadata.name,
        'service.istio.io/canonical-revision': labels['app.kubernetes.io/version'] ?? labels.version ?? 'latest',
      },
      annotations: { ...(t.metadata.annotations ?? {}) },
      serviceAccount: t.spec.serviceAccountName ?? 'default',
      ports: t.spec.containers.flatMap((c: Any) => c.ports ?? []),
      type: 'sidecar',
    });
  }
  const gw = gatewayInstalls(config).find((g: { kind: string; enabled: boolean }) => g.kind === 'ingress' && g.enabled);
  if (gw)
    out.push({
      name: gw.name,
      namespace: config.namespaces.istio,
      pod: `${gw.name}-0`,
      ip: '',
      labels: {
        ...gw.labels,
        'service.istio.io/canonical-name': gw.name,
        'service.istio.io/canonical-revision': 'latest',
        'sidecar.istio.io/inject': 'true',
      },
      annotations: { 'inject.istio.io/templates': 'gateway' },
      serviceAccount: gw.name,
      ports: [
        { name: 'http-envoy-prom', containerPort: 15090, protocol: 'TCP' },
        { name: 'status-port', containerPort: 15021, protocol: 'TCP' },
      ],
      type: 'router',
    });
  for (const [i, w] of out.entries()) w.ip = `192.0.2.${10 + i}`;
  return out;
}

/** The gateway chart's Service for the ingress gateway (manifests/charts/gateway/values.yaml). */
function gatewayService(w: Workload, selector: Labels): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: w.name, namespace: w.namespace, labels: w.labels },
    spec: {
      type: 'ClusterIP',
      selector,
      ports: [
        { name: 'status-port', port: 15021, protocol: 'TCP', targetPort: 15021 },
        { name: 'http2', port: 80, protocol: 'TCP', targetPort: 80 },
        { name: 'https', port: 443, protocol: 'TCP', targetPort: 443 },
      ],
    },
  };
}

const matches = (selector: Labels | undefined, labels: Labels) => !!selector && Object.entries(selector).every(([k, v]) => labels[k] === v);

function podOf(w: Workload): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: w.pod, namespace: w.namespace, labels: w.labels, annotations: w.annotations },
    spec: {
      nodeName: 'node-0',
      serviceAccountName: w.serviceAccount,
      containers: [{ name: 'app', image: 'stand-in', ports: w.ports.map((p) => ({ protocol: 'TCP', ...p })) }],
    },
  };
}

/** A pod's status as a kubelet would report it for a running, ready pod (the API server takes it as a status apply). */
export const podStatus = (w: Workload) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: w.pod, namespace: w.namespace },
  status: {
    phase: 'Running',
    podIP: w.ip,
    podIPs: [{ ip: w.ip }],
    hostIP: '127.0.0.1',
    conditions: [
      { type: 'Ready', status: 'True' },
      { type: 'ContainersReady', status: 'True' },
      { type: 'PodScheduled', status: 'True' },
    ],
  },
});

/** The EndpointSlice the endpoint-slice controller would write for a Service and its ready pods. */
function endpointSliceOf(svc: Obj, pods: Workload[]): Any {
  const ports = (svc.spec.ports ?? []).map((sp: Any) => {
    let port = typeof sp.targetPort === 'number' ? sp.targetPort : undefined;
    if (port === undefined) {
      const name = sp.targetPort ?? sp.name;
      port = pods[0]?.ports.find((p) => p.name === name)?.containerPort ?? (sp.targetPort === undefined ? sp.port : undefined);
    }
    return { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) };
  });
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${svc.metadata.name}-meshobs`,
      namespace: svc.metadata.namespace,
      labels: {
        'kubernetes.io/service-name': svc.metadata.name,
        'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
      },
    },
    addressType: 'IPv4',
    endpoints: pods.map((w) => ({
      addresses: [w.ip],
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: 'node-0',
      targetRef: { kind: 'Pod', name: w.pod, namespace: w.namespace },
    })),
    ports: ports.filter((p: Any) => typeof p.port === 'number'),
  };
}

const toYamlStream = (objs: Any[]) => objs.map((o) => `---\n${stringify(o)}`).join('');

/**
 * Writes the bundle's namespaces, service accounts, Services and Istio objects, the gateway's Service, the
 * pods (with their status) and the EndpointSlices into the API server.
 */
export function applyMesh(api: ApiServer, config: MeshobsConfig, objects: Obj[], workloads: Workload[], extra: Obj[] = []): void {
  const services = objects.filter((o) => o.kind === 'Service');
  const gw = workloads.find((w) => w.type === 'router');
  if (gw) services.push(gatewayService(gw, gatewayInstalls(config).find((g: { name: string }) => g.name === gw.name)!.selector));
  const namespaces = new Set([...workloads.map((w) => w.namespace), ...services.map((s) => s.metadata.namespace!)]);
  const existing = new Set(
    api
      .kubectl(['get', 'namespaces', '-o', 'name'])
      .split('\n')
      .map((l) => l.replace('namespace/', '')),
  );
  const sas = new Map<string, Obj>();
  for (const o of objects.filter((o) => o.kind === 'ServiceAccount')) sas.set(`${o.metadata.namespace}/${o.metadata.name}`, o);
  for (const w of workloads)
    if (!sas.has(`${w.namespace}/${w.serviceAccount}`))
      sas.set(`${w.namespace}/${w.serviceAccount}`, {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: w.serviceAccount, namespace: w.namespace },
      });
  const first: Obj[] = [
    ...[...namespaces].filter((n) => !existing.has(n)).map((n) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n } }) as Obj),
    ...sas.values(),
    ...services,
    ...objects.filter(isIstioObject),
    ...extra,
    ...workloads.map(podOf),
  ];
  api.kubectl(['create', '-f', '-'], toYamlStream(first));
  api.kubectl(['apply', '--server-side', '--subresource=status', '-f', '-'], toYamlStream(workloads.map(podStatus) as Obj[]));
  const slices = services
    .filter((s) => s.spec?.selector)
    .map((s) =>
      endpointSliceOf(
        s,
        workloads.filter((w) => w.namespace === s.metadata.namespace && matches(s.spec.selector, w.labels)),
      ),
    )
    .filter((s) => s.endpoints.length);
  api.kubectl(['create', '-f', '-'], toYamlStream(slices));
}

/** The node id, cluster and metadata pilot-agent would send for this pod. */
export function nodeOf(w: Workload) {
  const app = w.labels.app ?? w.labels['app.kubernetes.io/name'];
  const metadata: Record<string, MetaValue> = {
    CLUSTER_ID: 'Kubernetes',
    NAMESPACE: w.namespace,
    INSTANCE_IPS: w.ip,
    SERVICE_ACCOUNT: w.serviceAccount,
    LABELS: w.labels,
    ANNOTATIONS: w.annotations,
    WORKLOAD_NAME: w.name,
    NODE_NAME: 'node-0',
    MESH_ID: 'cluster.local',
    INTERCEPTION_MODE: 'REDIRECT',
    POD_PORTS: JSON.stringify(w.ports.map((p) => ({ protocol: 'TCP', ...p }))),
  };
  return {
    id: `${w.type}~${w.ip}~${w.pod}.${w.namespace}~${w.namespace}.svc.cluster.local`,
    cluster: app ? `${app}.${w.namespace}` : `istio-proxy.${w.namespace}`,
    metadata,
  };
}

/** What istiod generated for one proxy, from /debug/config_dump (Envoy admin ConfigDump, canonical JSON). */
export interface ProxyConfig {
  version: string;
  listeners: Any[];
  clusters: Any[];
  routes: Any[];
}

export interface Istiod {
  proc: Proc;
  xds: string;
  http: string;
  /** Connects the workload's proxy (once) and returns what istiod generates for it now. */
  configOf(w: Workload): Promise<ProxyConfig>;
  stop(): Promise<void>;
}

const typeOf = (c: Any) =>
  String(c['@type'] ?? '')
    .split('.')
    .pop();

function parseDump(json: Any): ProxyConfig {
  const configs: Any[] = json.configs ?? [];
  const of = (t: string) => configs.find((c) => typeOf(c) === t) ?? {};
  const clusters = of('ClustersConfigDump');
  return {
    version: clusters.versionInfo ?? clusters.version_info ?? '',
    clusters: (clusters.dynamicActiveClusters ?? []).map((c: Any) => c.cluster),
    listeners: (of('ListenersConfigDump').dynamicListeners ?? []).map((l: Any) => l.activeState.listener),
    routes: (of('RoutesConfigDump').dynamicRouteConfigs ?? []).map((r: Any) => r.routeConfig),
  };
}

/** Route names the listeners' HTTP connection managers load over RDS. */
export function rdsNames(listeners: Any[]): string[] {
  const names = new Set<string>();
  const walk = (x: Any) => {
    if (!x || typeof x !== 'object') return;
    if (typeof x.rds?.routeConfigName === 'string') names.add(x.rds.routeConfigName);
    for (const v of Object.values(x)) walk(v);
  };
  walk(listeners);
  return [...names].sort();
}

/**
 * The mesh config istiod runs with once the bundle's istio/helm-values.yaml is installed: the `mesh` of
 * the ConfigMap `istio` that Istio's istiod chart renders (`helm template`, the chart of the pinned
 * module that scripts/install-tools.sh cluster copies). The chart merges meshConfig over its own
 * defaults (templates/configmap.yaml), so this is what a cluster gets, not the bundle's fragment alone.
 */
export function chartMeshConfig(bundle: string, namespace: string): string {
  const chart = join(REPO_ROOT, '.tools', 'charts', 'istio', 'istio-discovery');
  const r = spawnSync(
    requireTool('helm'),
    ['template', 'istiod', chart, '-n', namespace, '-f', join(bundle, 'istio', 'helm-values.yaml')],
    {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    },
  );
  if (r.status !== 0) throw new Error(`helm template of the istiod chart failed:\n${r.stderr}`);
  const cm = parseAllDocuments(r.stdout)
    .map((d) => d.toJS())
    .find((o) => o?.kind === 'ConfigMap' && o.metadata?.name === 'istio');
  if (!cm?.data?.mesh) throw new Error('the istiod chart rendered no ConfigMap istio with a mesh');
  return cm.data.mesh;
}

/** Starts pilot-discovery on loopback ports with the mesh config (YAML) and waits until it is ready. */
export async function startIstiod(api: ApiServer, meshConfig: string): Promise<Istiod> {
  const dir = tempDir('istiod');
  const meshFile = join(dir, 'mesh.yaml');
  writeFileSync(meshFile, meshConfig);
  const [http, grpc, secure, https, monitoring, ctrlz] = (await Promise.all(Array.from({ length: 6 }, () => freePort()))) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const lo = (p: number) => `127.0.0.1:${p}`;
  const proc = await startProcess(
    'istiod',
    requireTool('pilot-discovery'),
    [
      'discovery',
      `--kubeconfig=${api.kubeconfig}`,
      `--meshConfig=${meshFile}`,
      `--networksConfig=${join(dir, 'mesh-networks.yaml')}`,
      `--httpAddr=${lo(http)}`,
      `--grpcAddr=${lo(grpc)}`,
      `--secureGRPCAddr=${lo(secure)}`,
      `--httpsAddr=${lo(https)}`,
      `--monitoringAddr=${lo(monitoring)}`,
      `--ctrlz_port=${ctrlz}`,
      '--ctrlz_address=127.0.0.1',
      '--domain=cluster.local',
      '--log_output_level=default:warn',
    ],
    {
      cwd: dir,
      env: {
        POD_NAME: 'istiod-0',
        POD_NAMESPACE: 'istio-system',
        REVISION: 'default',
        CLUSTER_ID: 'Kubernetes',
        VALIDATION_WEBHOOK_CONFIG_NAME: '',
        INJECTION_WEBHOOK_CONFIG_NAME: '',
        ISTIOD_CUSTOM_HOST: 'istiod.istio-system.svc',
        PILOT_ENABLE_STATUS: 'false',
      },
      readyUrl: `http://${lo(http)}/ready`,
      timeoutMs: 120_000,
    },
  );
  const connections = new Map<string, XdsConnection>();
  const dump = async (id: string): Promise<ProxyConfig> => {
    const res = await fetch(`http://${lo(http)}/debug/config_dump?proxyID=${encodeURIComponent(id)}`, {
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`config_dump of ${id}: HTTP ${res.status} ${text.slice(0, 300)}`);
    // For a look at what istiod generated: MESHOBS_ISTIOD_DUMP=<folder> writes every dump read.
    if (process.env.MESHOBS_ISTIOD_DUMP) writeFileSync(join(process.env.MESHOBS_ISTIOD_DUMP, `${id}.json`), text);
    return parseDump(JSON.parse(text));
  };
  const routesWatched = new Map<string, string>();
  return {
    proc,
    xds: lo(grpc),
    http: lo(http),
    async configOf(w) {
      const id = `${w.pod}.${w.namespace}`;
      if (!connections.has(id)) {
        connections.set(id, await connectXds(lo(grpc), nodeOf(w)));
        await waitUntil(
          async () => (await fetch(`http://${lo(http)}/debug/config_dump?proxyID=${id}`)).ok,
          30_000,
          `istiod to register the proxy ${id}`,
          100,
        );
      }
      let cfg = await dump(id);
      const names = rdsNames(cfg.listeners);
      if (routesWatched.get(id) !== names.join(',')) {
        connections.get(id)!.subscribe(TYPE.route, names);
        routesWatched.set(id, names.join(','));
        await waitUntil(
          async () => {
            cfg = await dump(id);
            return names.every((n) => cfg.routes.some((r) => r.name === n));
          },
          30_000,
          `istiod to watch the routes of ${id}`,
          100,
        );
      }
      return cfg;
    },
    async stop() {
      for (const c of connections.values()) c.close();
      await proc.stop(10_000);
    },
  };
}
