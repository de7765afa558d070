// Istio's own validation on every Istio object the bundle emits: `istioctl validate` (the same
// checks istiod's validating webhook runs) and `istioctl analyze` (cross-object analysers) over the
// whole rendered bundle together with the generated mesh config, through the functions `meshobs
// validate` runs (src/istio-check.ts).
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '@meshobs/kube';
import { missingTools, requireTool, tempDir } from '@meshobs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { ACCEPTED_ANALYZE_FINDINGS } from '../../src/istio-analyze-accepted.ts';
import { analyzeFindings, findingKey } from '../../src/istio-check.ts';
import { buildBundle } from './cluster-kit.ts';

const skip = missingTools('istioctl', 'kubectl');

const isIstio = (o: { apiVersion?: string }) => /\.istio\.io\//.test(o.apiVersion ?? '');

describe.skipIf(skip)('istioctl on the default bundle', () => {
  let bundle: string;
  let objects: KubeObject[];
  let istio: KubeObject[];

  beforeAll(async () => {
    bundle = await buildBundle('istioctl', {});
    const rendered = execFileSync(requireTool('kubectl'), ['kustomize', bundle], { encoding: 'utf8', maxBuffer: 64 << 20 });
    objects = parseAllDocuments(rendered)
      .map((d) => d.toJS() as KubeObject)
      .filter(Boolean);
    istio = objects.filter(isIstio);
  });

  const validate = (objs: unknown[]) =>
    spawnSync(requireTool('istioctl'), ['validate', '-f', '-'], {
      input: objs.map((o) => `---\n${stringify(o)}`).join(''),
      encoding: 'utf8',
    });
  const analyze = (objs: KubeObject[]) => analyzeFindings(requireTool('istioctl'), objs, bundle, tempDir('istioctl'));

  it('istioctl validate: zero errors on every Istio object', () => {
    expect(istio.length).toBeGreaterThan(10);
    const r = validate(istio);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/error/i);
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  });

  it('both checks can fail: a broken object is reported', () => {
    const vs = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'broken', namespace: 'podinfo' },
      spec: { hosts: ['podinfo'], gateways: ['no-such-gateway'], http: [{ route: [{ destination: { host: 'podinfo' } }] }] },
    };
    expect(analyze([...objects, vs]).map(findingKey)).toContain('IST0101 VirtualService podinfo/broken');
    const policy = {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'bad', namespace: 'podinfo' },
      spec: { action: 'PERMIT' },
    };
    expect(validate([policy]).status).not.toBe(0);
  });

  // The edge (config `ingress`): the UI Gateway, the UI routes and the CUSTOM sign-in policy are among the
  // objects validated and analysed above; istiod's validation refuses a CUSTOM policy without a provider or
  // with source fields ext_authz cannot see (pkg/config/validation/validation.go ValidateAuthorizationPolicy).
  it('the edge objects are validated too, and a broken sign-in policy is refused', () => {
    const names = istio.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'Gateway observability/meshobs-ingress',
        'VirtualService observability/jaeger-ui',
        'VirtualService observability/kiali-ui',
        'AuthorizationPolicy istio-system/meshobs-ingress-sign-in',
      ]),
    );
    const custom = istio.find((o) => o.kind === 'AuthorizationPolicy' && (o as any).spec.action === 'CUSTOM')! as any;
    expect(validate([custom]).status).toBe(0);
    const noProvider = { ...custom, spec: { ...custom.spec, provider: undefined } };
    expect(`${validate([noProvider]).stderr}`).toMatch(/provider.name. must not be empty/);
    const byNamespace = { ...custom, spec: { ...custom.spec, rules: [{ from: [{ source: { namespaces: ['x'] } }] }] } };
    expect(`${validate([byNamespace]).stderr}`).toMatch(/From.Namespaces is currently not supported with CUSTOM action/);
  });

  it('istioctl analyze -A with the mesh config: only the accepted findings, each still present', () => {
    const findings = analyze(objects).filter((f) => f.level !== 'Info');
    const accepted = new Set(ACCEPTED_ANALYZE_FINDINGS.map(findingKey));
    const unexpected = findings.filter((f) => !accepted.has(findingKey(f)));
    expect(unexpected.map((f) => `${f.level} ${findingKey(f)}: ${f.message}`)).toEqual([]);
    const gone = ACCEPTED_ANALYZE_FINDINGS.filter((a) => !findings.some((f) => findingKey(a) === findingKey(f)));
    expect(gone.map(findingKey), 'accepted findings that no longer appear: remove them from the list').toEqual([]);
  });

  // istioctl analyze reads Pods, not the pod templates of CronJobs: the retention jobs' pods, as the Job
  // controller would create them from each template, must not use the deprecated injection annotation
  // (IST0135), and must still opt out of injection (an injected sidecar never exits, so the Job never completes).
  it('the pods of every CronJob opt out of injection by label, not by the deprecated annotation', () => {
    const pods = (objs: KubeObject[]) =>
      objs
        .filter((o) => o.kind === 'CronJob')
        .map((o) => {
          const t = (o as any).spec.jobTemplate.spec.template;
          return {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { ...t.metadata, name: `${o.metadata.name}-run`, namespace: o.metadata.namespace },
            spec: t.spec,
          } as KubeObject;
        });
    const jobPods = pods(objects);
    expect(jobPods.length).toBeGreaterThan(0);
    // Istio reads the label first (the injector webhook's objectSelector, istio-discovery chart
    // templates/mutatingwebhook.yaml); the annotation is the deprecated form (istio.io/api annotation.yaml).
    const notOptedOut = (objs: KubeObject[]) =>
      objs.filter((p) => p.metadata.labels?.['sidecar.istio.io/inject'] !== 'false').map((p) => p.metadata.name);
    expect(notOptedOut(jobPods)).toEqual([]);
    // Mutation: the old form, the annotation alone, is caught. (istioctl analyze at the pinned version reports
    // no IST0135 for it, measured here, so the label itself is what this test holds.)
    const annotated = jobPods.map((p) => {
      const { 'sidecar.istio.io/inject': _, ...labels } = p.metadata.labels ?? {};
      return { ...p, metadata: { ...p.metadata, labels, annotations: { 'sidecar.istio.io/inject': 'false' } } };
    });
    expect(notOptedOut(annotated)).toEqual(jobPods.map((p) => p.metadata.name));
    expect(analyze(jobPods).filter((f) => f.code === 'IST0135')).toEqual([]);
  });
});

