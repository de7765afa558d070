// A container image written without Docker: one uncompressed layer (a tar of the given files), the
// image config and manifest, packed as a tarball that is both an OCI image layout (oci-layout,
// index.json, blobs/sha256/...; OCI image-spec v1.1 image-layout.md) and a `docker save` archive
// (manifest.json with RepoTags, as Docker 25+ writes it). So any standard tool takes it:
//   ctr -n k8s.io images import FILE            (containerd; names from the io.containerd.image.name annotation)
//   skopeo copy oci-archive:FILE docker://REF   (push to a registry)
//   docker load -i FILE                         (Docker; names from RepoTags)
// Deterministic: entries sorted, every time stamp 0, no build date in the config.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';

export interface ImageFile {
  /** Absolute path in the image, e.g. /usr/bin/jaeger. */
  path: string;
  /** A regular file's bytes (or a file to read them from), a symlink's target, or neither for a folder. */
  content?: Buffer | { from: string };
  symlink?: string;
  mode?: number;
  uid?: number;
  gid?: number;
}

export interface ImageSpec {
  /** Fully qualified reference, e.g. docker.io/jaegertracing/jaeger:2.13.0. */
  ref: string;
  files: ImageFile[];
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  /** uid[:gid] the image runs as when the pod names none. */
  user?: string;
  exposedPorts?: number[];
  labels?: Record<string, string>;
}

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };

/** The image's platform: the machine's (the binaries put in it are built for it). */
export const imagePlatform = () => ({ os: 'linux', architecture: ARCH[process.arch] ?? process.arch });

// ---- tar (POSIX ustar, with a pax header for paths longer than ustar holds)

const BLOCK = 512;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(fields: {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  type: string;
  link?: string;
  prefix?: string;
}) {
  const h = Buffer.alloc(BLOCK);
  h.write(fields.name, 0, 100, 'utf8');
  h.write(octal(fields.mode, 8), 100, 'ascii');
  h.write(octal(fields.uid, 8), 108, 'ascii');
  h.write(octal(fields.gid, 8), 116, 'ascii');
  h.write(octal(fields.size, 12), 124, 'ascii');
  h.write(octal(0, 12), 136, 'ascii'); // mtime
  h.write('        ', 148, 'ascii'); // checksum placeholder
  h.write(fields.type, 156, 'ascii');
  h.write(fields.link ?? '', 157, 100, 'utf8');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write(fields.prefix ?? '', 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

const pad = (size: number) => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

/** ustar splits a path at a slash into prefix (155) and name (100); undefined when it cannot. */
function split(path: string): { name: string; prefix: string } | undefined {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name) return { name, prefix };
  }
  return undefined;
}

/** One pax record, "<length> key=value\n", whose length counts its own digits. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const n = Buffer.byteLength(body);
  let total = n + String(n).length;
  total = n + String(total).length;
  return `${total}${body}`;
}

function entry(chunks: Buffer[], path: string, f: { type: string; mode: number; uid: number; gid: number; data?: Buffer; link?: string }) {
  const size = f.data?.length ?? 0;
  let names = split(path);
  if (!names || Buffer.byteLength(f.link ?? '') > 100) {
    const records = Buffer.from(paxRecord('path', path) + (f.link ? paxRecord('linkpath', f.link) : ''));
    chunks.push(header({ name: 'PaxHeader', mode: 0o644, uid: 0, gid: 0, size: records.length, type: 'x' }), records, pad(records.length));
    names = { name: path.slice(0, 100), prefix: '' };
  }
  chunks.push(header({ ...names, mode: f.mode, uid: f.uid, gid: f.gid, size, type: f.type, link: f.link?.slice(0, 100) }));
  if (f.data) chunks.push(f.data, pad(size));
}

/** The layer: every file of the spec and every folder above them, sorted, as one tar. */
export function layerTar(files: ImageFile[]): Buffer {
  const byPath = new Map<string, ImageFile>();
  for (const f of files) {
    if (!f.path.startsWith('/')) throw new Error(`image path ${f.path} is not absolute`);
    const rel = f.path.replace(/^\/+/, '').replace(/\/+$/, '');
    byPath.set(rel, f);
    for (let i = rel.lastIndexOf('/'); i > 0; i = rel.lastIndexOf('/', i - 1)) {
      const dir = rel.slice(0, i);
      if (!byPath.has(dir)) byPath.set(dir, { path: `/${dir}` });
    }
  }
  const chunks: Buffer[] = [];
  for (const rel of [...byPath.keys()].sort()) {
    const f = byPath.get(rel)!;
    const owner = { uid: f.uid ?? 0, gid: f.gid ?? 0 };
    if (f.symlink !== undefined) entry(chunks, rel, { type: '2', mode: 0o777, ...owner, link: f.symlink });
    else if (f.content !== undefined) {
      const data = Buffer.isBuffer(f.content) ? f.content : readFileSync(f.content.from);
      entry(chunks, rel, { type: '0', mode: f.mode ?? 0o644, ...owner, data });
    } else entry(chunks, `${rel}/`, { type: '5', mode: f.mode ?? 0o755, ...owner });
  }
  chunks.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(chunks);
}

