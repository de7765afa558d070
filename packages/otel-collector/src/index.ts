// @meshobs/otel-collector: the trace pipeline (collector tiers with tail sampling and span metrics) and its
// manifests, rendered from the mesh model. Its workloads' names, labels and ports are in @meshobs/model.
export { COLLECTOR_CONFIG_FILE, collectorConfigFile, OPERATOR_FILE, SAMPLER_CONFIG_FILE } from './files.ts';
export { buildCollectorConfig, type CollectorRole } from './pipeline.ts';
export { renderCollector } from './render.ts';
