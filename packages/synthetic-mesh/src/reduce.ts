// A mesh as Prometheus would store it after a series transform: a series whose transform returns
// undefined is gone (a metric_relabel_configs `drop`); series whose transformed labels are equal are
// one series with their values summed (a label the proxy no longer emits: Envoy's stats aggregate
// every request that differed only in it into one counter or histogram).

import { type Mesh, roundSample } from './mesh.ts';
import type { Family, Labels, Series } from './series.ts';
import { hash, renderLabels } from './series.ts';

/** Name and labels of a series in, labels out (undefined: the series is dropped). */
export type SeriesTransform = (name: string, labels: Labels) => Labels | undefined;

/** The inverse of renderLabels. */
export function parseLabels(rendered: string): Labels {
  const out: Labels = {};
  for (const m of rendered.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
    out[m[1]!] = m[2]!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
  return out;
}

function reduceFamily(family: Family, transform: SeriesTransform): Family {
  return {
    ...family,
    *series() {
      // Grouped per family (series of different families never merge): memory is one family's keys.
      const groups = new Map<string, Series[]>();
      for (const s of family.series()) {
        const labels = transform(s.name, parseLabels(s.labels));
        if (!labels) continue;
        const key = s.name + renderLabels(labels);
        const group = groups.get(key);
        if (group) group.push(s);
        else groups.set(key, [{ ...s, labels: renderLabels(labels) }]);
      }
      for (const [, [first, ...rest]] of groups) {
        if (!rest.length) yield first!;
        else {
          // The sum of the values as written (rounded), so the merged series holds exactly the sum of
          // what the full mesh stores for its parts, sample by sample.
          const parts = [first!, ...rest].map((s) => s.value);
          yield { name: first!.name, labels: first!.labels, value: (dt) => parts.reduce((a, v) => a + roundSample(v(dt)), 0) };
        }
      }
    },
  };
}

/** The mesh with `transform` applied to every series, exactly as a scrape under it would store them. */
export function reduceMesh(mesh: Mesh, transform: SeriesTransform): Mesh {
  return { ...mesh, families: mesh.families.map((f) => reduceFamily(f, transform)) };
}

/**
 * Active series of the mesh under each transform, counted in one pass over the label sets (no
 * samples are generated): per family, the distinct transformed label sets, and the bytes of their
 * rendered names and labels (what the index and the series' label sets hold). Keys are kept as two
 * 32-bit FNV-1a hashes of the rendered series (a collision among n series has probability about
 * n²/2⁶⁵: below 10⁻⁷ at a million), so memory stays at a few bytes per series at 1M.
 */
export function countReduced(
  mesh: Mesh,
  transforms: readonly SeriesTransform[],
): Array<{ total: number; byFamily: Record<string, number>; labelBytes: number }> {
  const out = transforms.map(() => ({ total: 0, byFamily: {} as Record<string, number>, labelBytes: 0 }));
  for (const family of mesh.families) {
    const seen = transforms.map(() => new Set<string>());
    for (const s of family.series()) {
      const labels = parseLabels(s.labels);
      transforms.forEach((t, i) => {
        const reduced = t(s.name, labels);
        if (!reduced) return;
        const key = s.name + renderLabels(reduced);
        const id = `${hash(key, 0).toString(36)}.${hash(key, 0x9e3779b9).toString(36)}`;
        if (seen[i]!.has(id)) return;
        seen[i]!.add(id);
        out[i]!.labelBytes += key.length;
      });
    }
    seen.forEach((set, i) => {
      out[i]!.byFamily[family.name] = set.size;
      out[i]!.total += set.size;
    });
  }
  return out;
}
