// The grafana_folder annotation only works when the kube-prometheus-stack Grafana sidecar is told to read
// it (sidecar.dashboards.folderAnnotation) and Grafana builds folders from the sidecar's directories
// (provider.foldersFromFilesStructure): the bundle ships those values as a file, outside the kustomization.

import { parseConfig } from '@meshobs/config';
import { assembleBundle } from '@meshobs/kube';
import { resolveModel } from '@meshobs/model';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderDashboards, SIDECAR_VALUES_FILE } from '../src/index.ts';

describe('kube-prometheus-stack sidecar values', () => {
  const config = parseConfig({ grafana: { folder: 'Mesh' }, namespaces: { monitoring: 'obs-monitoring' } });
  const bundle = renderDashboards(resolveModel(config));
  const values = parse(bundle.files.find((f) => f.path === SIDECAR_VALUES_FILE)!.content);
  const sidecar = values.grafana.sidecar.dashboards;

  it('select exactly the ConfigMaps the bundle emits and read their folder annotation', () => {
    expect(sidecar.enabled).toBe(true);
    expect(sidecar.provider.foldersFromFilesStructure).toBe(true);
    const maps = bundle.objects.filter((o) => o.kind === 'ConfigMap');
    expect(maps.length).toBe(3);
    for (const cm of maps) {
      expect(cm.metadata.labels![sidecar.label]).toBe(sidecar.labelValue);
      expect(cm.metadata.annotations![sidecar.folderAnnotation]).toBe('Mesh');
      expect(cm.metadata.namespace).toBe('obs-monitoring');
    }
  });

  it('never narrow where the sidecar looks: the release keeps its searchNamespace (ALL in kube-prometheus-stack)', () => {
    expect(Object.keys(sidecar).sort()).toEqual(['enabled', 'folderAnnotation', 'label', 'labelValue', 'provider']);
  });

  it('are a plain file, not a kustomization resource', () => {
    const files = assembleBundle([bundle]);
    expect(files.has(`dashboards/${SIDECAR_VALUES_FILE}`)).toBe(true);
    const kustomization = parse(files.get('dashboards/kustomization.yaml')!);
    expect(kustomization.resources).not.toContain(SIDECAR_VALUES_FILE);
  });
});
