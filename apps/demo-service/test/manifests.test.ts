import { endpointsOf, parseConfig } from '@meshobs/config';
import { allObjects, type KubeObject, validateObjects } from '@meshobs/kube';
import { resolveModel } from '@meshobs/model';
import { describe, expect, it } from 'vitest';
import { renderDemo } from '../src/manifests/index.ts';

const config = parseConfig({ demo: { enabled: true } });
const demo = renderDemo(resolveModel(config));
const find = (kind: string, name: string) =>
  demo.objects.find((o) => o.kind === kind && o.metadata.name === name) as KubeObject & { spec: any };

describe('demo manifests', () => {
  it('is the "demo" component and every object passes Kubernetes/Istio schema validation', async () => {
    expect(demo.name).toBe('demo');
    expect(await validateObjects(demo.objects)).toEqual([]);
    expect(demo.warnings).toEqual([]);
  });

  it('has stable and canary Deployments with app/version labels and the hardened security context', () => {
    for (const [name, version] of [
      ['podinfo-stable', 'stable'],
      ['podinfo-canary', 'canary'],
      ['podinfo-backend-stable', 'stable'],
    ]) {
      const d = find('Deployment', name!);
      expect(d, name).toBeDefined();
      const app = name!.replace(/-(stable|canary)$/, '');
      expect(d.spec.selector.matchLabels).toEqual({ app, version });
      expect(d.spec.template.metadata.labels).toMatchObject({ app, version });
      const pod = d.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      const c = pod.containers[0];
      expect(c.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      expect(c.resources.limits).toEqual({ cpu: '500m', memory: '256Mi' });
      expect(c.readinessProbe.httpGet.path).toBe('/readyz');
      expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    }
  });

  it('configures tracing from the bundle endpoints and the downward API', () => {
    const env = find('Deployment', 'podinfo-stable').spec.template.spec.containers[0].env as {
      name: string;
      value?: string;
      valueFrom?: any;
    }[];
    const value = (n: string) => env.find((e) => e.name === n);
    const c = endpointsOf(config).collector;
    expect(value('OTEL_EXPORTER_OTLP_ENDPOINT')?.value).toBe(`http://${c.host}:${c.otlpHttpPort}`);
    expect(value('PODINFO_BACKEND_URL')?.value).toBe('http://podinfo-backend.podinfo.svc.cluster.local:9898/echo');
    expect(value('K8S_POD_NAME')?.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(value('K8S_NAMESPACE_NAME')?.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.namespace' } });
    expect(value('K8S_CLUSTER_NAME')?.value).toBe(config.cluster.name);
    expect(value('DEPLOYMENT_ENVIRONMENT')?.value).toBe(config.cluster.environment);
    expect(value('PODINFO_MAX_DELAY_SECONDS')?.value).toBe('30');
  });

  it('puts the pod identity into OTEL_RESOURCE_ATTRIBUTES through $(VAR) references to earlier downward-API variables', () => {
    for (const name of ['podinfo-stable', 'podinfo-canary', 'podinfo-backend-stable']) {
      const env = find('Deployment', name).spec.template.spec.containers[0].env as { name: string; value?: string; valueFrom?: any }[];
      const index = (n: string) => env.findIndex((e) => e.name === n);
      expect(env[index('K8S_POD_UID')]?.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.uid' } });
      const attrs = env[index('OTEL_RESOURCE_ATTRIBUTES')]!.value!;
      const pairs = Object.fromEntries(attrs.split(',').map((kv) => kv.split('=') as [string, string]));
      expect(pairs).toMatchObject({
        'k8s.pod.name': '$(K8S_POD_NAME)',
        'k8s.namespace.name': '$(K8S_NAMESPACE_NAME)',
        'k8s.pod.uid': '$(K8S_POD_UID)',
        'k8s.node.name': '$(K8S_NODE_NAME)',
        'service.namespace': 'podinfo',
      });
      // Kubernetes expands only variables defined before the one that references them.
      for (const [, ref] of attrs.matchAll(/\$\(([A-Z_]+)\)/g)) {
        expect(index(ref!), `${name}: ${ref} defined`).toBeGreaterThanOrEqual(0);
        expect(index(ref!), `${name}: ${ref} before OTEL_RESOURCE_ATTRIBUTES`).toBeLessThan(index('OTEL_RESOURCE_ATTRIBUTES'));
      }
      expect(pairs['service.instance.id']).toBeUndefined();
    }
  });

  it('has a Service, a PDB per tier, and HPAs only where metrics-server runs', () => {
    expect(find('Service', 'podinfo').spec.selector).toEqual({ app: 'podinfo' });
    expect(demo.objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')).toEqual([]);
    expect(find('Deployment', 'podinfo-stable').spec.replicas).toBe(2);
    const scaled = renderDemo(resolveModel(parseConfig({ demo: { enabled: true }, profile: { metricsServer: true } }))).objects;
    const hpa = (name: string) => scaled.find((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === name) as any;
    expect(hpa('podinfo-stable').spec).toMatchObject({ minReplicas: 2, maxReplicas: 5 });
    expect(hpa('podinfo-canary').spec.scaleTargetRef.name).toBe('podinfo-canary');
    expect(find('PodDisruptionBudget', 'podinfo').spec).toMatchObject({ maxUnavailable: 1, selector: { matchLabels: { app: 'podinfo' } } });
  });

  it('DestinationRule: subsets, least request, connection pool and outlier detection 5 / 30s / 50%', () => {
    const dr = find('DestinationRule', 'podinfo').spec;
    expect(dr.subsets).toEqual([
      { name: 'stable', labels: { version: 'stable' } },
      { name: 'canary', labels: { version: 'canary' } },
    ]);
    expect(dr.trafficPolicy.loadBalancer).toEqual({ simple: 'LEAST_REQUEST' });
    expect(dr.trafficPolicy.connectionPool.tcp.maxConnections).toBeGreaterThan(0);
    expect(dr.trafficPolicy.connectionPool.http.http1MaxPendingRequests).toBeGreaterThan(0);
    expect(dr.trafficPolicy.outlierDetection).toMatchObject({ consecutive5xxErrors: 5, baseEjectionTime: '30s', maxEjectionPercent: 50 });
  });

  it('VirtualService: X-Canary to canary, 90/10 otherwise, retries 3 x 2s on 5xx,connect-failure,reset, 10s timeout', () => {
    for (const name of ['podinfo', 'podinfo-ingress']) {
      const [byHeader, weighted] = find('VirtualService', name).spec.http;
      expect(byHeader.match).toEqual([{ headers: { 'x-canary': { exact: 'true' } } }]);
      expect(byHeader.route.map((r: any) => [r.destination.subset, r.weight])).toEqual([['canary', 100]]);
      expect(weighted.route.map((r: any) => [r.destination.subset, r.weight])).toEqual([
        ['stable', 90],
        ['canary', 10],
      ]);
      for (const route of [byHeader, weighted]) {
        expect(route.retries).toEqual({ attempts: 3, perTryTimeout: '2s', retryOn: '5xx,connect-failure,reset' });
        expect(route.timeout).toBe('10s');
      }
    }
    expect(find('VirtualService', 'podinfo').spec).toMatchObject({ hosts: ['podinfo.podinfo.svc.cluster.local'], gateways: ['mesh'] });
    // Bound to the bundle's one edge Gateway (HTTPS only: packages/istio/src/ingress.ts); the demo renders no Gateway of its own.
    expect(find('VirtualService', 'podinfo-ingress').spec).toMatchObject({ hosts: ['*'], gateways: ['observability/meshobs-ingress'] });
    expect(demo.objects.some((o) => o.kind === 'Gateway')).toBe(false);
  });

  it('follows the configured versions and weights; one version means no split and no header route', () => {
    const vs = (cfg: ReturnType<typeof parseConfig>) =>
      renderDemo(resolveModel(cfg)).objects.find((o) => o.kind === 'VirtualService' && o.metadata.name === 'podinfo') as any;
    const three = vs(
      parseConfig({
        demo: {
          enabled: true,
          versions: [
            { name: 'v1', weight: 50 },
            { name: 'v2', weight: 30 },
            { name: 'v3', weight: 20 },
          ],
        },
      }),
    );
    expect(three.spec.http.map((h: any) => h.name)).toEqual(['canary-by-header', 'weighted']);
    expect(three.spec.http[0].route[0].destination.subset).toBe('v3');
    expect(three.spec.http[1].route.map((r: any) => [r.destination.subset, r.weight])).toEqual([
      ['v1', 50],
      ['v2', 30],
      ['v3', 20],
    ]);
    const one = vs(parseConfig({ demo: { enabled: true, versions: [{ name: 'v1', weight: 100 }] } }));
    expect(one.spec.http.map((h: any) => h.name)).toEqual(['weighted']);
  });

  it('AuthorizationPolicy admits only the ingress gateway and the other demo tier', () => {
    const principals = (name: string) =>
      find('AuthorizationPolicy', name).spec.rules.flatMap((r: any) => r.from.flatMap((f: any) => f.source.principals));
    expect(principals('podinfo')).toEqual([
      '*/ns/istio-system/sa/istio-ingressgateway-service-account',
      '*/ns/istio-system/sa/istio-ingressgateway',
      '*/ns/podinfo/sa/podinfo-backend',
    ]);
    expect(principals('podinfo-backend')).toContain('*/ns/podinfo/sa/podinfo');
    expect(find('AuthorizationPolicy', 'podinfo').spec.action).toBe('ALLOW');
    expect(find('NetworkPolicy', 'podinfo').spec.policyTypes).toEqual(['Ingress']);
  });

  it('follows demo.*: name, namespace, port, versions; nothing when the demo is off, whatever services are listed', () => {
    const cfg = parseConfig({
      demo: {
        enabled: true,
        name: 'shop',
        namespace: 'retail',
        port: 8080,
        backendName: 'shop-api',
        versions: [
          { name: 'v1', weight: 90 },
          { name: 'v2', weight: 10 },
        ],
      },
    });
    const out = renderDemo(resolveModel(cfg));
    const names = out.objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`);
    expect(names).toContain('Deployment/retail/shop-v1');
    expect(names).toContain('Deployment/retail/shop-v2');
    expect(names).toContain('Deployment/retail/shop-api-stable');
    const dr = out.objects.find((o) => o.kind === 'DestinationRule' && o.metadata.name === 'shop') as any;
    expect(dr.spec.subsets.map((s: any) => s.labels.version)).toEqual(['v1', 'v2']);
    expect((out.objects.find((o) => o.kind === 'Service' && o.metadata.name === 'shop') as any).spec.ports[0].port).toBe(8080);
    expect(allObjects([renderDemo(resolveModel(parseConfig({ services: [{ name: 'shop', namespace: 'retail' }] })))])).toEqual([]);
  });
});
