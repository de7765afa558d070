// @meshobs/dashboards: the three Grafana 12 dashboards of the bundle, built with
// grafana-foundation-sdk from the mesh model and the named queries of @meshobs/signals.

export { DASHBOARD_UIDS } from './meta.ts';
export { overviewDashboard } from './overview.ts';
export { buildDashboards, dashboardQueries, renderDashboards, SIDECAR_FOLDER_ANNOTATION, SIDECAR_LABEL } from './render.ts';
export { configuredWeights, serviceDashboard } from './service.ts';
export { SIDECAR_VALUES_FILE, sidecarValues } from './sidecar-values.ts';
export { tracingDashboard } from './tracing.ts';
