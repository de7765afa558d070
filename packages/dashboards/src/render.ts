// The dashboards component: one JSON file per dashboard, a ConfigMap per dashboard for the
// kube-prometheus-stack Grafana sidecar, and a GrafanaDashboard CR (grafana-operator v5) that
// reads the same ConfigMap, so the JSON exists once in the cluster.
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import type { MeshobsConfig } from '@meshobs/config';
import { type ComponentBundle, component, configMap, type KubeObject, standardLabels, toJson, withComment } from '@meshobs/kube';
import { clusterScopedDashboard } from './cluster.ts';
import { overviewDashboard } from './overview.ts';
import { serviceDashboard } from './service.ts';
import { SIDECAR_FOLDER_ANNOTATION, SIDECAR_LABEL, SIDECAR_LABEL_VALUE, sidecarValuesFile } from './sidecar-values.ts';
import { tracingDashboard } from './tracing.ts';

/** The dashboards as plain Grafana JSON models (no SDK internals), in a fixed order. */
export function buildDashboards(config: MeshobsConfig): Dashboard[] {
  return [overviewDashboard(config), serviceDashboard(config), tracingDashboard(config)].map((b) =>
    clusterScopedDashboard(JSON.parse(JSON.stringify(b.build())) as Dashboard, config),
  );
}

export { SIDECAR_FOLDER_ANNOTATION, SIDECAR_LABEL } from './sidecar-values.ts';

function dashboardConfigMap(config: MeshobsConfig, uid: string, json: string): KubeObject {
  return withComment(
    configMap(
      {
        name: `dashboard-${uid}`,
        namespace: config.namespaces.monitoring,
        labels: { ...standardLabels({ name: 'meshobs', component: 'dashboards' }), [SIDECAR_LABEL]: SIDECAR_LABEL_VALUE },
        annotations: { [SIDECAR_FOLDER_ANNOTATION]: config.grafana.folder },
      },
      { [`${uid}.json`]: json },
    ),
    'Picked up by the kube-prometheus-stack Grafana sidecar (label grafana_dashboard="1").',
  );
}

function grafanaDashboard(config: MeshobsConfig, uid: string): KubeObject {
  return withComment(
    {
      apiVersion: 'grafana.integreatly.org/v1beta1',
      kind: 'GrafanaDashboard',
      metadata: {
        name: uid,
        namespace: config.namespaces.monitoring,
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

export function renderDashboards(config: MeshobsConfig): ComponentBundle {
  const files = [];
  const objects: KubeObject[] = [];
  for (const d of buildDashboards(config)) {
    const uid = d.uid!;
    const json = toJson(d);
    files.push({ path: `${uid}.json`, content: json });
    objects.push(dashboardConfigMap(config, uid, json), grafanaDashboard(config, uid));
  }
  // The chart values the sidecar needs to honour the folder annotation (a plain file, not a resource).
  files.push(sidecarValuesFile(config));
  return component('dashboards', { files, objects });
}
