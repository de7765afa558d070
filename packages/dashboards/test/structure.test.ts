import { configSchema } from '@meshobs/config';
import { validateObjects } from '@meshobs/kube';
import { resolveModel } from '@meshobs/model';
import { panelsOf, queriesOf, structuralProblems, variablesOf } from '@meshobs/qa/inspect';
import { describe, expect, it } from 'vitest';
import { buildDashboards, renderDashboards } from '../src/index.ts';

const config = configSchema.parse({});

describe('dashboards', () => {
  const dashboards = buildDashboards(resolveModel(config));

  it('are three Grafana 12 dashboards with stable uids', () => {
    expect(dashboards.map((d) => d.uid)).toEqual(['meshobs-mesh-overview', 'meshobs-service', 'meshobs-tracing']);
    for (const d of dashboards) expect(d.schemaVersion).toBe(42);
  });

  for (const d of dashboards)
    it(`${d.uid} passes the structural checks`, () => {
      expect(structuralProblems(d)).toEqual([]);
      expect(variablesOf(d).find((v) => v.type === 'datasource')).toBeDefined();
      expect(panelsOf(d).length).toBeGreaterThan(8);
    });

  it('the structural check catches what it is for', () => {
    const d = structuredClone(dashboards[1]!);
    const [a, b] = panelsOf(d);
    b!.id = a!.id;
    b!.gridPos = { ...a!.gridPos! };
    (b!.targets![0] as { datasource?: unknown }).datasource = undefined;
    (b!.targets![0] as { expr?: string }).expr = 'sum(rate(x{a="$nope"}[5m]))';
    d.templating!.list!.push({ type: 'custom', name: 'unused' } as never);
    const problems = structuralProblems(d).join('\n');
    expect(problems).toMatch(/panel id \d+ is used by/);
    expect(problems).toMatch(/overlap/);
    expect(problems).toMatch(/has no datasource/);
    expect(problems).toMatch(/undefined variable \$nope/);
    expect(problems).toMatch(/fixed range instead of \$__rate_interval/);
    expect(problems).toMatch(/variable \$unused is never used/);
  });

  it('panels with a recording rule read it instead of raw istio_requests_total', () => {
    for (const d of dashboards)
      for (const p of panelsOf(d))
        for (const q of queriesOf(p))
          if (/istio_requests_total|istio_request_duration_milliseconds_bucket/.test(q.expr))
            // The edge panel selects a handful of series no recording rule keeps (BlackHoleCluster, UAEX): raw is cheap.
            expect(
              ['mTLS by source', 'Requests refused by circuit breaking', 'Traffic the edge blocks'],
              `${d.uid} / ${p.title}`,
            ).toContain(p.title);
  });

  it('link to Jaeger at the configured URL', () => {
    const json = JSON.stringify(dashboards[2]);
    expect(json).toContain('https://jaeger.example.com/search?service=');
    // The UI's host on the Istio ingress gateway (ingress.hosts.jaeger), or the ingress-nginx Ingress's when only that is on.
    const custom = configSchema.parse({ ingress: { hosts: { jaeger: 'traces.corp.internal' } } });
    expect(JSON.stringify(buildDashboards(resolveModel(custom))[2])).toContain('https://traces.corp.internal/search?service=');
    const nginx = configSchema.parse({
      ingress: { ui: { jaeger: false } },
      jaeger: { query: { ingress: { enabled: true, host: 'traces.nginx.internal' } } },
    });
    expect(JSON.stringify(buildDashboards(resolveModel(nginx))[2])).toContain('https://traces.nginx.internal/search?service=');
  });
});

describe('renderDashboards', () => {
  const bundle = renderDashboards(resolveModel(config));

  it('emits one JSON file, one sidecar ConfigMap and one GrafanaDashboard per dashboard, and the sidecar chart values', () => {
    expect(bundle.files.map((f) => f.path)).toEqual([
      'meshobs-mesh-overview.json',
      'meshobs-service.json',
      'meshobs-tracing.json',
      'kube-prometheus-stack-values.yaml',
    ]);
    const maps = bundle.objects.filter((o) => o.kind === 'ConfigMap');
    const crs = bundle.objects.filter((o) => o.kind === 'GrafanaDashboard');
    expect(maps).toHaveLength(3);
    expect(crs).toHaveLength(3);
    for (const m of maps) {
      expect(m.metadata.namespace).toBe('monitoring');
      expect(m.metadata.labels?.grafana_dashboard).toBe('1');
      expect(m.metadata.annotations?.grafana_folder).toBe('Istio');
    }
    for (const [i, f] of bundle.files.filter((x) => x.path.endsWith('.json')).entries())
      expect((maps[i]!.data as Record<string, string>)[f.path]).toBe(f.content);
  });

  it('has no timestamps', () => {
    for (const f of bundle.files) expect(f.content).not.toMatch(/"(created|updated|timestamp)"|\d{4}-\d{2}-\d{2}T\d{2}:/);
  });

  it('passes Kubernetes and grafana-operator schema validation', async () => {
    expect(await validateObjects(bundle.objects)).toEqual([]);
  });
});
