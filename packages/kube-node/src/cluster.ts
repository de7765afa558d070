// The target cluster on the node: what a cluster with Istio and kube-prometheus-stack (or a plain
// Prometheus) already runs before the bundle is applied, and the images every pod names.
//   - the namespaces Istio and the chart live in, Istio's CRDs (istiod itself cannot be built here:
//     the node runs without sidecars) and prometheus-operator's;
//   - the monitoring stack (stack.ts) and a webhook receiver for Alertmanager's notifications;
//   - the search engine the config names: a real OpenSearch in the node's network namespace behind a
//     TLS front pod with the search engine's labels, Service and CA, so the bundle's NetworkPolicies,
//     TLS settings and credentials meet what they would in the user's cluster;
//   - every image, imported under the reference the pods name.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MeshobsConfig } from '@meshobs/config';
import { buildDemoImage } from '@meshobs/demo-service/build-image';
import { IMAGES } from '@meshobs/kube';
import { REPO_ROOT, requireTool } from '@meshobs/testkit';
import { parseAllDocuments, stringify } from 'yaml';
import { bundleImageSpecs, cachedImage, imagesOf, STACK_IMAGES, writeImages } from './images.ts';
import type { KubeNode } from './node.ts';
import { NET } from './sandbox.ts';
import { operatorStack, plainStack, type StackNames, stackNames } from './stack.ts';

const PODS = fileURLToPath(new URL('../pods/', import.meta.url));
export const TOOLS_DIR = join(REPO_ROOT, '.tools');

type Obj = {
  apiVersion?: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: any;
};

export interface TargetCluster {
  names: StackNames;
  /** The bundle's objects as `kubectl kustomize` renders them. */
  objects: Obj[];
  /** Namespace and name of the webhook receiver's Service (port 8080). */
  sink: { namespace: string; name: string };
  /** The OpenSearch behind the search engine's TLS front: its HTTP base URL inside the node, the front's Deployment. */
  searchEngine: { innerUrl: string; front?: { namespace: string; name: string } };
  /** The search engine's CA and serving certificate. */
  tls: { ca: string; cert: string; key: string };
  /** The monitoring stack's manifests, as applied. */
  stack?: string;
}

/** Every object of a kustomization. */
export function renderBundle(node: KubeNode, dir: string): Obj[] {
  return parseAllDocuments(node.kubectl(['kustomize', dir]))
    .map((d) => d.toJS())
    .filter(Boolean);
}

function yaml(docs: object[]): string {
  return docs.map((d) => stringify(d)).join('---\n');
}

/** The demo image's pods that run one of ./pods/*.mjs (Node from the demo image). */
function scriptPod(opts: {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  script: string;
  args?: string[];
  env?: Record<string, string>;
  ports: number[];
  volumes?: object[];
  mounts?: object[];
}): object[] {
  const cm = `${opts.name}-script`;
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: cm, namespace: opts.namespace },
      data: { [opts.script]: readFileSync(join(PODS, opts.script), 'utf8') },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: opts.name, namespace: opts.namespace, labels: opts.labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: opts.labels },
        template: {
          metadata: { labels: opts.labels },
          spec: {
            securityContext: { runAsUser: 65532, runAsGroup: 65532, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            automountServiceAccountToken: false,
            containers: [
              {
                name: 'main',
                image: qualifiedDemo(),
                command: ['node', `/scripts/${opts.script}`, ...(opts.args ?? [])],
                env: Object.entries(opts.env ?? {}).map(([name, value]) => ({ name, value })),
                ports: opts.ports.map((containerPort) => ({ containerPort })),
                readinessProbe: { tcpSocket: { port: opts.ports[0] }, periodSeconds: 2 },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                volumeMounts: [{ name: 'scripts', mountPath: '/scripts' }, ...(opts.mounts ?? [])],
              },
            ],
            volumes: [{ name: 'scripts', configMap: { name: cm } }, ...(opts.volumes ?? [])],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: opts.name, namespace: opts.namespace },
      spec: { selector: opts.labels, ports: opts.ports.map((port) => ({ name: `tcp-${port}`, port, targetPort: port })) },
    },
  ];
}

