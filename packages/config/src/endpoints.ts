import type { MeshobsConfig } from './schema.ts';

/**
 * Every in-cluster address one component of the bundle uses to reach another, derived from the
 * config in this one place so the collector exporter, Grafana data links, Kiali and the Istio
 * providers can never disagree.
 */
export interface Endpoints {
  prometheus: { url: string };
  grafana: { url: string; externalUrl: string };
  collector: {
    service: string;
    host: string;
    otlpGrpcPort: number;
    otlpHttpPort: number;
    zipkinPort: number;
    metricsPort: number;
    spanMetricsPort: number;
    healthPort: number;
    /** Headless Service the load_balancing tier resolves sampler pods through (two-tier mode). */
    samplerHeadlessService: string;
  };
  jaeger: {
    collectorService: string;
    collectorOtlpGrpc: string;
    collectorOtlpHttp: string;
    queryService: string;
    queryHttpUrl: string;
    queryGrpcAddress: string;
    externalUrl: string;
  };
  elasticsearch: { url: string };
}

const svc = (name: string, namespace: string) => `${name}.${namespace}.svc.cluster.local`;

export function endpointsOf(config: MeshobsConfig): Endpoints {
  const obs = config.namespaces.observability;
  const collectorName = config.tracing.collector.name;
  const jaegerCollector = `${config.jaeger.name}-collector`;
  const jaegerQuery = `${config.jaeger.name}-query`;
  const ingress = config.jaeger.query.ingress;
  return {
    prometheus: { url: config.prometheus.url },
    grafana: { url: config.grafana.url, externalUrl: config.grafana.externalUrl },
    collector: {
      service: collectorName,
      host: svc(collectorName, obs),
      otlpGrpcPort: 4317,
      otlpHttpPort: 4318,
      zipkinPort: 9411,
      metricsPort: 8888,
      spanMetricsPort: 8889,
      healthPort: 13133,
      samplerHeadlessService: `${collectorName}-sampler`,
    },
    jaeger: {
      collectorService: jaegerCollector,
      collectorOtlpGrpc: `${svc(jaegerCollector, obs)}:4317`,
      collectorOtlpHttp: `http://${svc(jaegerCollector, obs)}:4318`,
      queryService: jaegerQuery,
      queryHttpUrl: `http://${svc(jaegerQuery, obs)}:16686`,
      queryGrpcAddress: `${svc(jaegerQuery, obs)}:16685`,
      externalUrl: ingress.enabled ? `https://${ingress.host}` : `http://${svc(jaegerQuery, obs)}:16686`,
    },
    elasticsearch: { url: config.elasticsearch.url },
  };
}
