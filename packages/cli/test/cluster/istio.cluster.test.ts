// Istio's own validation on every Istio object the bundle emits: `istioctl validate` (the same
// checks istiod's validating webhook runs) and `istioctl analyze` (cross-object analysers) over the
// whole rendered bundle together with the generated mesh config.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { missingTools, requireTool, tempDir } from '@meshobs/testkit';
import { buildBundle } from './cluster-kit.ts';

const skip = missingTools('istioctl', 'kubectl');

interface Finding {
  code: string;
  level: string;
  origin: string;
  message: string;
}
interface Accepted {
  code: string;
  origin: string;
  reason: string;
}

const isIstio = (o: { apiVersion?: string }) => /\.istio\.io\//.test(o.apiVersion ?? '');

describe.skipIf(skip)('istioctl on the default bundle', () => {
  let dir: string;
  let rendered: string;
  let istioFile: string;
  let meshFile: string;
  let istioCount = 0;

  beforeAll(async () => {
    const bundle = await buildBundle('istioctl', {});
    dir = tempDir('istioctl');
    rendered = join(dir, 'bundle.yaml');
    writeFileSync(rendered, execFileSync(requireTool('kubectl'), ['kustomize', bundle], { encoding: 'utf8', maxBuffer: 64 << 20 }));
    const istio = parseAllDocuments(readFileSync(rendered, 'utf8')).map((d) => d.toJS()).filter(isIstio);
    istioCount = istio.length;
    istioFile = join(dir, 'istio.yaml');
    writeFileSync(istioFile, istio.map((o) => `---\n${stringify(o)}`).join(''));
    // The bundle ships the meshConfig fragment wrapped for Helm/IstioOperator values; analyze wants MeshConfig itself.
    meshFile = join(dir, 'mesh.yaml');
    writeFileSync(meshFile, stringify(parse(readFileSync(join(bundle, 'istio', 'mesh-config.yaml'), 'utf8')).meshConfig));
  });

  it('istioctl validate: zero errors on every Istio object', () => {
    expect(istioCount).toBeGreaterThan(10);
    const r = spawnSync(requireTool('istioctl'), ['validate', '-f', istioFile], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/error/i);
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  });

  const analyze = (file: string) =>
    spawnSync(requireTool('istioctl'), ['analyze', '--use-kube=false', '-A', '--meshConfigFile', meshFile, '-o', 'json', file], { encoding: 'utf8' });

  it('both checks can fail: a broken object is reported', () => {
    const broken = join(dir, 'broken.yaml');
    const vs = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'broken', namespace: 'podinfo' },
      spec: { hosts: ['podinfo'], gateways: ['no-such-gateway'], http: [{ route: [{ destination: { host: 'podinfo' } }] }] } };
    writeFileSync(broken, `${readFileSync(rendered, 'utf8')}---\n${stringify(vs)}`);
    expect((JSON.parse(analyze(broken).stdout) as Finding[]).map((f) => `${f.code} ${f.origin}`)).toContain('IST0101 VirtualService podinfo/broken');
    const policy = { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'bad', namespace: 'podinfo' }, spec: { action: 'PERMIT' } };
    const r = spawnSync(requireTool('istioctl'), ['validate', '-f', '-'], { input: stringify(policy), encoding: 'utf8' });
    expect(r.status).not.toBe(0);
  });

  it('istioctl analyze -A with the mesh config: only the accepted findings, each still present', () => {
    const r = analyze(rendered);
    expect(r.stdout.trim().startsWith('['), r.stderr).toBe(true);
    const findings = (JSON.parse(r.stdout) as Finding[]).filter((f) => f.level !== 'Info');
    const accepted = (parse(readFileSync(join(import.meta.dirname, 'istio-analyze.accepted.yaml'), 'utf8')) as { accepted: Accepted[] }).accepted;
    const key = (f: { code: string; origin: string }) => `${f.code} ${f.origin}`;
    const unexpected = findings.filter((f) => !accepted.some((a) => key(a) === key(f)));
    expect(unexpected.map((f) => `${f.level} ${key(f)}: ${f.message}`)).toEqual([]);
    const gone = accepted.filter((a) => !findings.some((f) => key(a) === key(f)));
    expect(gone.map(key), 'accepted findings that no longer appear: remove them from the list').toEqual([]);
  });
});