const qualifiedDemo = () => IMAGES.demoService.ref;

/** The demo image's inputs: its sources, its package.json and the Node that goes into it. */
function demoImageKey(): string {
  const node = statSync(realpathSync(process.execPath));
  const h = createHash('sha256').update(`${process.version}:${node.size}:${node.mtimeMs}`);
  const app = join(fileURLToPath(import.meta.resolve('@meshobs/demo-service')), '..', '..');
  h.update(readFileSync(join(app, 'package.json')));
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else h.update(p.slice(app.length)).update(readFileSync(p));
    }
  };
  walk(join(app, 'src'));
  return h.digest('hex').slice(0, 16);
}

/** Builds every image the node needs (the demo's with its own script) and imports them. */
export function importImages(node: KubeNode, bundleObjects: Obj[], log: (l: string) => void): void {
  const refs = imagesOf(bundleObjects);
  const specs = [
    ...bundleImageSpecs(refs, IMAGES.demoService.ref),
    ...[
      STACK_IMAGES.operator,
      STACK_IMAGES.configReloader,
      STACK_IMAGES.prometheus,
      STACK_IMAGES.alertmanager,
      STACK_IMAGES.kubeStateMetrics,
    ].map((i) => i.spec()),
  ];
  const files = writeImages(specs);
  const demo = cachedImage(IMAGES.demoService.ref, demoImageKey(), (out) => buildDemoImage({ out }));
  for (const f of [...files, demo]) node.importImage(f);
  log(`imported ${files.length + 1} images: ${[...specs.map((s) => s.ref), IMAGES.demoService.ref].join(', ')}`);
}