// ---- the image

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The tag of a reference (after the last colon that follows the last slash). */
function tagOf(ref: string): string {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? ref.slice(colon + 1) : 'latest';
}

/** Writes the image tarball to `out`; returns the manifest digest. */
export function writeImage(spec: ImageSpec, out: string): string {
  if (!/^[a-z0-9.-]+(:\d+)?\/[^:@\s]+:[\w][\w.-]{0,127}$/.test(spec.ref) || !spec.ref.split('/')[0]!.includes('.'))
    throw new Error(`image reference ${spec.ref} is not fully qualified (registry/repository:tag)`);
  const layer = layerTar(spec.files);
  const layerDigest = sha256(layer);
  const config = Buffer.from(
    JSON.stringify({
      ...imagePlatform(),
      config: {
        ...(spec.user ? { User: spec.user } : {}),
        ...(spec.exposedPorts?.length ? { ExposedPorts: Object.fromEntries(spec.exposedPorts.map((p) => [`${p}/tcp`, {}])) } : {}),
        Env: spec.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
        ...(spec.cmd ? { Cmd: spec.cmd } : {}),
        ...(spec.workingDir ? { WorkingDir: spec.workingDir } : {}),
        ...(spec.labels ? { Labels: spec.labels } : {}),
      },
      rootfs: { type: 'layers', diff_ids: [`sha256:${layerDigest}`] },
    }),
  );
  const configDigest = sha256(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${configDigest}`, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${layerDigest}`, size: layer.length }],
    }),
  );
  const manifestDigest = sha256(manifest);
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: `sha256:${manifestDigest}`,
          size: manifest.length,
          annotations: { 'io.containerd.image.name': spec.ref, 'org.opencontainers.image.ref.name': tagOf(spec.ref) },
          platform: imagePlatform(),
        },
      ],
    }),
  );
  const dockerManifest = Buffer.from(
    JSON.stringify([{ Config: `blobs/sha256/${configDigest}`, RepoTags: [spec.ref], Layers: [`blobs/sha256/${layerDigest}`] }]),
  );
  const blob = (hex: string, data: Buffer): ImageFile => ({ path: `/blobs/sha256/${hex}`, content: data });
  const archive = layerTar([
    { path: '/oci-layout', content: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
    { path: '/index.json', content: index },
    { path: '/manifest.json', content: dockerManifest },
    blob(layerDigest, layer),
    blob(configDigest, config),
    blob(manifestDigest, manifest),
  ]);
  const fd = openSync(out, 'w');
  try {
    writeSync(fd, archive);
  } finally {
    closeSync(fd);
  }
  return `sha256:${manifestDigest}`;
}

/** Files every image of the node carries: users and groups the workloads run as, name resolution order, CA roots, /tmp. */
export function baseFiles(opts: { caBundle?: string } = {}): ImageFile[] {
  const users: Array<[string, number]> = [
    ['root', 0],
    ['nobody', 65534],
    ['nonroot', 65532],
    ['app', 10001],
  ];
  return [
    {
      path: '/etc/passwd',
      content: Buffer.from(
        users.map(([n, id]) => `${n}:x:${id}:${id}:${n}:${id === 0 ? '/root' : '/nonexistent'}:/sbin/nologin\n`).join(''),
      ),
    },
    { path: '/etc/group', content: Buffer.from(users.map(([n, id]) => `${n}:x:${id}:\n`).join('')) },
    { path: '/etc/nsswitch.conf', content: Buffer.from('hosts: files dns\n') },
    ...(opts.caBundle ? [{ path: '/etc/ssl/certs/ca-certificates.crt', content: { from: opts.caBundle } }] : []),
    { path: '/tmp', mode: 0o1777 },
  ];
}
