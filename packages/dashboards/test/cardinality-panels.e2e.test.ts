// Every panel and variable query on data reduced by the cardinality profile returns what it returns
// on the full data: the same synthetic mesh loaded twice into a real Prometheus, once as scraped
// today and once as Prometheus would store it under every setting (removed tags merged, dropped
// series never ingested), each with the bundle's recording rules backfilled over it. A third load
// under a plan that also removes a tag a panel reads must fail the same comparison.
import { parseConfig } from '@meshobs/config';
import { resolveModel } from '@meshobs/model';
import { type Evaluation, evaluateDashboard } from '@meshobs/qa/evaluate';
import { MESH_SIZE, rulesYaml } from '@meshobs/qa/test-mesh';
import { applyPlan, type CardinalityPlan } from '@meshobs/signals';
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
 * Equal up to float summation order. The two loads hold the same samples at the same timestamps (a
 * merged series holds exactly the sum of its parts as written), and promtool evaluates each rule
 * group at the same instants in both (synthetic-mesh loadMesh names the rule files the same way), so
 * a sum of rates and the rate of the sum differ only by rounding: a relative 1e-9 is 10⁶ times that,
 * and a plan that broke a read changes the series set (compared exactly) or a value by far more.
 */
const close = (a: number, b: number) =>
  (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)) + 1e-12;
/**
 * Points compared: those whose rate windows all begin a scrape or more after the data's first sample.
 * Before that the two loads may differ for a reason of Prometheus' own, not of the profile: rate()
 * stops extrapolating a counter at its estimated zero point (prometheus v0.42.0 promql/functions.go
 * extrapolatedRate, durationToZero), a factor of each series, so the rate of a merged counter is not
 * the sum of its parts' rates when a window begins just after their birth. Every counter of the
 * synthetic mesh is born at the data's start: it happens for a rule group whose evaluation offset
 * (a hash of its name) puts a window's start within about a second after it. With today's group
 * names no instant does (all points agree to 1e-13), but a renamed group must not fail this test for
 * it. The longest window read is 5m, one scrape 15s, and a 1m group's sample is read for up to a
 * minute: 6¼ minutes, 10 to be round.
 */
const SETTLED_SECONDS = 10 * 60;

/** The tag the mutation removes too: the service dashboard's traffic share splits by it. */
const MUTATION_LABEL = 'destination_version';
const MUTATED_DASHBOARD = 'meshobs-service';

/**
 * What differs between two evaluations of one dashboard: the variables, the series set of a query,
 * its settled timestamps or a value. One line per query: its first difference and how many differ.
 */
function differences(a: Evaluation, b: Evaluation, settledFrom: number): { lines: string[]; points: number; worst: number } {
  const failures: string[] = [];
  let worst = 0;
  if (JSON.stringify(b.variables) !== JSON.stringify(a.variables)) failures.push(`variables differ: ${JSON.stringify(b.variables)}`);
  let points = 0;
  a.queries.forEach((qa, i) => {
    const qb = b.queries[i]!;
    const key = `${qa.panel}/${qa.refId}`;
    const byLabels = (r: typeof qa) => new Map(r.series.map((s) => [JSON.stringify(s.metric), s.values]));
    const [sa, sb] = [byLabels(qa), byLabels(qb)];
    if ([...sa.keys()].sort().join() !== [...sb.keys()].sort().join()) failures.push(`${key}: series differ: ${qa.expr}`);
    const settled = (vs: [number, string][]) => new Map(vs.filter(([t]) => t >= settledFrom));
    for (const [labels, va] of sa) {
      const [ma, mb] = [settled(va), settled(sb.get(labels) ?? [])];
      if ([...ma.keys()].join() !== [...mb.keys()].join()) failures.push(`${key} ${labels}: ${ma.size} vs ${mb.size} settled points`);
      for (const [t, v] of ma) {
        points++;
        const [x, y] = [Number(v), Number(mb.get(t))];
        if (Number.isFinite(x) && Number.isFinite(y) && x !== y)
          worst = Math.max(worst, Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y)));
        if (!close(x, y)) failures.push(`${key} ${labels} at ${t}: ${v} vs ${mb.get(t)}`);
      }
    }
  });
  const perQuery = new Map<string, { first: string; n: number }>();
  for (const f of failures) {
    const k = f.split(' ')[0]!;
    const e = perQuery.get(k);
    if (e) e.n++;
    else perQuery.set(k, { first: f, n: 1 });
  }
  return { lines: [...perQuery.values()].map((e) => `${e.n}× ${e.first}`), points, worst };
}

describe.skipIf(missingTools('promtool', 'prometheus'))('panel queries on data reduced by the cardinality profile', () => {
  const loaded: LoadedMesh[] = [];
  let settledFrom = 0;
  const full = new Map<string, Evaluation>();
  const reduced = new Map<string, Evaluation>();
  const mutated = new Map<string, Evaluation>();

  beforeAll(async () => {
    const mesh = buildMesh({ ...MESH_SIZE, sizeHistograms: true });
    const rules = rulesYaml(config);
    settledFrom = mesh.startSeconds + SETTLED_SECONDS;
    const under = (p: CardinalityPlan) => reduceMesh(mesh, (name, labels) => applyPlan(p, name, labels));
    const broken: CardinalityPlan = { ...plan, removeLabels: [...plan.removeLabels, MUTATION_LABEL] };
    for (const [target, data, only] of [
      [full, mesh, undefined],
      [reduced, under(plan), undefined],
      [mutated, under(broken), MUTATED_DASHBOARD],
    ] as const) {
      const prom = await loadMesh(data, { rulesYaml: rules });
      loaded.push(prom);
      for (const d of dashboards) if (!only || d.uid === only) target.set(d.uid!, await evaluateDashboard(d, prom, config));
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
      const { lines, points, worst } = differences(full.get(d.uid!)!, reduced.get(d.uid!)!, settledFrom);
      console.log(`${d.uid}: ${points} settled points compared, largest relative difference ${worst.toExponential(1)}`);
      expect(lines).toEqual([]);
      expect(points).toBeGreaterThan(100);
    });

  it(`mutation: a plan that also removes ${MUTATION_LABEL} fails the comparison on the panel that reads it`, () => {
    expect(plan.removeLabels).not.toContain(MUTATION_LABEL);
    const { lines } = differences(full.get(MUTATED_DASHBOARD)!, mutated.get(MUTATED_DASHBOARD)!, settledFrom);
    console.log(`mutation (${MUTATION_LABEL} removed too), ${lines.length} queries differ:\n${lines.slice(0, 3).join('\n')}`);
    expect(
      lines.some((l) => l.includes('Traffic share by version')),
      lines.join('\n'),
    ).toBe(true);
  });
});
