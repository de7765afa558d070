import { describe, expect, it } from 'vitest';
import { defaultConfig, endpointsOf, parseConfig } from '../src/index.ts';

describe('schema defaults (the numbers of the product requirements)', () => {
  const c = defaultConfig();

  it('names the seeds cluster and environment', () => {
    expect(c.cluster).toEqual({ name: 'kubernetes-security-cluster', environment: 'production', label: 'cluster' });
  });

  it('injects podinfo, observability and default; excludes monitoring', () => {
    expect(c.namespaces.injected).toEqual([]);
    expect(c.namespaces.excluded).toEqual(['monitoring']);
  });

  it('samples 100% of ordinary, 10% of health-check and 1% of /metrics traces', () => {
    expect(c.tracing.sampling).toMatchObject({ defaultPercent: 100, healthCheckPercent: 10, metricsPercent: 1 });
    expect(c.tracing.sampling.healthCheckPaths).toEqual(['/healthz', '/readyz', '/health', '/livez']);
    expect(c.tracing.sampling.metricsPaths).toEqual(['/metrics']);
  });

  it('keeps traces 7 days, cleaned at 23:55', () => {
    expect(c.jaeger.retention).toEqual({ days: 7, schedule: '55 23 * * *' });
  });

  it('uses replica ranges 2–5 (collector, istiod, gateways), 3–5 (Jaeger collector) and 2 (Jaeger query)', () => {
    expect(c.tracing.collector.replicas).toEqual({ min: 2, max: 5 });
    expect(c.istio.istiod.replicas).toEqual({ min: 2, max: 5 });
    expect(c.istio.gateways.ingress.replicas).toEqual({ min: 2, max: 5 });
    expect(c.jaeger.collector.replicas).toEqual({ min: 3, max: 5 });
    expect(c.jaeger.query.replicas).toBe(2);
  });

  it('samples in two tiers by default: trace-id load balancing in front of 3 samplers; single mode is one replica', () => {
    expect(c.tracing.collector.mode).toBe('two-tier');
    expect(c.tracing.collector.samplerReplicas).toBe(3);
    const single = parseConfig({ tracing: { collector: { mode: 'single' } } });
    expect(single.tracing.collector.replicas).toEqual({ min: 1, max: 1 });
    expect(parseConfig({ tracing: { collector: { mode: 'single', replicas: { max: 1 } } } }).tracing.collector.replicas).toEqual({
      min: 1,
      max: 1,
    });
  });

  it('sizes the sidecar 100m/128Mi requests and 2000m/1024Mi limits', () => {
    expect(c.istio.sidecar.resources).toEqual({
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { cpu: '2000m', memory: '1024Mi' },
    });
  });

  it('issues 24h workload certificates from a 10-year CA and warns 30 days before expiry', () => {
    expect(c.istio.certificates).toEqual({ workloadTtl: '24h', caTtl: '87600h' });
    expect(c.alerts.certificateExpiringSoon.days).toBe(30);
  });

  it('alerts on 5% 5xx and 1 s P99 by default, with a traffic guard', () => {
    expect(c.alerts.high5xxErrorRate.threshold).toBe(0.05);
    expect(c.alerts.high5xxErrorRate.minRequestRate).toBeGreaterThan(0);
    expect(c.alerts.highRequestLatency.p99Seconds).toBe(1);
    expect(c.alerts.highProxyMemoryUsage.threshold).toBe(0.9);
    // SLO burn-rate alerts for every listed service (none listed by default).
    expect(c.alerts.slo.enabled).toBe(true);
  });

  it('deploys nothing into the mesh by default: no services listed, the demo off', () => {
    expect(c.services).toEqual([]);
    expect(c.demo.enabled).toBe(false);
  });

  it('the demo, when on, is podinfo with stable and canary versions at 90/10', () => {
    expect(c.demo).toMatchObject({
      name: 'podinfo',
      namespace: 'podinfo',
      port: 9898,
      versions: [
        { name: 'stable', weight: 90 },
        { name: 'canary', weight: 10 },
      ],
    });
  });

  it('selects the kube-prometheus-stack release and istiod/envoy-stats jobs', () => {
    expect(c.prometheus.release).toBe('kube-prometheus-stack');
    expect(c.prometheus.jobs).toMatchObject({ istiod: 'istiod', envoy: 'envoy-stats' });
  });

  it('keeps Kiali off anonymous access', () => {
    expect(c.kiali.auth.strategy).toBe('token');
  });

  it('fills nested defaults when a section is given partially', () => {
    const p = parseConfig({ services: [{ name: 'shop', namespace: 'store' }], tracing: { sampling: { healthCheckPercent: 5 } } });
    expect(p.services[0]).toMatchObject({ name: 'shop', namespace: 'store', slo: { availability: 0.999 } });
    expect(p.services[0]!.versions).toBeUndefined();
    expect(p.tracing.sampling).toMatchObject({ defaultPercent: 100, healthCheckPercent: 5, metricsPercent: 1 });
  });
});

describe('endpoints derived in one place', () => {
  it('follows the observability namespace and names', () => {
    const e = endpointsOf(parseConfig({ namespaces: { observability: 'tracing' }, jaeger: { name: 'traces' } }));
    expect(e.collector.host).toBe('otel-collector.tracing.svc.cluster.local');
    expect(e.jaeger.collectorOtlpGrpc).toBe('traces-collector.tracing.svc.cluster.local:4317');
    expect(e.jaeger.queryGrpcAddress).toBe('traces-query.tracing.svc.cluster.local:16685');
    expect(e.jaeger.externalUrl).toBe('https://jaeger.example.com');
  });

  it('carries port numbers; the dialled strings are renderings of the same numbers', () => {
    const e = endpointsOf(parseConfig({}));
    expect(e.jaeger.collector).toEqual({
      host: 'jaeger-collector.observability.svc.cluster.local',
      otlpGrpcPort: 4317,
      otlpHttpPort: 4318,
    });
    expect(e.jaeger.collectorOtlpGrpc).toBe(`${e.jaeger.collector.host}:${e.jaeger.collector.otlpGrpcPort}`);
    expect(e.jaeger.queryGrpcAddress).toBe(`${e.jaeger.query.host}:${e.jaeger.query.grpcPort}`);
    expect(e.jaeger.queryHttpUrl).toBe(`http://${e.jaeger.query.host}:${e.jaeger.query.httpPort}`);
    expect(e.collector.receiverPorts).toEqual([4317, 4318, 9411, 14250, 14268]);
  });
});
