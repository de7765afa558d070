// Many clusters through a real Thanos: two Prometheus servers with `external_labels: {cluster: a|b}`,
// each loaded with its own synthetic mesh (different traffic, Istio cluster IDs a and b) and the
// bundle's recording rules, each behind a Thanos sidecar, and one Thanos Query over both. Every
// dashboard query is run through Thanos Query with $cluster set to a, to b and to All, the way
// Grafana runs it; `thanos tools rules-check` checks the bundle's rules.yml.
//
// Thanos v0.42.5 flags (thanos-io/thanos cmd/thanos): sidecar --prometheus.url, --tsdb.path,
// --grpc-address, --http-address (config.go, sidecar.go; the sidecar refuses a Prometheus without
// external labels, sidecar.go); query --endpoint.sd-config (inline YAML `endpoints: [{address, strict}]`,
// endpointset.go; the plain --endpoint flag is deprecated in query.go); tools rules-check --rules (tools.go).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveModel } from '@meshobs/model';
import { type Evaluation, evaluateDashboard, type PromSource, type SeriesResult } from '@meshobs/qa/evaluate';
import { config, MESH_SIZE, NO_DATA_ON_A_HEALTHY_MESH, rulesYaml } from '@meshobs/qa/test-mesh';
import { CLUSTER_VARIABLE } from '@meshobs/signals';
import { buildMesh, type LoadedMesh, loadMesh } from '@meshobs/synthetic-mesh';
import { freePort, missingTools, type Proc, requireTool, startProcess, stopAll, tempDir, waitUntil } from '@meshobs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboards } from '../src/index.ts';

const skip = missingTools('promtool', 'prometheus', 'thanos');
const dashboards = buildDashboards(resolveModel(config));
const label = config.cluster.label;
const CLUSTERS = ['a', 'b'] as const;
type Choice = (typeof CLUSTERS)[number] | 'all';
/** Same topology (the service dashboard's first service exists in both), different traffic. */
const SIZES = {
  a: { requestsPerService: 50, seed: 1 },
  b: { requestsPerService: 20, seed: 2 },
} as const;
// Short span: the test proves the topology, not the trends (the single-cluster test covers 25 minutes).
const SPAN_SECONDS = 12 * 60;

const seriesKey = (s: SeriesResult) => JSON.stringify(Object.entries(s.metric).sort(([x], [y]) => x.localeCompare(y)));
const lastValue = (s: SeriesResult) => Number(s.values.at(-1)?.[1]);
/** Same timestamps, same values (up to float summation order). */
const sameValues = (x: SeriesResult['values'], y: SeriesResult['values']) =>
  x.length === y.length &&
  x.every(([t, v], i) => {
    const [u, w] = y[i]!;
    const [a, b] = [Number(v), Number(w)];
    return t === u && (a === b || (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)));
  });

