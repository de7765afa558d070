// @meshobs/dashboards: the three Grafana 12 dashboards of the bundle, built with
// grafana-foundation-sdk from the PromQL signals of @meshobs/signals and the metric names of
// @meshobs/otel-collector.
export { renderDashboards, buildDashboards, SIDECAR_LABEL, SIDECAR_FOLDER_ANNOTATION } from './render.ts';
export { DASHBOARD_UIDS } from './meta.ts';
export { SIDECAR_VALUES_FILE, sidecarValues } from './sidecar-values.ts';
export { overviewDashboard } from './overview.ts';
export { serviceDashboard } from './service.ts';
export { tracingDashboard } from './tracing.ts';
