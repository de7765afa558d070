// The collector's tiers (single or load-balancing Deployment, sampling StatefulSet): names, labels,
// selectors and the one list of each tier's ports that the container, Service and policies use.
import { endpointsOf, type MeshobsConfig } from '@meshobs/config';
import { type BundleFile, imageOf, imageTag, type NamedPort, selectorLabels, standardLabels } from '@meshobs/kube';
import { operatorPodSelector, runsOnOperator } from './operator-labels.ts';

export const COLLECTOR_APP = 'otel-collector';
/** The user the contrib image runs as (open-telemetry/opentelemetry-collector-releases distributions/otelcol-contrib/Dockerfile: ARG USER_UID=10001, USER ${USER_UID}). */
export const COLLECTOR_UID = 10001;
/** Pod annotations of every collector pod: the sidecar starts first, so the exporter's first connection is not refused. */
export const COLLECTOR_POD_ANNOTATIONS = { 'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts": true}' };

export type TierComponent = 'collector' | 'sampler';

/** The rendered config file of each tier (the sampler's in two-tier mode only). */
export interface TierConfigFiles {
  collector: BundleFile;
  sampler?: BundleFile;
}

export interface Tier {
  /** Object name (Deployment/StatefulSet, ConfigMap, Service). */
  name: string;
  component: TierComponent;
  kind: 'Deployment' | 'StatefulSet';
  configFile: BundleFile;
}

/** The collector image of the bundle: the config's override, else the pinned one. */
export const collectorImage = (config: MeshobsConfig) => imageOf('otelCollector', config.tracing.collector.image);

/** Name of a tier's objects: its Deployment/StatefulSet, ConfigMap and Service, or its OpenTelemetryCollector. */
export const tierName = (config: MeshobsConfig, component: TierComponent) =>
  component === 'sampler' ? endpointsOf(config).collector.samplerHeadlessService : config.tracing.collector.name;

export function tiersOf(config: MeshobsConfig, files: TierConfigFiles): Tier[] {
  const tiers: Tier[] = [{ name: tierName(config, 'collector'), component: 'collector', kind: 'Deployment', configFile: files.collector }];
  if (files.sampler)
    tiers.push({ name: tierName(config, 'sampler'), component: 'sampler', kind: 'StatefulSet', configFile: files.sampler });
  return tiers;
}

/**
 * The labels selecting a tier's pods: the bundle's own, or, when the OpenTelemetry Operator runs the
 * collector (profile.operators.opentelemetry), those the Operator puts on the pods of that tier's CR.
 */
export const tierSelector = (config: MeshobsConfig, tier: { component: TierComponent }) =>
  runsOnOperator(config)
    ? operatorPodSelector(config, tierName(config, tier.component))
    : selectorLabels({ name: COLLECTOR_APP, instance: config.tracing.collector.name, component: tier.component });

export const tierLabels = (config: MeshobsConfig, tier: { component: TierComponent }) =>
  standardLabels({
    name: COLLECTOR_APP,
    instance: config.tracing.collector.name,
    component: tier.component,
    version: imageTag(collectorImage(config)),
  });

/**
 * Name of the span-metrics port, which the ServiceMonitor scrapes by name. Port names are
 * IANA service names: at most 15 characters (the API server rejects "http-spanmetrics").
 */
export const SPAN_METRICS_PORT_NAME = 'http-spanmetric';

/** The receivers' ports; names carry the protocol prefix Istio uses for protocol selection. */
export function receiverPorts(config: MeshobsConfig): NamedPort[] {
  const e = endpointsOf(config).collector;
  return [
    { name: 'grpc-otlp', port: e.otlpGrpcPort },
    { name: 'http-otlp', port: e.otlpHttpPort },
    { name: 'http-zipkin', port: e.zipkinPort },
    { name: 'grpc-jaeger', port: e.jaegerGrpcPort },
    { name: 'http-jaeger', port: e.jaegerThriftHttpPort },
  ];
}

/** The collector's own ports: telemetry, span metrics (receiving tier only) and health check. */
export function ownPorts(config: MeshobsConfig) {
  const e = endpointsOf(config).collector;
  return {
    metrics: { name: 'http-metrics', port: e.metricsPort },
    spanMetrics: { name: SPAN_METRICS_PORT_NAME, port: e.spanMetricsPort },
    health: { name: 'http-health', port: e.healthPort },
  } satisfies Record<string, NamedPort>;
}

/** Every port of a tier's container: the receiving tier takes every protocol, the sampler OTLP gRPC only. */
export function tierPorts(config: MeshobsConfig, tier: { component: TierComponent }): NamedPort[] {
  const own = ownPorts(config);
  const receivers = receiverPorts(config);
  return tier.component === 'collector'
    ? [...receivers, own.spanMetrics, own.metrics, own.health]
    : [receivers[0]!, own.metrics, own.health];
}
