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
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MeshobsConfig } from '@meshobs/config';
import { buildDemoImage } from '@meshobs/demo-service/build-image';
import { IMAGES } from '@meshobs/kube';
import { REPO_ROOT, requireTool } from '@meshobs/testkit';
import { parseAllDocuments, stringify } from 'yaml';
import { bundleImageSpecs, imagesOf, STACK_IMAGES, writeImages } from './images.ts';
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
  /** The OpenSearch behind the search engine's TLS front: its HTTP base URL inside the node. */
  searchEngine: { innerUrl: string };
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

/** Builds every image the node needs (the demo's with its own script) and imports them. */
export function importImages(node: KubeNode, bundleObjects: Obj[], log: (l: string) => void): void {
  const dir = join(node.sandbox.dir, 'images');
  mkdirSync(dir, { recursive: true });
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
  const files = writeImages(specs, dir);
  const demo = join(dir, 'demo-service.tar');
  buildDemoImage({ out: demo });
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

/** Everything of the target cluster before `kubectl apply -k`. */
export async function prepareCluster(node: KubeNode, opts: PrepareOptions): Promise<TargetCluster> {
  const log = opts.log ?? ((l: string) => console.log(`[kube-node] ${l}`));
  const { config, bundleDir } = opts;
  const names = stackNames(config);
  const operator = config.profile.prometheus === 'kube-prometheus-stack';
  const objects = renderBundle(node, bundleDir);
  const t0 = Date.now();
  const step = (what: string) => log(`${what} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

  for (const ns of [config.namespaces.istio, names.namespace])
    if (node.kubectlResult(['get', 'namespace', ns]).code !== 0) node.kubectl(['create', 'namespace', ns]);
  const crds = [join(TOOLS_DIR, 'crds', 'istio'), ...(operator ? [join(TOOLS_DIR, 'crds', 'prometheus-operator')] : [])].flatMap((d) =>
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

  const rbacDir = join(TOOLS_DIR, 'manifests', 'prometheus-operator-rbac');
  const stack = operator ? operatorStack(names, { rbacDir, bundleDir, config }) : plainStack(names, { bundleDir, config, rbacDir });
  node.kubectl(['apply', '--server-side', '-f', '-'], stack);
  step('monitoring stack applied');

  // The webhook receiver Alertmanager's receivers point at (their Secrets name its URL).
  const sink = { namespace: names.namespace, name: 'meshobs-webhook-sink' };
  node.kubectl(['apply', '-f', '-'], yaml(scriptPod({ ...sink, labels: { app: sink.name }, script: 'sink.mjs', ports: [8080] })));
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
  if (node.kubectlResult(['get', 'namespace', esNs]).code !== 0) node.kubectl(['create', 'namespace', esNs]);
  const backdated = opts.backdatedIndices ?? new Map<string, number>();
  const osHome = join(node.sandbox.dir, 'opensearch');
  mkdirSync(osHome, { recursive: true });
  const args = [osHome, '9201', '9301'];
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
  const tls = searchEngineTls(join(node.sandbox.dir, 'search-engine-tls'), es.hostname);
  const esSvc = es.hostname.split('.')[0]!;
  node.kubectl(
    ['apply', '-f', '-'],
    yaml([
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'search-engine-tls', namespace: esNs },
        stringData: { 'tls.crt': tls.cert, 'tls.key': tls.key },
      },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: config.elasticsearch.caSecret.name, namespace: config.namespaces.observability },
        stringData: { [config.elasticsearch.caSecret.key]: tls.ca },
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
  await searchReady;
  step('search engine');
  for (const [ns, deploy] of [
    [sink.namespace, sink.name],
    [esNs, esSvc],
  ])
    node.kubectl(['-n', ns!, 'rollout', 'status', `deployment/${deploy}`, '--timeout=180s']);
  if (operator) {
    node.kubectl(['-n', names.namespace, 'rollout', 'status', `deployment/${names.release}-operator`, '--timeout=180s']);
  }
  step('cluster ready for the bundle');
  return { names, objects, sink, searchEngine: { innerUrl: 'http://127.0.0.1:9201' } };
}