// The egress and authentication edge (ServiceEntries, the egress Gateway and routes, Sidecars,
// RequestAuthentication, the require-jwt and deny-all policies, the demo's mirror/A-B/URI routes).
const EDGE = parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'valid-edge', 'edge-egress-jwt.yaml'), 'utf8'));

describe.skipIf(skip)('istioctl on the egress and authentication edge', () => {
  let bundle: string;
  let objects: KubeObject[];
  const KINDS = ['ServiceEntry', 'Gateway', 'VirtualService', 'Sidecar', 'RequestAuthentication', 'AuthorizationPolicy'];

  beforeAll(async () => {
    bundle = await buildBundle('istioctl-edge', EDGE);
    const rendered = execFileSync(requireTool('kubectl'), ['kustomize', bundle], { encoding: 'utf8', maxBuffer: 64 << 20 });
    objects = parseAllDocuments(rendered)
      .map((d) => d.toJS() as KubeObject)
      .filter(Boolean);
  });
  const validate = (objs: unknown[]) =>
    spawnSync(requireTool('istioctl'), ['validate', '-f', '-'], {
      input: objs.map((o) => `---\n${stringify(o)}`).join(''),
      encoding: 'utf8',
    });

  it('istioctl validate accepts every new object; a broken one of each kind is refused', () => {
    const edge = objects.filter((o) => KINDS.includes(o.kind) && isIstio(o));
    expect(new Set(edge.map((o) => o.kind))).toEqual(new Set(KINDS));
    const r = validate(edge);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/error/i);
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    // Mutations: a ServiceEntry without hosts, a PASSTHROUGH server with a credential, a Sidecar host without namespace.
    const se = objects.find((o) => o.kind === 'ServiceEntry') as KubeObject & { spec: any };
    expect(validate([{ ...se, spec: { ...se.spec, hosts: [] } }]).status).not.toBe(0);
    const sidecar = objects.find((o) => o.kind === 'Sidecar') as KubeObject & { spec: any };
    expect(validate([{ ...sidecar, spec: { egress: [{ hosts: ['otel-collector'] }] } }]).status).not.toBe(0);
    const ra = objects.find((o) => o.kind === 'RequestAuthentication') as KubeObject & { spec: any };
    expect(validate([{ ...ra, spec: { ...ra.spec, jwtRules: [{ issuer: '', jwksUri: 'not a uri' }] } }]).status).not.toBe(0);
  });

  it('istioctl analyze -A: no finding on the edge objects', () => {
    const analyze = (objs: KubeObject[]) =>
      analyzeFindings(requireTool('istioctl'), objs, bundle, tempDir('istioctl-edge')).filter((f) => f.level !== 'Info');
    expect(analyze(objects).map((f) => `${f.level} ${findingKey(f)}: ${f.message}`)).toEqual([]);
    // Mutations, each a mistake this bundle once made: an egress host listed twice in a Sidecar, a TCP
    // ServiceEntry without addresses, a DENY rule of HTTP fields without a port.
    const mutated = objects.map((o: any) => {
      if (o.kind === 'Sidecar')
        return {
          ...o,
          spec: {
            egress: [
              {
                hosts: [
                  ...o.spec.egress[0].hosts,
                  `${o.metadata.namespace}/x.${o.metadata.namespace}.svc.cluster.local`,
                  `${o.metadata.namespace}/x.${o.metadata.namespace}.svc.cluster.local`,
                ],
              },
            ],
          },
        };
      if (o.kind === 'ServiceEntry' && o.metadata.name === 'postgres') {
        const { addresses: _a, ...spec } = o.spec;
        return { ...o, spec: { ...spec, resolution: 'DNS' } };
      }
      if (o.kind === 'AuthorizationPolicy' && o.metadata.name.endsWith('-require-jwt'))
        return { ...o, spec: { ...o.spec, rules: [{ ...o.spec.rules[0], to: [{ operation: { notPaths: ['/healthz'] } }] }] } };
      return o;
    });
    expect(
      analyze(mutated)
        .map((f) => f.code)
        .sort(),
    ).toEqual(['IST0133', 'IST0133', 'IST0134']);
  });
});