describe.skipIf(skip)('many clusters through Thanos Query', () => {
  const meshes: LoadedMesh[] = [];
  const procs: Proc[] = [];
  let source: PromSource;
  const evaluations = new Map<string, Evaluation>();
  const evaluationOf = (uid: string, c: Choice) => evaluations.get(`${uid}@${c}`)!;

  beforeAll(async () => {
    const thanos = requireTool('thanos');
    const endSeconds = MESH_SIZE.endSeconds;
    const rules = rulesYaml();
    // allSettled: when one cluster fails, the other finishes starting before afterAll stops everything.
    const settled = await Promise.allSettled(
      CLUSTERS.map(async (cluster) => {
        const mesh = buildMesh({ ...MESH_SIZE, ...SIZES[cluster], spanSeconds: SPAN_SECONDS, istioCluster: cluster });
        const loaded = await loadMesh(mesh, {
          rulesYaml: rules,
          prometheus: {
            externalLabels: { [label]: cluster },
            // As Thanos' docs ask of a sidecar's Prometheus: local compaction off.
            extraArgs: ['--storage.tsdb.min-block-duration=2h', '--storage.tsdb.max-block-duration=2h'],
          },
        });
        meshes.push(loaded);
        const [grpc, http] = [await freePort(), await freePort()];
        procs.push(
          await startProcess(
            `thanos-sidecar-${cluster}`,
            thanos,
            [
              'sidecar',
              `--prometheus.url=${loaded.url}`,
              `--tsdb.path=${loaded.dataDir}`,
              `--grpc-address=127.0.0.1:${grpc}`,
              `--http-address=127.0.0.1:${http}`,
            ],
            { readyUrl: `http://127.0.0.1:${http}/-/ready`, timeoutMs: 60_000 },
          ),
        );
        return { cluster, grpc, mesh: loaded };
      }),
    );
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const started = settled.map((r) => (r as PromiseFulfilledResult<{ cluster: string; grpc: number; mesh: LoadedMesh }>).value);
    const [grpc, http] = [await freePort(), await freePort()];
    const endpoints = `endpoints:\n${started.map((s) => `  - address: "127.0.0.1:${s.grpc}"\n    strict: true\n`).join('')}`;
    procs.push(
      await startProcess(
        'thanos-query',
        thanos,
        ['query', `--grpc-address=127.0.0.1:${grpc}`, `--http-address=127.0.0.1:${http}`, `--endpoint.sd-config=${endpoints}`],
        { readyUrl: `http://127.0.0.1:${http}/-/ready`, timeoutMs: 60_000 },
      ),
    );
    const url = `http://127.0.0.1:${http}`;
    source = { url, startSeconds: started[0]!.mesh.startSeconds, endSeconds };
    // Both stores answer (Thanos Query connects to its endpoints in the background).
    let seen = '';
    await waitUntil(
      async () => {
        const params = new URLSearchParams({ query: `count by (${label}) (up)`, time: String(endSeconds) });
        const res = await fetch(`${url}/api/v1/query?${params}`);
        seen = await res.text();
        const body = JSON.parse(seen) as { data?: { result: { metric: Record<string, string> }[] } };
        const found = body.data?.result.map((r) => r.metric[label]) ?? [];
        return CLUSTERS.every((c) => found.includes(c));
      },
      60_000,
      'Thanos Query to see both clusters',
    ).catch((e: Error) => {
      throw new Error(`${e.message}: ${seen}\n${procs.map((p) => `--- ${p.name}\n${p.output().slice(-1500)}`).join('\n')}`);
    });
    for (const d of dashboards)
      for (const c of [...CLUSTERS, 'all'] as const)
        evaluations.set(
          `${d.uid}@${c}`,
          await evaluateDashboard(d, source, config, c === 'all' ? {} : { chosen: { [CLUSTER_VARIABLE]: c } }),
        );
  }, 300_000);

  afterAll(async () => {
    for (const p of procs) await p.stop();
    for (const m of meshes) await m.stop();
    await stopAll();
  });

  it('the cluster variable offers both clusters (All is .*)', () => {
    for (const d of dashboards) {
      const v = evaluationOf(d.uid!, 'all').variables.find((x) => x.name === CLUSTER_VARIABLE);
      expect(v, d.uid).toMatchObject({ values: ['a', 'b'], chosen: '.*' });
    }
  });

  for (const d of dashboards) {
    const uid = d.uid!;
    const listed = (panel: string, refId: string) => `${uid}/${panel}/${refId}` in NO_DATA_ON_A_HEALTHY_MESH;
    /** A query without any selector (a configured reference line from vector()) is the same in every cluster. */
    const selectsNothing = (expr: string) => !expr.includes(`${label}=~`);

    it(`${uid}: every query returns data for a, for b and for All, each series of the chosen cluster`, () => {
      const failures: string[] = [];
      for (const c of [...CLUSTERS, 'all'] as const)
        for (const r of evaluationOf(uid, c).queries) {
          if (listed(r.panel, r.refId) || selectsNothing(r.expr)) continue;
          if (!r.series.length) failures.push(`${c} ${r.panel}/${r.refId} returned no series: ${r.expr}`);
          for (const s of r.series) {
            const want = c === 'all' ? CLUSTERS : [c];
            if (!(want as readonly string[]).includes(s.metric[label] ?? ''))
              failures.push(`${c} ${r.panel}/${r.refId}: series without the cluster ${want.join('|')}: ${JSON.stringify(s.metric)}`);
          }
        }
      expect(failures).toEqual([]);
    });

    it(`${uid}: All is exactly a and b side by side (nothing counted twice or merged)`, () => {
      const failures: string[] = [];
      const [a, b, all] = (['a', 'b', 'all'] as const).map((c) => evaluationOf(uid, c).queries);
      all!.forEach((r, i) => {
        if (selectsNothing(r.expr)) {
          if (JSON.stringify(r.series) !== JSON.stringify(a![i]!.series)) failures.push(`${r.panel}/${r.refId}: differs per cluster`);
          return;
        }
        const parts = [...a![i]!.series, ...b![i]!.series];
        const byKey = new Map(parts.map((s) => [seriesKey(s), s]));
        if (byKey.size !== parts.length) failures.push(`${r.panel}/${r.refId}: a and b share a series`);
        const keys = r.series.map(seriesKey).sort();
        if (JSON.stringify(keys) !== JSON.stringify([...byKey.keys()].sort()))
          failures.push(`${r.panel}/${r.refId}: All has ${keys.length} series, a and b ${byKey.size}`);
        for (const s of r.series) {
          const part = byKey.get(seriesKey(s));
          if (part && !sameValues(part.values, s.values))
            failures.push(`${r.panel}/${r.refId} ${JSON.stringify(s.metric)}: All differs from its cluster's own answer`);
        }
        const sum = (ss: SeriesResult[]) => ss.reduce((t, s) => t + (Number.isFinite(lastValue(s)) ? lastValue(s) : 0), 0);
        if (Math.abs(sum(r.series) - sum(parts)) > 1e-9 * Math.max(1, Math.abs(sum(parts))))
          failures.push(`${r.panel}/${r.refId}: sum over All ${sum(r.series)} != a + b ${sum(parts)}`);
      });
      expect(failures).toEqual([]);
    });
  }

  it('per-cluster answers differ as the two meshes do, and the mesh total of All is a + b', () => {
    const total = (c: Choice) => {
      const r = evaluationOf('meshobs-mesh-overview', c).queries.find((q) => q.panel === 'Request volume')!;
      return r.series.reduce((t, s) => t + lastValue(s), 0);
    };
    const [a, b, all] = [total('a'), total('b'), total('all')];
    expect(a).toBeGreaterThan(b * 1.5);
    expect(all).toBeCloseTo(a + b, 6);
  });

  it('the cross-cluster view reads Istio source_cluster/destination_cluster per cluster', () => {
    const pairs = (c: Choice) =>
      evaluationOf('meshobs-mesh-overview', c)
        .queries.filter((q) => q.panel === 'Requests between clusters')
        .flatMap((q) => q.series.map((s) => `${s.metric[label]}:${s.metric.source_cluster}->${s.metric.destination_cluster}`))
        .sort();
    expect(pairs('a')).toEqual(['a:a->a']);
    expect(pairs('b')).toEqual(['b:b->b']);
    expect(pairs('all')).toEqual(['a:a->a', 'b:b->b']);
  });

  it('thanos tools rules-check accepts rules.yml', () => {
    const dir = tempDir('thanos-rules');
    writeFileSync(join(dir, 'rules.yml'), rulesYaml());
    const r = spawnSync(requireTool('thanos'), ['tools', 'rules-check', `--rules=${join(dir, 'rules.yml')}`], { encoding: 'utf8' });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  });
});
