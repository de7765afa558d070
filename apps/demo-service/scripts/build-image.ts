// Builds the demo service's container image without Docker, the same layout as ./Dockerfile: Node at
// /usr/local/bin/node (the Node running this script, with the shared libraries it links), the
// sources in /app/src, the production dependencies in /app/node_modules, USER 65532, port 9898,
// `node src/server.ts`. Writes an OCI image layout tarball that is also a `docker load` archive
// (scripts/oci-image.ts), under the reference the bundle names (@meshobs/kube IMAGES.demoService)
// unless --ref says otherwise.
//
//   node apps/demo-service/scripts/build-image.ts [--out FILE] [--ref REGISTRY/REPO:TAG]
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { IMAGES } from '@meshobs/kube';
import { baseFiles, type ImageFile, writeImage } from './oci-image.ts';

const APP = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Every file under `dir` as image files under `at`, symlinks kept. */
function tree(dir: string, at: string): ImageFile[] {
  const files: ImageFile[] = [];
  for (const name of readdirSync(dir).sort()) {
    const src = join(dir, name);
    const path = `${at}/${name}`;
    const st = lstatSync(src);
    if (st.isSymbolicLink()) files.push({ path, symlink: readlinkSync(src) });
    else if (st.isDirectory()) files.push({ path, mode: 0o755 }, ...tree(src, path));
    else files.push({ path, content: { from: src }, mode: st.mode & 0o111 ? 0o755 : 0o644 });
  }
  return files;
}

/** The shared libraries a binary loads (ldd), each at the path the loader looks for it. */
function sharedLibraries(binary: string): ImageFile[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const paths = [...out.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]!);
  return [...new Set(paths)].map((p) => ({ path: p, content: { from: realpathSync(p) }, mode: 0o755 }));
}

/** The production dependencies, installed as the Dockerfile's deps stage does (workspace packages dropped). */
function productionModules(work: string): string {
  const pkg = JSON.parse(readFileSync(join(APP, 'package.json'), 'utf8'));
  for (const k of Object.keys(pkg.dependencies)) if (k.startsWith('@meshobs/')) delete pkg.dependencies[k];
  delete pkg.devDependencies;
  delete pkg.exports;
  delete pkg.scripts;
  writeFileSync(join(work, 'package.json'), JSON.stringify(pkg, null, 2));
  execFileSync('npm', ['install', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock'], {
    cwd: work,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return join(work, 'node_modules');
}

export function buildDemoImage(opts: { out: string; ref?: string }): { ref: string; digest: string } {
  const ref = opts.ref ?? IMAGES.demoService.ref;
  const work = mkdtempSync(join(tmpdir(), 'meshobs-demo-image-'));
  try {
    const modules = productionModules(work);
    const node = realpathSync(process.execPath);
    const files: ImageFile[] = [
      ...baseFiles({ caBundle: '/etc/ssl/certs/ca-certificates.crt' }),
      { path: '/usr/local/bin/node', content: { from: node }, mode: 0o755 },
      ...sharedLibraries(node),
      { path: '/app/package.json', content: readFileSync(join(work, 'package.json')) },
      ...tree(join(APP, 'src'), '/app/src'),
      ...tree(modules, '/app/node_modules'),
    ];
    mkdirSync(dirname(opts.out), { recursive: true });
    const digest = writeImage(
      {
        ref,
        files,
        entrypoint: ['node', 'src/server.ts'],
        env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'NODE_ENV=production', 'PODINFO_PORT=9898'],
        workingDir: '/app',
        user: '65532:65532',
        exposedPorts: [9898],
      },
      opts.out,
    );
    return { ref, digest };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, ref: { type: 'string' } } });
  const version = JSON.parse(readFileSync(join(APP, 'package.json'), 'utf8')).version;
  const out = resolve(values.out ?? join(APP, '..', '..', 'dist', 'images', `demo-service-${version}.tar`));
  const { ref, digest } = buildDemoImage({ out, ref: values.ref });
  console.log(`wrote ${relative(process.cwd(), out) || out}: ${ref} (${digest})`);
  // For copying into a registry or another runtime:
  console.log(`  skopeo copy oci-archive:${out} docker://${ref}`);
  console.log(`  docker load -i ${out}    |    ctr -n k8s.io images import ${out}    |    kind load image-archive ${out}`);
}
