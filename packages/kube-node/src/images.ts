// The node's images, built from the binaries scripts/install-tools.sh builds and imported into
// containerd under the exact references the pods name. The bundle's references are never listed
// here: they come from @meshobs/kube's IMAGES (what each one is) and the built bundle (which ones it
// runs); this file only knows how to fill an image of each kind, as its upstream Dockerfile lays it
// out (binary path, entrypoint, user), so the bundle's commands, args and paths work unchanged.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { baseFiles, type ImageFile, type ImageSpec, writeImage } from '@meshobs/demo-service/oci-image';
import { IMAGES, type ImageName } from '@meshobs/kube';
import { requireTool } from '@meshobs/testkit';

/** The reference containerd's CRI resolves a short name to (docker.io/library/... for one segment). */
export function qualified(ref: string): string {
  const first = ref.split('/')[0]!;
  if (ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) return ref;
  return ref.includes('/') ? `docker.io/${ref}` : `docker.io/library/${ref}`;
}

const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

const bin = (tool: string, path: string): ImageFile => ({ path, content: { from: realpathSync(requireTool(tool)) }, mode: 0o755 });

/** An image of one static binary laid out as upstream does. */
function single(ref: string, tool: string, path: string, extra: Partial<ImageSpec> & { dirs?: ImageFile[] } = {}): ImageSpec {
  const { dirs = [], ...rest } = extra;
  return {
    ref,
    files: [...baseFiles({ caBundle: existsSync(CA_BUNDLE) ? CA_BUNDLE : undefined }), bin(tool, path), ...dirs],
    entrypoint: [path],
    ...rest,
  };
}

/**
 * How each image of @meshobs/kube IMAGES is filled. The demo service's image is the one
 * apps/demo-service/scripts/build-image.sh writes, so it is absent here.
 */
const BUNDLE_IMAGES: Record<Exclude<ImageName, 'demoService'>, (ref: string) => ImageSpec> = {
  // open-telemetry/opentelemetry-collector-releases distributions/otelcol-contrib/Dockerfile: /otelcol-contrib,
  // USER 10001. The binary is otelcol-meshobs (tools/otelcol-builder.yaml): the components the bundle
  // uses, a subset of contrib's (docs/node-tier.md).
  otelCollector: (ref) =>
    single(ref, 'otelcol-meshobs', '/otelcol-contrib', { user: '10001:10001', cmd: ['--config', '/etc/otelcol-contrib/config.yaml'] }),
  // jaegertracing/jaeger v1.76.0 (= v2.13.0) cmd/jaeger/Dockerfile: /cmd/jaeger/jaeger-linux, USER 10001.
  jaeger: (ref) =>
    single(ref, 'jaeger', '/cmd/jaeger/jaeger-linux', { user: '10001', env: ['JAEGER_LISTEN_HOST=0.0.0.0', 'PATH=/usr/bin:/bin'] }),
  // cmd/es-index-cleaner/Dockerfile: /go/bin/es-index-cleaner-linux, USER 10001.
  jaegerEsIndexCleaner: (ref) => single(ref, 'es-index-cleaner', '/go/bin/es-index-cleaner-linux', { user: '10001' }),
  // cmd/es-rollover/Dockerfile: /go/bin/es-rollover, USER 10001.
  jaegerEsRollover: (ref) => single(ref, 'es-rollover', '/go/bin/es-rollover', { user: '10001' }),
};

/** A stack image: its reference now, its spec (which reads the binaries) only when written. */
export interface StackImage {
  ref: string;
  spec: () => ImageSpec;
}

const lazy = (ref: string, make: (ref: string) => ImageSpec): StackImage => ({ ref, spec: () => make(ref) });

