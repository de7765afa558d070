// @meshobs/model: the validated config resolved once into the mesh model every component renders from.
export * from './alerts.ts';
export { cardinalityPlanOf, cardinalityWarnings, seriesReads } from './cardinality.ts';
export * from './dashboards.ts';
export * from './egress.ts';
export * from './jobs.ts';
export { type MeshModel, resolveModel } from './model.ts';
export * from './namespaces.ts';
export * from './rules/humanize.ts';
export * from './rules/recording/index.ts';
export * from './rules/recording-rules.ts';
export * from './rules/rules.ts';
export * from './services.ts';
export * from './targets.ts';
export * from './workloads/collector.ts';
export { demoTiers, serviceHost, type Tier as DemoTier } from './workloads/demo.ts';
export * from './workloads/gateways.ts';
export * from './workloads/index.ts';
export {
  APP as JAEGER_APP,
  HEALTH as JAEGER_HEALTH,
  HEALTH_PORT as JAEGER_HEALTH_PORT,
  type JaegerLayout,
  jaegerImages,
  layoutOf as jaegerLayout,
  METRICS as JAEGER_METRICS,
  METRICS_PORT as JAEGER_METRICS_PORT,
  type Role as JaegerRole,
} from './workloads/jaeger.ts';
export * from './workloads/operator-labels.ts';
