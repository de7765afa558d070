export * from './metrics.ts';
export { buildCollectorConfig, type CollectorRole } from './pipeline.ts';
export { renderCollector } from './render.ts';
