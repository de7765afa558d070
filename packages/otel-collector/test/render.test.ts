import { defaultConfig, parseConfig } from '@meshobs/config';
import { type KubeObject, validateObjects } from '@meshobs/kube';
import { resolveModel } from '@meshobs/model';
import { SAMPLING_POLICIES } from '@meshobs/signals';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildCollectorConfig, renderCollector } from '../src/index.ts';
import { pathConditions } from '../src/sampling.ts';

const kinds = (objects: KubeObject[]) => objects.map((o) => o.kind).sort();
const file = (b: ReturnType<typeof renderCollector>, path: string) => b.files.find((f) => f.path === path)?.content;

describe('renderCollector', () => {
  it('single mode: one sampling replica (no autoscaler), Service, RBAC, PDB, NetworkPolicy, ServiceMonitor', async () => {
    const b = renderCollector(resolveModel(parseConfig({ tracing: { collector: { mode: 'single' } } })));
    expect(await validateObjects(b.objects)).toEqual([]);
    expect(kinds(b.objects)).toEqual(
      [
        'ClusterRole',
        'ClusterRoleBinding',
        'ConfigMap',
        'Deployment',
        'NetworkPolicy',
        'PodDisruptionBudget',
        'Service',
        'ServiceAccount',
        'ServiceMonitor',
      ].sort(),
    );
    expect((b.objects.find((o) => o.kind === 'Deployment') as any).spec.replicas).toBe(1);
    const cm = b.objects.find((o) => o.kind === 'ConfigMap') as KubeObject & { data: Record<string, string> };
    expect(cm.data['config.yaml']).toBe(file(b, 'config.yaml'));
    expect(parse(cm.data['config.yaml']!).processors.tail_sampling).toBeDefined();
    const sm = b.objects.find((o) => o.kind === 'ServiceMonitor')!;
    expect(sm.metadata.labels!.release).toBe('kube-prometheus-stack');
  });

  it('default mode is two-tier: a load-balancing Deployment (2, 2–5 autoscaled with metrics-server) and a fixed sampler StatefulSet (3)', async () => {
    const fixed = renderCollector(resolveModel(defaultConfig()));
    expect(fixed.objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')).toEqual([]);
    expect((fixed.objects.find((o) => o.kind === 'Deployment') as any).spec.replicas).toBe(2);
    const b = renderCollector(resolveModel(parseConfig({ profile: { metricsServer: true } })));
    expect(await validateObjects(b.objects)).toEqual([]);
    const hpas = b.objects.filter((o) => o.kind === 'HorizontalPodAutoscaler') as any[];
    expect(hpas.map((h) => [h.spec.scaleTargetRef.kind, h.spec.scaleTargetRef.name, h.spec.minReplicas, h.spec.maxReplicas])).toEqual([
      ['Deployment', 'otel-collector', 2, 5],
    ]);
    const sts = b.objects.find((o) => o.kind === 'StatefulSet') as any;
    expect([sts.metadata.name, sts.spec.replicas]).toEqual(['otel-collector-sampler', 3]);
    expect(parse(file(b, 'config.yaml')!).processors.tail_sampling).toBeUndefined();
    expect(parse(file(b, 'sampler-config.yaml')!).processors.tail_sampling).toBeDefined();
  });

  it('two-tier mode: load-balancing Deployment, sampler StatefulSet behind a headless Service, resolver RBAC', async () => {
    const b = renderCollector(resolveModel(parseConfig({ tracing: { collector: { mode: 'two-tier', samplerReplicas: 4 } } })));
    expect(await validateObjects(b.objects)).toEqual([]);
    const sts = b.objects.find((o) => o.kind === 'StatefulSet') as any;
    expect(sts.spec.replicas).toBe(4);
    const headless = b.objects.find((o) => o.kind === 'Service' && o.metadata.name === sts.spec.serviceName) as any;
    expect(headless.spec.clusterIP).toBe('None');
    expect(b.objects.some((o) => o.kind === 'Role' && JSON.stringify(o).includes('endpointslices'))).toBe(true);
    const lb = parse(file(b, 'config.yaml')!);
    expect(lb.exporters.load_balancing.routing_key).toBe('traceID');
    expect(lb.exporters.load_balancing.resolver.k8s.service).toBe(`${sts.spec.serviceName}.observability`);
    expect(lb.processors.tail_sampling).toBeUndefined();
    const sampler = parse(file(b, 'sampler-config.yaml')!);
    expect(sampler.processors.tail_sampling).toBeDefined();
    expect(Object.keys(sampler.receivers)).toEqual(['otlp']);
  });

  it('the OpenTelemetryCollector v1beta1 variant is schema-valid in both modes', async () => {
    for (const mode of ['single', 'two-tier'] as const) {
      const docs = file(
        renderCollector(resolveModel(parseConfig({ tracing: { collector: { mode } } }))),
        'operator/opentelemetrycollector.yaml',
      )!
        .split(/^---$/m)
        .map((d) => parse(d));
      expect(docs.filter((d) => d.kind === 'OpenTelemetryCollector').length).toBe(mode === 'single' ? 1 : 2);
      expect(await validateObjects(docs)).toEqual([]);
    }
  });

  it('processors run in order: memory_limiter first, tags before tail_sampling; batching in the exporter queue', () => {
    const cfg = buildCollectorConfig(defaultConfig());
    expect(cfg.service.pipelines.traces!.processors).toEqual([
      'memory_limiter',
      'transform/pod_identity',
      'k8s_attributes',
      'resource',
      'transform/tags',
      'tail_sampling',
    ]);
    expect(cfg.service.pipelines['traces/spanmetrics']!.exporters).toEqual(['span_metrics']);
    expect((cfg.exporters['otlp_grpc/jaeger'] as any).sending_queue.batch).toEqual({
      sizer: 'bytes',
      flush_timeout: '1s',
      min_size: 2 * 2 ** 20,
      max_size: 3 * 2 ** 20,
    });
    expect(cfg.processors.memory_limiter).toEqual({ check_interval: '1s', limit_mib: 819, spike_limit_mib: 204 });
    expect(cfg.extensions).toEqual({ health_check: { endpoint: '0.0.0.0:13133' } });
    expect(Object.keys(buildCollectorConfig(parseConfig({ tracing: { collector: { debugExtensions: true } } })).extensions)).toEqual([
      'health_check',
      'zpages',
      'pprof',
    ]);
  });

  it('k8s_attributes finds the pod by uid, then name + namespace, then ip, and by the connection only last', () => {
    const k8s = buildCollectorConfig(defaultConfig()).processors.k8s_attributes as any;
    expect(k8s.pod_association).toEqual([
      { sources: [{ from: 'resource_attribute', name: 'k8s.pod.uid' }] },
      {
        sources: [
          { from: 'resource_attribute', name: 'k8s.pod.name' },
          { from: 'resource_attribute', name: 'k8s.namespace.name' },
        ],
      },
      { sources: [{ from: 'resource_attribute', name: 'k8s.pod.ip' }] },
      { sources: [{ from: 'connection' }] },
    ]);
    expect(k8s.extract.metadata).toContain('k8s.deployment.name');
    // The sampler tier gets spans from the load balancers, never from pods: no pod lookup there.
    const sampler = buildCollectorConfig(parseConfig({ tracing: { collector: { mode: 'two-tier' } } }), 'sampler');
    expect(sampler.processors.k8s_attributes).toBeUndefined();
    expect(sampler.processors['transform/pod_identity']).toBeUndefined();
    const lb = buildCollectorConfig(parseConfig({ tracing: { collector: { mode: 'two-tier' } } }), 'loadbalancer');
    expect(lb.service.pipelines.traces!.processors.slice(0, 3)).toEqual(['memory_limiter', 'transform/pod_identity', 'k8s_attributes']);
  });

  it('sampling percentages and tail-sampling settings follow the config', () => {
    const cfg = buildCollectorConfig(
      parseConfig({
        tracing: {
          sampling: { defaultPercent: 50, healthCheckPercent: 0, metricsPercent: 2 },
          tailSampling: { decisionWait: '5s', numTraces: 2000 },
        },
      }),
    );
    const ts = cfg.processors.tail_sampling as any;
    expect(ts.decision_wait).toBe('5s');
    expect(ts.num_traces).toBe(2000);
    expect(ts.policies.map((p: any) => p.name)).toEqual([SAMPLING_POLICIES.ordinary, SAMPLING_POLICIES.metrics]);
    const pct = (p: any) => p.and.and_sub_policy.find((s: any) => s.type === 'probabilistic').probabilistic.sampling_percentage;
    expect(ts.policies.map(pct)).toEqual([50, 2]);
  });

  it('path conditions cover OTel path attributes and Envoy full URLs, escaping regex characters', () => {
    const conds = pathConditions(['/healthz', '/v1.0/status']);
    expect(conds.join('\n')).toContain('span.attributes["url.path"]');
    expect(conds.join('\n')).toContain('span.attributes["http.url"]');
    expect(conds[0]).toContain('/v1\\\\.0/status');
    // The same regexes, checked here with JavaScript's engine (RE2 semantics agree for this subset).
    const urlRe = new RegExp(JSON.parse(conds.find((c) => c.includes('http.url'))!.match(/, (".*")\)$/)![1]!));
    expect(urlRe.test('http://podinfo.podinfo.svc.cluster.local:9898/healthz')).toBe(true);
    expect(urlRe.test('https://10.0.0.1/healthz?verbose=1')).toBe(true);
    expect(urlRe.test('http://podinfo:9898/healthz-report')).toBe(false);
    expect(urlRe.test('http://podinfo:9898/api/healthz')).toBe(false);
  });
});
