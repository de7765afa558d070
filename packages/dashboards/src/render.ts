// The dashboards component: one JSON file per dashboard, a ConfigMap per dashboard for the
// kube-prometheus-stack Grafana sidecar, and a GrafanaDashboard CR (grafana-operator v5) that
// reads the same ConfigMap, so the JSON exists once in the cluster.
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import type { MeshobsConfig } from '@meshobs/config';
import { panelsOf, queriesOf, variableQuery, variablesOf } from '@meshobs/dashboard-model';
import { type ComponentBundle, component, configMap, type KubeObject, standardLabels, toJson, withComment } from '@meshobs/kube';
import type { MeshModel } from '@meshobs/model';
import { clusterScopedDashboard } from './cluster.ts';
import { overviewDashboard } from './overview.ts';
import { serviceDashboard } from './service.ts';
import { SIDECAR_FOLDER_ANNOTATION, SIDECAR_LABEL, SIDECAR_LABEL_VALUE, sidecarValuesFile } from './sidecar-values.ts';
import { tracingDashboard } from './tracing.ts';

/** The dashboards as plain Grafana JSON models (no SDK internals), in a fixed order. */
export function buildDashboards(model: MeshModel): Dashboard[] {
  return [overviewDashboard(model), serviceDashboard(model), tracingDashboard(model)].map((b) =>
    clusterScopedDashboard(JSON.parse(JSON.stringify(b.build())) as Dashboard, model.config),
  );
}

export { SIDECAR_FOLDER_ANNOTATION, SIDECAR_LABEL } from './sidecar-values.ts';

/** Every PromQL query of the dashboards (panels and variables), for the checks that hold them to the rules and the plan. */
export function dashboardQueries(model: MeshModel): string[] {
  return buildDashboards(model)
    .flatMap((d) => [
      ...panelsOf(d).flatMap((p) => queriesOf(p).map((q) => q.expr)),
      ...variablesOf(d).flatMap((v) => variableQuery(v) ?? []),
    ])
    .filter((e) => e.trim() !== '');
}

function dashboardConfigMap(config: MeshobsConfig, namespace: string, uid: string, json: string): KubeObject {
  return withComment(
    configMap(
      {
        name: `dashboard-${uid}`,
        namespace,
        labels: { ...standardLabels({ name: 'meshobs', component: 'dashboards' }), [SIDECAR_LABEL]: SIDECAR_LABEL_VALUE },
        annotations: { [SIDECAR_FOLDER_ANNOTATION]: config.grafana.folder },
      },
      { [`${uid}.json`]: json },
    ),
    'Picked up by the kube-prometheus-stack Grafana sidecar (label grafana_dashboard="1").',
  );
}

function grafanaDashboard(config: MeshobsConfig, namespace: string, uid: string): KubeObject {
  return withComment(
    {
      apiVersion: 'grafana.integreatly.org/v1beta1',
      kind: 'GrafanaDashboard',
      metadata: {
        name: uid,
        namespace,
        labels: standardLabels({ name: 'meshobs', component: 'dashboards' }),
      },
      spec: {
        instanceSelector: { matchLabels: { ...config.grafana.operatorInstanceLabels } },
        folder: config.grafana.folder,
        uid,
        resyncPeriod: '10m',
        configMapRef: { name: `dashboard-${uid}`, key: `${uid}.json` },
      },
    },
    'For grafana-operator v5: imports the JSON of the ConfigMap beside it. Use either this or the sidecar, not both.',
  );
}

/** The dashboards as files, ConfigMaps and GrafanaDashboards, in Grafana's namespace (namespaces.grafana of the model). */
export function renderDashboards(model: MeshModel): ComponentBundle {
  const config = model.config;
  const ns = model.namespaces.grafana;
  const files = [];
  const objects: KubeObject[] = [];
  for (const d of buildDashboards(model)) {
    const uid = d.uid!;
    const json = toJson(d);
    files.push({ path: `${uid}.json`, content: json });
    objects.push(dashboardConfigMap(config, ns, uid, json), grafanaDashboard(config, ns, uid));
  }
  // The chart values the sidecar needs to honour the folder annotation (a plain file, not a resource), for
  // the kube-prometheus-stack Grafana only: no values file for a chart the cluster does not run.
  if (config.profile.prometheus === 'kube-prometheus-stack') files.push(sidecarValuesFile(config));
  return component('dashboards', { files, objects });
}
