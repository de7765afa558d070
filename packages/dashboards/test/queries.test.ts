// Every panel query and every variable query returns data on a real Prometheus loaded with a
// synthetic mesh and the bundle's recording rules (backfilled with promtool).

import { resolveModel } from '@meshobs/model';
import { type Evaluation, evaluateDashboard, type QueryResult } from '@meshobs/qa/evaluate';
import { config, loadTestMesh, NO_DATA_ON_A_HEALTHY_MESH } from '@meshobs/qa/test-mesh';
import { CLUSTER_VARIABLE } from '@meshobs/signals';
import type { LoadedMesh } from '@meshobs/synthetic-mesh';
import { missingTools, stopAll } from '@meshobs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboards } from '../src/index.ts';

const dashboards = buildDashboards(resolveModel(config));
const skip = missingTools('promtool', 'prometheus');

describe.skipIf(skip)('dashboard queries on a real Prometheus', () => {
  let prom: LoadedMesh;
  const evaluations = new Map<string, Evaluation>();

  beforeAll(async () => {
    prom = await loadTestMesh();
    for (const d of dashboards) evaluations.set(d.uid!, await evaluateDashboard(d, prom, config));
  }, 240_000);

  afterAll(async () => {
    await prom?.stop();
    await stopAll();
  });

  const key = (uid: string, r: QueryResult) => `${uid}/${r.panel}/${r.refId}`;

  for (const d of dashboards) {
    it(`${d.uid}: every variable query returns values`, () => {
      const e = evaluations.get(d.uid!)!;
      for (const v of e.variables) {
        // One Prometheus has no cluster label: $cluster offers only "All" (.*), which matches every series.
        if (v.name === CLUSTER_VARIABLE) expect([v.values, v.chosen]).toEqual([[], '.*']);
        else expect(v.values, `$${v.name}: ${v.query}`).not.toEqual([]);
      }
    });

    it(`${d.uid}: every panel query returns finite data`, () => {
      const e = evaluations.get(d.uid!)!;
      const failures: string[] = [];
      for (const r of e.queries) {
        const reason = NO_DATA_ON_A_HEALTHY_MESH[key(d.uid!, r)];
        if (reason) {
          if (r.series.length) failures.push(`${key(d.uid!, r)} is listed as having no data but returned ${r.series.length} series`);
          continue;
        }
        if (!r.series.length) failures.push(`${key(d.uid!, r)} returned no series: ${r.expr}`);
        for (const s of r.series) {
          const bad = s.values.filter(([, v]) => !Number.isFinite(Number(v)));
          if (!s.values.length || bad.length)
            failures.push(
              `${key(d.uid!, r)} ${JSON.stringify(s.metric)} has ${bad.length} non-finite of ${s.values.length} values: ${r.expr}`,
            );
        }
      }
      expect(failures).toEqual([]);
    });

    it(`${d.uid}: every panel shows data from at least one of its queries`, () => {
      const e = evaluations.get(d.uid!)!;
      const byPanel = new Map<string, number>();
      for (const r of e.queries) byPanel.set(r.panel, (byPanel.get(r.panel) ?? 0) + r.series.length);
      const empty = [...byPanel.entries()].filter(
        ([panel, n]) => n === 0 && !Object.keys(NO_DATA_ON_A_HEALTHY_MESH).some((k) => k.startsWith(`${d.uid}/${panel}/`)),
      );
      expect(empty).toEqual([]);
    });
  }

  it('the canary split matches the configured 90/10 weights on the synthetic mesh', () => {
    const e = evaluations.get('meshobs-service')!;
    const [measured, configured] = e.queries.filter((q) => q.panel === 'Traffic share by version');
    const last = (v: string) => {
      const s = measured!.series.find((x) => x.metric.destination_version === v)!;
      return Number(s.values.at(-1)![1]);
    };
    expect(last('stable')).toBeCloseTo(0.9, 1);
    expect(last('canary')).toBeCloseTo(0.1, 1);
    expect(configured!.series.map((s) => s.metric.destination_version).sort()).toEqual(['canary (configured)', 'stable (configured)']);
  });
});
