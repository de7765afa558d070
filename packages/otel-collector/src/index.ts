export * from './metrics.ts';
export { buildCollectorConfig, type CollectorRole } from './pipeline.ts';
export { renderCollector } from './render.ts';
export { collectorConfigFile, COLLECTOR_CONFIG_FILE, OPERATOR_FILE, SAMPLER_CONFIG_FILE } from './files.ts';
export { tierSelector, COLLECTOR_APP } from './workloads.ts';
