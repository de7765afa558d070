// @meshobs/dashboards: the three Grafana 12 dashboards of the bundle, built with
// grafana-foundation-sdk from the PromQL signals of @meshobs/signals and the metric names of
// @meshobs/otel-collector.

export { bundleQueries, cardinalityPlan, cardinalityWarnings } from './cardinality.ts';
export { DASHBOARD_UIDS } from './meta.ts';
export { overviewDashboard } from './overview.ts';
export { buildDashboards, renderDashboards, SIDECAR_FOLDER_ANNOTATION, SIDECAR_LABEL } from './render.ts';
export { serviceDashboard } from './service.ts';
export { SIDECAR_VALUES_FILE, sidecarValues } from './sidecar-values.ts';
export { tracingDashboard } from './tracing.ts';
