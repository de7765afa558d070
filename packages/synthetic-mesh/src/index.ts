export * from './mesh.ts';
export * from './prometheus.ts';
export * from './reduce.ts';
export * from './rules.ts';
export * from './series.ts';
export * from './size.ts';
export * from './topology.ts';
export { SPAN_METRICS } from './tracing.ts';