/** A CA and a serving certificate for the search engine's Service name, signed by it. */
function searchEngineTls(dir: string, host: string): { ca: string; cert: string; key: string } {
  mkdirSync(dir, { recursive: true });
  const o = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ca = join(dir, 'es-ca.crt');
  const caKey = join(dir, 'es-ca.key');
  o([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    caKey,
    '-out',
    ca,
    '-days',
    '2',
    '-subj',
    '/CN=search-engine-ca',
  ]);
  const key = join(dir, 'es.key');
  const csr = join(dir, 'es.csr');
  const cert = join(dir, 'es.crt');
  const short = host.split('.')[0]!;
  const ns = host.split('.')[1]!;
  writeFileSync(join(dir, 'es.ext'), `subjectAltName=DNS:${host},DNS:${short}.${ns}.svc,DNS:${short}.${ns},DNS:${short}\n`);
  o([
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    csr,
    '-subj',
    `/CN=${host}`,
  ]);
  o([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca,
    '-CAkey',
    caKey,
    '-set_serial',
    '2',
    '-days',
    '2',
    '-extfile',
    join(dir, 'es.ext'),
    '-out',
    cert,
  ]);
  return { ca: readFileSync(ca, 'utf8'), cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}

export interface PrepareOptions {
  config: MeshobsConfig;
  bundleDir: string;
  log?: (line: string) => void;
  /** Indices (name -> creation time, ms) OpenSearch holds before anything writes (the retention check). */
  backdatedIndices?: Map<string, number>;
}

const stepper = (log: (l: string) => void) => {
  const t0 = Date.now();
  return (what: string) => log(`${what} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
};

/**
 * Everything of the target cluster before `kubectl apply -k`: what every profile needs (namespaces,
 * CRDs, images, OpenSearch, the webhook receiver) and the profile's own part (profileSetup).
 */
export async function prepareCluster(node: KubeNode, opts: PrepareOptions): Promise<TargetCluster> {
  const log = opts.log ?? ((l: string) => console.log(`[kube-node] ${l}`));
  const step = stepper(log);
  const { config } = opts;
  const names = stackNames(config);
  const objects = renderBundle(node, opts.bundleDir);

  // OpenSearch takes the longest to start: it starts first, and is waited for last.
  const osHome = join(node.sandbox.dir, 'opensearch');
  mkdirSync(osHome, { recursive: true });
  const args = [osHome, '9201', '9301'];
  const backdated = opts.backdatedIndices ?? new Map<string, number>();
  if (backdated.size) {
    writeFileSync(join(osHome, 'backdated.txt'), `${[...backdated].map(([n, ms]) => `${n} ${ms}`).join('\n')}\n`);
    args.push(join(osHome, 'backdated.txt'));
  }
  const searchReady = node.daemon('opensearch', requireTool('opensearch-single-node'), args, {
    mount: false,
    env: { OPENSEARCH_JAVA_OPTS: '-Xms512m -Xmx1g' },
    readyLog: /opensearch ready on/,
    timeoutMs: 300_000,
  });
  // OpenSearch binds the namespace's loopback; pods reach it on the node address.
  await node.daemon(
    'opensearch-node-port',
    process.execPath,
    [fileURLToPath(new URL('./forward.ts', import.meta.url)), 'tcp', NET.nodeIp, '9200', 'tcp', '127.0.0.1', '9201'],
    { readyLog: /listening/ },
  );

  for (const ns of [config.namespaces.istio, names.namespace])
    if (node.kubectlResult(['get', 'namespace', ns]).code !== 0) node.kubectl(['create', 'namespace', ns]);
  const crds = [join(TOOLS_DIR, 'crds', 'istio'), join(TOOLS_DIR, 'crds', 'prometheus-operator')].flatMap((d) =>
    readdirSync(d)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => join(d, f)),
  );
  node.kubectl(['create', ...crds.flatMap((f) => ['-f', f])]);
  node.kubectl(['wait', '--for=condition=Established', '--timeout=120s', 'crd', '--all']);
  step('CRDs');

  importImages(node, objects, log);
  step('images');

  // The webhook receiver Alertmanager's receivers point at (their Secrets name its URL).
  const sink = { namespace: names.namespace, name: 'meshobs-webhook-sink' };
  node.kubectl(['apply', '-f', '-'], yaml(scriptPod({ ...sink, labels: { app: sink.name }, script: 'sink.mjs', ports: [8080] })));
  const tls = searchEngineTls(join(node.sandbox.dir, 'search-engine-tls'), new URL(config.elasticsearch.url).hostname);
  const cluster: TargetCluster = { names, objects, sink, searchEngine: { innerUrl: 'http://127.0.0.1:9201' }, tls };
  profileSetup(node, cluster, opts);
  await searchReady;
  step('search engine');
  rolloutStatus(node, sink.namespace, `deployment/${sink.name}`, 180);
  profileReady(node, cluster, config);
  step('cluster ready for the bundle');
  return cluster;
}

/** The profile's part: its monitoring stack, the receivers' Secrets, the search engine's front and Secrets. */
export function profileSetup(node: KubeNode, cluster: TargetCluster, opts: { config: MeshobsConfig; bundleDir: string }): void {
  const { config, bundleDir } = opts;
  const names = stackNames(config);
  cluster.names = names;
  cluster.objects = renderBundle(node, bundleDir);
  const operator = config.profile.prometheus === 'kube-prometheus-stack';
  const rbacDir = join(TOOLS_DIR, 'manifests', 'prometheus-operator-rbac');
  cluster.stack = operator ? operatorStack(names, { rbacDir, bundleDir, config }) : plainStack(names, { bundleDir, config, rbacDir });
  node.kubectl(['apply', '--server-side', '-f', '-'], cluster.stack);
  const { sink } = cluster;
  const sinkUrl = (path: string) => `http://${sink.name}.${sink.namespace}.svc.cluster.local:8080/${path}`;
  const receiverSecrets = [config.alertmanager.receivers.critical, config.alertmanager.receivers.warning].map((r) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: r.secret.name, namespace: names.namespace },
    stringData: { [r.secret.key]: r.type === 'pagerduty' ? 'meshobs-node-routing-key' : sinkUrl(r.name) },
  }));
  node.kubectl(['apply', '-f', '-'], yaml(receiverSecrets));

  // The search engine, in its namespace (the observability namespace by default, which the bundle
  // also declares: created here first, as a user who installs the search engine there would).
  const es = new URL(config.elasticsearch.url);
  const esNs = config.elasticsearch.namespace ?? config.namespaces.observability;
  for (const ns of new Set([esNs, config.namespaces.observability]))
    if (node.kubectlResult(['get', 'namespace', ns]).code !== 0) node.kubectl(['create', 'namespace', ns]);
  const esSvc = es.hostname.split('.')[0]!;
  cluster.searchEngine.front = { namespace: esNs, name: esSvc };
  node.kubectl(
    ['apply', '-f', '-'],
    yaml([
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'search-engine-tls', namespace: esNs },
        stringData: { 'tls.crt': cluster.tls.cert, 'tls.key': cluster.tls.key },
      },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: config.elasticsearch.caSecret.name, namespace: config.namespaces.observability },
        stringData: { [config.elasticsearch.caSecret.key]: cluster.tls.ca },
      },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: config.elasticsearch.credentials.secretName, namespace: config.namespaces.observability },
        // OpenSearch runs without its security plugin: the credentials are sent, not checked.
        stringData: {
          [config.elasticsearch.credentials.usernameKey]: 'jaeger',
          [config.elasticsearch.credentials.passwordKey]: 'meshobs-node',
        },
      },
      ...scriptPod({
        name: esSvc,
        namespace: esNs,
        labels: config.elasticsearch.podSelector,
        script: 'tls-front.mjs',
        env: { UPSTREAM: `${NET.nodeIp}:9200`, PORT: es.port || '9200' },
        ports: [Number(es.port || 9200)],
        volumes: [{ name: 'tls', secret: { secretName: 'search-engine-tls' } }],
        mounts: [{ name: 'tls', mountPath: '/tls', readOnly: true }],
      }),
    ]),
  );
}

