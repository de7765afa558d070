// @meshobs/signals: the one home of the bundle's PromQL. See README.md for why it is a package.

export * from './cardinality.ts';
export * from './circuit-breaker.ts';
export * from './cluster.ts';
export * from './collector-metrics.ts';
export * from './control-plane.ts';
export * from './edge.ts';
export * from './edge-tls.ts';
export * from './gateways.ts';
export * from './jobs.ts';
export * from './kiali-reads.ts';
export * from './labels.ts';
export * from './metrics.ts';
export * from './panel-queries.ts';
export * from './promql.ts';
export * from './promql-reads.ts';
export * from './records.ts';
export * from './requests.ts';
export * from './sidecar.ts';