/** Images of the node itself and of the monitoring stack it runs (kube-prometheus-stack's parts). */
export const STACK_IMAGES = {
  // k8s.io/kubernetes v1.36.3 build/pause: /pause, USER 65535; containerd v2.4.2's default sandbox image.
  pause: lazy('registry.k8s.io/pause:3.10.2', (ref) => single(ref, 'pause', '/pause', { user: '65535:65535' })),
  // coredns/coredns v1.14.7 Dockerfile: /coredns, USER 65532.
  coredns: lazy('registry.k8s.io/coredns/coredns:v1.14.7', (ref) => single(ref, 'coredns', '/coredns', { user: '65532:65532' })),
  // prometheus/prometheus v0.316.0 (3.16.0) Dockerfile: /bin/prometheus, WORKDIR /prometheus, USER nobody.
  prometheus: lazy('quay.io/prometheus/prometheus:v3.16.0', (ref) =>
    single(ref, 'prometheus3', '/bin/prometheus', {
      user: '65534',
      workingDir: '/prometheus',
      dirs: [{ path: '/prometheus', uid: 65534, gid: 65534, mode: 0o775 }],
    }),
  ),
  // prometheus/alertmanager v0.28.1 Dockerfile: /bin/alertmanager, WORKDIR /alertmanager, USER nobody.
  alertmanager: lazy('quay.io/prometheus/alertmanager:v0.28.1', (ref) =>
    single(ref, 'alertmanager-node', '/bin/alertmanager', {
      user: '65534',
      workingDir: '/alertmanager',
      dirs: [{ path: '/alertmanager', uid: 65534, gid: 65534, mode: 0o775 }],
    }),
  ),
  // prometheus-operator v0.85.0 Dockerfile and cmd/prometheus-config-reloader/Dockerfile.
  operator: lazy('quay.io/prometheus-operator/prometheus-operator:v0.85.0', (ref) =>
    single(ref, 'prometheus-operator', '/bin/operator', { user: '65534' }),
  ),
  configReloader: lazy('quay.io/prometheus-operator/prometheus-config-reloader:v0.85.0', (ref) =>
    single(ref, 'prometheus-config-reloader', '/bin/prometheus-config-reloader', { user: '65534' }),
  ),
  // kube-state-metrics v2.20.0 Dockerfile: /kube-state-metrics --port=8080 --telemetry-port=8081, USER nobody.
  kubeStateMetrics: lazy('registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.20.0', (ref) =>
    single(ref, 'kube-state-metrics', '/kube-state-metrics', {
      user: '65534',
      entrypoint: ['/kube-state-metrics', '--port=8080', '--telemetry-port=8081'],
    }),
  ),
} satisfies Record<string, StackImage>;

/** The IMAGES entry whose reference is `ref` (as the bundle writes it). */
export function imageNameOf(ref: string): ImageName | undefined {
  return (Object.keys(IMAGES) as ImageName[]).find((k) => qualified(IMAGES[k].ref) === qualified(ref));
}

/**
 * Every image a set of manifests runs (containers and init containers of pods, pod templates and job
 * templates), as written.
 */
export function imagesOf(objects: Array<{ kind: string; spec?: any }>): string[] {
  const refs = new Set<string>();
  const podSpec = (o: { kind: string; spec?: any }) =>
    o.kind === 'Pod' ? o.spec : o.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template?.spec : o.spec?.template?.spec;
  for (const o of objects) {
    const spec = podSpec(o);
    for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) if (c.image) refs.add(c.image);
  }
  return [...refs].sort();
}

/**
 * The image specs for the images a bundle runs (the demo service's excepted: its tarball comes from
 * the demo's own script). Fails naming any image the node cannot fill.
 */
export function bundleImageSpecs(refs: string[], demoRef: string): ImageSpec[] {
  const specs: ImageSpec[] = [];
  const unknown: string[] = [];
  for (const ref of refs) {
    if (qualified(ref) === qualified(demoRef)) continue;
    const name = imageNameOf(ref);
    if (!name || name === 'demoService') {
      unknown.push(ref);
      continue;
    }
    specs.push(BUNDLE_IMAGES[name](qualified(ref)));
  }
  if (unknown.length)
    throw new Error(`the bundle runs images the node cannot build (not in @meshobs/kube IMAGES, or overridden): ${unknown.join(', ')}`);
  return specs;
}

/** Where written images are kept between runs (the tool cache of scripts/install-tools.sh). */
export const IMAGE_CACHE = join(process.env.MESHOBS_CACHE ?? join(homedir(), '.cache', 'meshobs'), 'node-images');

/** A key for everything that makes up an image: its spec, and each file's source (path, size, time) or bytes. */
export function imageKey(spec: ImageSpec): string {
  const files = spec.files.map((f) => {
    const c = f.content;
    const src =
      c === undefined
        ? undefined
        : Buffer.isBuffer(c)
          ? createHash('sha256').update(c).digest('hex')
          : `${c.from}:${statSync(c.from).size}:${statSync(c.from).mtimeMs}`;
    return { ...f, content: src };
  });
  return createHash('sha256')
    .update(JSON.stringify({ ...spec, files }))
    .digest('hex')
    .slice(0, 16);
}

const fileName = (ref: string) => ref.replace(/[^a-zA-Z0-9.-]+/g, '_');

/**
 * A tarball for `ref` from the cache when one with this key is there, else made by `write` and kept
 * (only the newest per reference). Returns its path.
 */
export function cachedImage(ref: string, key: string, write: (out: string) => void): string {
  mkdirSync(IMAGE_CACHE, { recursive: true });
  const file = join(IMAGE_CACHE, `${fileName(ref)}-${key}.tar`);
  if (existsSync(file)) return file;
  const tmp = `${file}.${process.pid}.tmp`;
  write(tmp);
  for (const old of readdirSync(IMAGE_CACHE))
    if (old.startsWith(`${fileName(ref)}-`) && old.endsWith('.tar')) rmSync(join(IMAGE_CACHE, old), { force: true });
  renameSync(tmp, file);
  return file;
}

/** The tarball of each image (cached by imageKey). */
export function writeImages(specs: ImageSpec[]): string[] {
  return specs.map((s) => cachedImage(s.ref, imageKey(s), (out) => writeImage(s, out)));
}
