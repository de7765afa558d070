export * from './metrics.ts';
export { buildCollectorConfig, type CollectorRole } from './pipeline.ts';
export { renderCollector } from './render.ts';
export { tierSelector, COLLECTOR_APP } from './workloads.ts';
