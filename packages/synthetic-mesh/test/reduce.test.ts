// reduceMesh / countReduced: dropped series are gone, series equal after the transform are one
// series with the summed value, and the one-pass count agrees with the reduced mesh.
import { describe, expect, it } from 'vitest';
import {
  buildMesh,
  countReduced,
  countSeries,
  parseLabels,
  reduceMesh,
  renderLabels,
  roundSample,
  type SeriesTransform,
} from '../src/index.ts';

const mesh = buildMesh({ spanSeconds: 300, endSeconds: 1_700_000_000 });
const noSourcePrincipal: SeriesTransform = (name, l) => {
  if (!name.startsWith('istio_')) return l;
  // Every caller label: the destination's reports of different callers become one series.
  return Object.fromEntries(Object.entries(l).filter(([k]) => !k.startsWith('source_') && k !== 'connection_security_policy'));
};
const dropSource: SeriesTransform = (_n, l) => (l.reporter === 'source' ? undefined : l);

describe('reduceMesh', () => {
  it('parseLabels inverts renderLabels', () => {
    const l = { a: 'x"y', b: 'back\\slash', c: '' };
    expect(parseLabels(renderLabels(l))).toEqual(l);
  });

  it('drops series and merges equal ones, summing their values', () => {
    const family = (m: typeof mesh) => m.families.find((f) => f.name === 'istio_requests')!;
    const before = [...family(mesh).series()];
    const after = [...family(reduceMesh(mesh, noSourcePrincipal)).series()];
    expect(after.length).toBeLessThan(before.length);
    // As written (three decimals): a merged series holds exactly the sum of what its parts hold.
    const sum = (list: typeof before, dt: number) => list.reduce((a, s) => a + roundSample(s.value(dt)), 0);
    expect(sum(after, 120)).toBeCloseTo(sum(before, 120), 9);
    expect(new Set(after.map((s) => s.labels)).size).toBe(after.length);
    expect(after.every((s) => !s.labels.includes('source_principal'))).toBe(true);
    const dropped = [...family(reduceMesh(mesh, dropSource)).series()];
    expect(dropped.length).toBe(before.filter((s) => !s.labels.includes('reporter="source"')).length);
  });

  it('countReduced counts what reduceMesh yields, for several transforms in one pass', () => {
    const [same, merged, dropped] = countReduced(mesh, [(_n, l) => l, noSourcePrincipal, dropSource]);
    const { labelBytes, ...counted } = same!;
    expect(counted).toEqual(countSeries(mesh));
    let bytes = 0;
    for (const f of mesh.families) for (const s of f.series()) bytes += s.name.length + s.labels.length;
    expect(labelBytes).toBe(bytes);
    expect({ ...merged, labelBytes: undefined }).toEqual({ ...countSeries(reduceMesh(mesh, noSourcePrincipal)), labelBytes: undefined });
    expect({ ...dropped, labelBytes: undefined }).toEqual({ ...countSeries(reduceMesh(mesh, dropSource)), labelBytes: undefined });
    expect(merged!.labelBytes).toBeLessThan(labelBytes);
    expect(merged!.total).toBeLessThan(same!.total);
  });
});
