export { COLLECTOR_CONFIG_FILE, collectorConfigFile, OPERATOR_FILE, SAMPLER_CONFIG_FILE } from './files.ts';
export * from './metrics.ts';
export { buildCollectorConfig, type CollectorRole } from './pipeline.ts';
export { renderCollector } from './render.ts';
export { COLLECTOR_APP, tierSelector } from './tiers.ts';
