import { parseConfig } from '@meshobs/config';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  assembleBundle,
  bundleEntries,
  component,
  type KubeObject,
  objectToYaml,
  placeByProfile,
  placedProfile,
  toYaml,
  withComment,
} from '../src/index.ts';

const cm = (name: string, namespace = 'monitoring'): KubeObject => ({
  data: { 'a.txt': 'one\ntwo\n' },
  metadata: { labels: { b: '1', a: '2' }, name, namespace },
  kind: 'ConfigMap',
  apiVersion: 'v1',
});

describe('YAML serialization', () => {
  it('puts apiVersion, kind and metadata first, and name before namespace', () => {
    const text = objectToYaml(cm('x'));
    expect(text.split('\n').slice(0, 5)).toEqual([
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: x',
      '  namespace: monitoring',
    ]);
  });

  it('never folds long lines (PromQL stays on one line) and uses block literals for multi-line strings', () => {
    const expr = `sum(rate(istio_requests_total{reporter="destination",response_code=~"5.."}[5m])) / ${'x'.repeat(200)}`;
    const text = toYaml({ expr, multi: 'a\nb\n' });
    expect(text).toContain(`expr: ${expr}`);
    expect(text).toContain('multi: |\n  a\n  b\n');
    expect(parse(text)).toEqual({ expr, multi: 'a\nb\n' });
  });

  it('writes attached comments above the object, not into it', () => {
    const text = objectToYaml(withComment(cm('y'), 'why this exists'));
    expect(text.startsWith('# why this exists\napiVersion: v1')).toBe(true);
    expect(parse(text).metadata.name).toBe('y');
  });

  it('keeps the comment on a copy of the object', () => {
    const copy = { ...withComment(cm('y'), 'why this exists'), data: { changed: 'yes' } };
    expect(objectToYaml(copy).startsWith('# why this exists\napiVersion: v1')).toBe(true);
  });

  it('drops undefined fields instead of writing null', () => {
    expect(toYaml({ a: 1, b: undefined })).toBe('a: 1\n');
  });
});

describe('bundle assembly', () => {
  const bundle = assembleBundle([
    component('zeta', { objects: [cm('z')], files: [{ path: 'plain.yml', content: 'x: 1\n' }] }),
    component('alpha', { objects: [cm('b'), cm('a')] }),
    component('empty'),
  ]);

  it('writes one file per object and a kustomization per component, listed in the root', () => {
    expect([...bundle.keys()]).toEqual([
      'alpha/config-map-monitoring-a.yaml',
      'alpha/config-map-monitoring-b.yaml',
      'alpha/kustomization.yaml',
      'kustomization.yaml',
      'zeta/config-map-monitoring-z.yaml',
      'zeta/kustomization.yaml',
      'zeta/plain.yml',
    ]);
    expect(parse(bundle.get('kustomization.yaml')!).resources).toEqual(['alpha', 'zeta']);
    expect(parse(bundle.get('alpha/kustomization.yaml')!).resources).toEqual([
      'config-map-monitoring-a.yaml',
      'config-map-monitoring-b.yaml',
    ]);
    expect(parse(bundle.get('zeta/kustomization.yaml')!).resources).not.toContain('plain.yml');
  });

  it('gives each object entry its comment, written above the object in its file', () => {
    const entries = bundleEntries([component('c', { objects: [{ ...withComment(cm('a'), 'note') }, cm('b')] })]);
    const objects = entries.flatMap((e) => ('object' in e ? [[e.path, e.comment]] : []));
    expect(objects).toEqual([
      ['c/config-map-monitoring-a.yaml', 'note'],
      ['c/config-map-monitoring-b.yaml', undefined],
    ]);
    const files = assembleBundle([component('c', { objects: [{ ...withComment(cm('a'), 'note') }] })]);
    expect(files.get('c/config-map-monitoring-a.yaml')!.startsWith('# note\napiVersion: v1\nkind: ConfigMap')).toBe(true);
  });

  it('refuses the same object from two components', () => {
    expect(() => assembleBundle([component('a', { objects: [cm('x')] }), component('b', { objects: [cm('x')] })])).toThrow(
      'v1/ConfigMap/monitoring/x is emitted by both a and b',
    );
  });

  it('is deterministic regardless of component order', () => {
    const again = assembleBundle([
      component('alpha', { objects: [cm('a'), cm('b')] }),
      component('zeta', { objects: [cm('z')], files: [{ path: 'plain.yml', content: 'x: 1\n' }] }),
    ]);
    expect([...again.entries()]).toEqual([...bundle.entries()]);
  });
});

describe('cluster profile layout', () => {
  const dashboard: KubeObject = {
    apiVersion: 'grafana.integreatly.org/v1beta1',
    kind: 'GrafanaDashboard',
    metadata: { name: 'd', namespace: 'monitoring' },
  };
  const monitor: KubeObject = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: { name: 'p', namespace: 'monitoring' },
  };
  const build = (profile: unknown) => {
    const components = [
      component('dashboards', { objects: [cm('c'), { ...dashboard }] }),
      component('alerts', { objects: [{ ...monitor }] }),
    ];
    return { components: placeByProfile(components, parseConfig({ profile })), files: () => assembleBundle(components) };
  };

  it('moves CRs whose operator the default profile lacks to an overlay over the component folders', () => {
    const { components, files } = build({});
    const f = files();
    expect(parse(f.get('dashboards/kustomization.yaml')!).resources).toEqual(['config-map-monitoring-c.yaml']);
    expect(parse(f.get('alerts/kustomization.yaml')!).resources).toEqual(['pod-monitor-monitoring-p.yaml']);
    expect(parse(f.get('overlays/grafana-operator/kustomization.yaml')!).resources).toEqual([
      '../../alerts',
      '../../dashboards',
      'grafana-dashboard-monitoring-d.yaml',
    ]);
    expect(f.has('overlays/grafana-operator/grafana-dashboard-monitoring-d.yaml')).toBe(true);
    expect(placedProfile(components)?.description).toBe(
      'kube-prometheus-stack, Istio 1.27, Kubernetes 1.33, no extra operators, no metrics-server (each replica range fixed at its minimum)',
    );
  });

  it('keeps them in the base when the profile has the operator, and moves operator monitors out for plain Prometheus', () => {
    const f = build({ prometheus: 'plain', operators: { grafana: true } }).files();
    expect(parse(f.get('dashboards/kustomization.yaml')!).resources).toContain('grafana-dashboard-monitoring-d.yaml');
    expect(f.has('alerts/kustomization.yaml')).toBe(false);
    expect(parse(f.get('overlays/prometheus-operator/kustomization.yaml')!).resources).toEqual([
      '../../dashboards',
      'pod-monitor-monitoring-p.yaml',
    ]);
  });
});

describe('YAML 1.1 readers', () => {
  it('quotes strings that a YAML 1.1 reader (Go) would take for dates, booleans or numbers', () => {
    const text = toYaml({ layout: '2006-01-02', flag: 'on', answer: 'yes', time: '1:30', mode: '0644' });
    expect(text).toBe('layout: "2006-01-02"\nflag: "on"\nanswer: "yes"\ntime: "1:30"\nmode: "0644"\n');
  });
});
