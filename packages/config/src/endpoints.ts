import type { ConfigSections, MeshobsConfig } from './schema.ts';

/** An in-cluster address: a Service host name and a port number. Rendered as a string only where it is dialled. */
export interface HostPort {
  host: string;
  port: number;
}

/** `host:port`, the form gRPC clients (collector exporters, Kiali) dial. */
export const hostPort = (a: HostPort): string => `${a.host}:${a.port}`;
/** `http://host:port`. */
export const httpUrl = (a: HostPort): string => `http://${hostPort(a)}`;

/**
 * The collector's receiver ports, one entry per receiver protocol: the pipeline listens on them,
 * the container and Service expose them, the NetworkPolicy and the AuthorizationPolicy open them.
 * Defaults of the receivers (opentelemetry-collector receiver/otlpreceiver, contrib
 * receiver/zipkinreceiver and receiver/jaegerreceiver READMEs).
 */
export const COLLECTOR_RECEIVER_PORTS = {
  otlpGrpc: 4317,
  otlpHttp: 4318,
  zipkin: 9411,
  jaegerGrpc: 14250,
  jaegerThriftHttp: 14268,
} as const;

/**
 * Every in-cluster address one component of the bundle uses to reach another, derived from the
 * config in this one place so the collector exporter, Grafana data links, Kiali and the Istio
 * providers can never disagree. Ports are numbers; the string forms beside them are renderings of
 * the same numbers for the consumers that dial them.
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
    jaegerGrpcPort: number;
    jaegerThriftHttpPort: number;
    /** Every receiver port (OTLP gRPC/HTTP, Zipkin, Jaeger gRPC/Thrift HTTP), in that order. */
    receiverPorts: number[];
    metricsPort: number;
    spanMetricsPort: number;
    healthPort: number;
    /** Headless Service the load_balancing tier resolves sampler pods through (two-tier mode). */
    samplerHeadlessService: string;
  };
  jaeger: {
    collectorService: string;
    /** The Jaeger collector's OTLP receivers. */
    collector: { host: string; otlpGrpcPort: number; otlpHttpPort: number };
    collectorOtlpGrpc: string;
    collectorOtlpHttp: string;
    queryService: string;
    /** The query role's HTTP (UI, API) and gRPC (api_v2/api_v3) ports. */
    query: { host: string; httpPort: number; grpcPort: number };
    queryHttpUrl: string;
    queryGrpcAddress: string;
    externalUrl: string;
  };
  elasticsearch: { url: string };
}

const svc = (name: string, namespace: string) => `${name}.${namespace}.svc.cluster.local`;

/** Jaeger v2's OTLP receivers and query ports (jaegertracing/jaeger cmd/jaeger/config.yaml, cmd/jaeger/config-query.yaml). */
const JAEGER_PORTS = { otlpGrpc: 4317, otlpHttp: 4318, queryHttp: 16686, queryGrpc: 16685 } as const;

export function endpointsOf(config: MeshobsConfig): Endpoints {
  const obs = config.namespaces.observability;
  const collectorName = config.tracing.collector.name;
  const jaegerCollector = `${config.jaeger.name}-collector`;
  const jaegerQuery = `${config.jaeger.name}-query`;
  const ingress = config.jaeger.query.ingress;
  const r = COLLECTOR_RECEIVER_PORTS;
  const collector = { host: svc(jaegerCollector, obs), otlpGrpcPort: JAEGER_PORTS.otlpGrpc, otlpHttpPort: JAEGER_PORTS.otlpHttp };
  const query = { host: svc(jaegerQuery, obs), httpPort: JAEGER_PORTS.queryHttp, grpcPort: JAEGER_PORTS.queryGrpc };
  const queryHttpUrl = httpUrl({ host: query.host, port: query.httpPort });
  return {
    prometheus: { url: config.prometheus.url },
    grafana: { url: config.grafana.url, externalUrl: config.grafana.externalUrl },
    collector: {
      service: collectorName,
      host: svc(collectorName, obs),
      otlpGrpcPort: r.otlpGrpc,
      otlpHttpPort: r.otlpHttp,
      zipkinPort: r.zipkin,
      jaegerGrpcPort: r.jaegerGrpc,
      jaegerThriftHttpPort: r.jaegerThriftHttp,
      receiverPorts: [r.otlpGrpc, r.otlpHttp, r.zipkin, r.jaegerGrpc, r.jaegerThriftHttp],
      metricsPort: 8888,
      spanMetricsPort: 8889,
      healthPort: 13133,
      samplerHeadlessService: `${collectorName}-sampler`,
    },
    jaeger: {
      collectorService: jaegerCollector,
      collector,
      collectorOtlpGrpc: hostPort({ host: collector.host, port: collector.otlpGrpcPort }),
      collectorOtlpHttp: httpUrl({ host: collector.host, port: collector.otlpHttpPort }),
      queryService: jaegerQuery,
      query,
      queryHttpUrl,
      queryGrpcAddress: hostPort({ host: query.host, port: query.grpcPort }),
      // The UI's address for people: the Istio ingress gateway's host, else the ingress-nginx Ingress's, else in-cluster.
      externalUrl: uiExposed(config, 'jaeger')
        ? `https://${config.ingress.hosts.jaeger}`
        : ingress.enabled
          ? `https://${ingress.host}`
          : queryHttpUrl,
    },
    elasticsearch: { url: config.elasticsearch.url },
  };
}

/** The UIs the ingress gateway serves, behind sign-in (ingress.ui). */
export type UiName = 'jaeger' | 'kiali' | 'grafana';

/** Whether the ingress gateway serves this UI (ingress.ui; Kiali only when the bundle emits it). */
type UiConfig = Pick<ConfigSections, 'ingress' | 'kiali'> & { grafana: { externalUrl: string } };

export function uiExposed(config: UiConfig, ui: UiName): boolean {
  const u = config.ingress.ui;
  if (!u.enabled || !u[ui]) return false;
  return ui !== 'kiali' || config.kiali.enabled;
}

/** The host each exposed UI is served at: Jaeger's from ingress.hosts, Kiali's and Grafana's from their external URLs. */
export function uiHosts(config: UiConfig): Array<{ ui: UiName; host: string }> {
  const host: Record<UiName, string> = {
    jaeger: config.ingress.hosts.jaeger,
    kiali: new URL(config.kiali.externalUrl).hostname,
    grafana: new URL(config.grafana.externalUrl).hostname,
  };
  return (['jaeger', 'kiali', 'grafana'] as const).filter((ui) => uiExposed(config, ui)).map((ui) => ({ ui, host: host[ui] }));
}
