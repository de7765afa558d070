// Names, labels and ports of every Jaeger workload, derived from endpointsOf(config).jaeger so the
// Services the jaeger component emits are exactly the addresses the rest of the bundle dials, and the
// selectors the Istio policies and Telemetry use are exactly its pods' labels.
import { endpointsOf, type MeshobsConfig } from '@meshobs/config';
import { imageOf, imageTag, type NamedPort, selectorLabels, standardLabels } from '@meshobs/kube';

export const APP = 'jaeger';
/** Jaeger's own telemetry (Prometheus pull reader) and health check, the same in both roles. */
export const METRICS_PORT = 8888;
export const HEALTH_PORT = 13133;
/** The ports both roles have: Jaeger's own telemetry, and the health check (container only, not in the Service). */
export const METRICS: NamedPort = { name: 'http-metrics', port: METRICS_PORT, appProtocol: 'http' };
export const HEALTH: NamedPort = { name: 'http-health', port: HEALTH_PORT };

export interface Role {
  name: string;
  component: string;
  labels: Record<string, string>;
  selector: Record<string, string>;
}

/** The images of the bundle's Jaeger workloads: the config's overrides, else the pinned ones. */
export const jaegerImages = (config: MeshobsConfig) => ({
  jaeger: imageOf('jaeger', config.jaeger.image),
  indexCleaner: imageOf('jaegerEsIndexCleaner', config.jaeger.maintenance.indexCleanerImage),
  rollover: imageOf('jaegerEsRollover', config.jaeger.maintenance.rolloverImage),
});

export interface JaegerLayout {
  namespace: string;
  version: string | undefined;
  /** `ports`: the role's serving ports (container, Service and NetworkPolicy alike), besides METRICS and HEALTH. */
  collector: Role & { otlpGrpcPort: number; otlpHttpPort: number; ports: NamedPort[] };
  query: Role & { httpPort: number; grpcPort: number; ports: NamedPort[] };
  /** Pods of the retention jobs (index cleaner, rollover). */
  jobs: Role;
  /** Label every Jaeger pod carries: the search engine's NetworkPolicy admits exactly these. */
  allPods: Record<string, string>;
  esUrl: URL;
  esPort: number;
  esNamespace: string;
}

export function layoutOf(config: MeshobsConfig): JaegerLayout {
  const e = endpointsOf(config);
  const version = imageTag(jaegerImages(config).jaeger);
  const role = (name: string, component: string): Role => ({
    name,
    component,
    labels: standardLabels({ name: APP, instance: config.jaeger.name, component, version }),
    selector: selectorLabels({ name: APP, instance: config.jaeger.name, component }),
  });
  const esUrl = new URL(e.elasticsearch.url);
  return {
    namespace: config.namespaces.observability,
    version,
    collector: {
      ...role(e.jaeger.collectorService, 'collector'),
      otlpGrpcPort: e.jaeger.collector.otlpGrpcPort,
      otlpHttpPort: e.jaeger.collector.otlpHttpPort,
      ports: [
        { name: 'grpc-otlp', port: e.jaeger.collector.otlpGrpcPort, appProtocol: 'grpc' },
        { name: 'http-otlp', port: e.jaeger.collector.otlpHttpPort, appProtocol: 'http' },
      ],
    },
    query: {
      ...role(e.jaeger.queryService, 'query'),
      httpPort: e.jaeger.query.httpPort,
      grpcPort: e.jaeger.query.grpcPort,
      ports: [
        { name: 'http-query', port: e.jaeger.query.httpPort, appProtocol: 'http' },
        { name: 'grpc-query', port: e.jaeger.query.grpcPort, appProtocol: 'grpc' },
      ],
    },
    jobs: role(`${config.jaeger.name}-es`, 'es-maintenance'),
    allPods: { 'app.kubernetes.io/name': APP, 'app.kubernetes.io/instance': config.jaeger.name },
    esUrl,
    esPort: Number(esUrl.port || (esUrl.protocol === 'https:' ? 443 : 80)),
    esNamespace: config.elasticsearch.namespace ?? config.namespaces.observability,
  };
}