/** Waits until the profile's part serves: the search engine's front, the operator or the plain Prometheus. */
export function profileReady(node: KubeNode, cluster: TargetCluster, config: MeshobsConfig): void {
  const { front } = cluster.searchEngine;
  if (front) rolloutStatus(node, front.namespace, `deployment/${front.name}`, 180);
  const deploy = config.profile.prometheus === 'kube-prometheus-stack' ? `${cluster.names.release}-operator` : 'prometheus';
  rolloutStatus(node, cluster.names.namespace, `deployment/${deploy}`, 180);
}

/** `kubectl rollout status`; on a timeout, the error says why: the pods' states, events and last log lines. */
export function rolloutStatus(node: KubeNode, namespace: string, workload: string, timeoutSeconds: number): void {
  const r = node.kubectlResult(['-n', namespace, 'rollout', 'status', workload, `--timeout=${timeoutSeconds}s`]);
  if (r.code === 0) return;
  const selector = node
    .kubectlResult([
      '-n',
      namespace,
      'get',
      workload,
      '-o',
      'go-template={{range $k, $v := .spec.selector.matchLabels}}{{$k}}={{$v}},{{end}}',
    ])
    .stdout.replace(/,$/, '');
  const pods = node.kubectlResult(['-n', namespace, 'get', 'pods', '-l', selector, '-o', 'wide']).stdout;
  const events = node
    .kubectlResult(['-n', namespace, 'get', 'events', '--sort-by=.lastTimestamp'])
    .stdout.split('\n')
    .slice(-15)
    .join('\n');
  const logs = node.kubectlResult(['-n', namespace, 'logs', workload, '--all-containers', '--tail=15']).stdout;
  throw new Error(
    `${workload} in ${namespace} not rolled out in ${timeoutSeconds} s: ${r.stdout}${r.stderr}\n${pods}\nevents:\n${events}\nlogs:\n${logs}`,
  );
}

/** Removes a profile's monitoring stack (before another profile's is installed). */
export function removeStack(node: KubeNode, cluster: TargetCluster): void {
  if (cluster.stack) node.kubectl(['delete', '--ignore-not-found', '--wait=true', '--timeout=180s', '-f', '-'], cluster.stack);
}
