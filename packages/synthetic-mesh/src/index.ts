export * from './size.ts';
export * from './topology.ts';
export * from './series.ts';
export * from './mesh.ts';
export { SPAN_METRICS } from './tracing.ts';
export * from './rules.ts';
export * from './prometheus.ts';
