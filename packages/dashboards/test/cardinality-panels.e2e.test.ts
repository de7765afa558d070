// Every panel and variable query on data reduced by the cardinality profile returns what it returns
// on the full data: the same synthetic mesh loaded twice into a real Prometheus, once as scraped
// today and once as Prometheus would store it under every setting (removed tags merged, dropped
// series never ingested), each with the bundle's recording rules backfilled over it.
import { parseConfig } from '@meshobs/config';
import { resolveModel } from '@meshobs/model';
import { type Evaluation, evaluateDashboard } from '@meshobs/qa/evaluate';
import { MESH_SIZE, rulesYaml } from '@meshobs/qa/test-mesh';
import { applyPlan } from '@meshobs/signals';
import { buildMesh, type LoadedMesh, loadMesh, reduceMesh } from '@meshobs/synthetic-mesh';
import { missingTools, stopAll } from '@meshobs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboards } from '../src/index.ts';

const config = parseConfig({
  cardinality: { removeUnreadIstioLabels: true, dropUnreadIstioMetrics: true, dropUnreadReporterSeries: true },
});
const plan = resolveModel(config).cardinality;
const dashboards = buildDashboards(resolveModel(config));

/**
 * Equal within the noise of the harness: the same data loaded twice gives recorded series that
 * differ a little (up to ~0.1 %) around the windows promtool's rule backfill starts with, while the
 * raw series are identical. A plan that broke a read changes the series set (compared exactly) or a
 * value by far more than 1 %.
 */
const close = (a: number, b: number) => (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-6 + 1e-2 * Math.abs(a);
/** Points compared: once every rate window (5m) and the second backfill level lie inside the data. */
const SETTLED_SECONDS = 10 * 60;

describe.skipIf(missingTools('promtool', 'prometheus'))('panel queries on data reduced by the cardinality profile', () => {
  const loaded: LoadedMesh[] = [];
  let start = 0;
  const full = new Map<string, Evaluation>();
  const reduced = new Map<string, Evaluation>();

  beforeAll(async () => {
    const mesh = buildMesh({ ...MESH_SIZE, sizeHistograms: true, endSeconds: Math.floor(Date.now() / 60_000) * 60 });
    const rules = rulesYaml(config);
    start = mesh.startSeconds;
    for (const [target, data] of [
      [full, mesh],
      [reduced, reduceMesh(mesh, (name, labels) => applyPlan(plan, name, labels))],
    ] as const) {
      const prom = await loadMesh(data, { rulesYaml: rules });
      loaded.push(prom);
      for (const d of dashboards) target.set(d.uid!, await evaluateDashboard(d, prom, config));
      await prom.stop();
    }
  }, 900_000);

  afterAll(async () => {
    for (const p of loaded) await p.stop();
    await stopAll();
  });

  it('the reduced data really is smaller', () => {
    // Over a quarter fewer series on this small mesh; the client-side views (reporter="source"
    // requests and duration buckets) keep those series, the size histograms keep only the server side.
    expect(loaded[1]!.stats.series).toBeLessThan(loaded[0]!.stats.series * 0.75);
  });

  for (const d of dashboards)
    it(`${d.uid}: every variable and panel query returns the same series and values`, () => {
      const a = full.get(d.uid!)!;
      const b = reduced.get(d.uid!)!;
      expect(b.variables).toEqual(a.variables);
      const failures: string[] = [];
      let points = 0;
      a.queries.forEach((qa, i) => {
        const qb = b.queries[i]!;
        const key = `${qa.panel}/${qa.refId}`;
        const byLabels = (r: typeof qa) => new Map(r.series.map((s) => [JSON.stringify(s.metric), s.values]));
        const [sa, sb] = [byLabels(qa), byLabels(qb)];
        if ([...sa.keys()].sort().join() !== [...sb.keys()].sort().join()) failures.push(`${key}: series differ: ${qa.expr}`);
        // Compared by timestamp once settled: a group with its own interval (1 m) starts its recorded
        // series at a point of its own, so the two loads may differ by a point before that.
        const settled = (vs: [number, string][]) => new Map(vs.filter(([t]) => t >= start + SETTLED_SECONDS));
        for (const [labels, va] of sa) {
          const [ma, mb] = [settled(va), settled(sb.get(labels) ?? [])];
          if ([...ma.keys()].join() !== [...mb.keys()].join()) failures.push(`${key} ${labels}: ${ma.size} vs ${mb.size} settled points`);
          for (const [t, v] of ma) {
            points++;
            if (!close(Number(v), Number(mb.get(t)))) failures.push(`${key} ${labels} at ${t}: ${v} vs ${mb.get(t)}`);
          }
        }
      });
      // One line per query: the first difference and how many points differ.
      const perQuery = new Map<string, { first: string; n: number }>();
      for (const f of failures) {
        const k = f.split(' ')[0]!;
        const e = perQuery.get(k);
        if (e) e.n++;
        else perQuery.set(k, { first: f, n: 1 });
      }
      expect([...perQuery.values()].map((e) => `${e.n}× ${e.first}`)).toEqual([]);
      expect(points).toBeGreaterThan(100);
    });
});
