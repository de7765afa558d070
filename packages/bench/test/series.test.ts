// The series table of the cardinality profile at the smallest preset: every setting cuts, all three
// cut most, and the table has a row per profile.
import { configSchema } from '@meshobs/config';
import { describe, expect, it } from 'vitest';
import { benchSeries, PROFILES, seriesTable } from '../src/series-bench.ts';

describe('cardinality series bench', () => {
  it('counts fewer series under every setting, fewest under all three', () => {
    // Without Kiali, whose own reads keep most Istio labels (the plan keeps what Kiali reads).
    const [r] = benchSeries(configSchema.parse({ kiali: { enabled: false } }), { sizes: ['small'] });
    expect(r!.after.map((a) => a.profile)).toEqual(PROFILES.map((p) => p.name));
    // Removing labels merges no series where they follow from the kept ones (as on this mesh), but
    // every setting shrinks what Prometheus holds.
    for (const a of r!.after) expect(a.labelBytes).toBeLessThan(r!.before.labelBytes);
    for (const a of r!.after.slice(1)) expect(a.total).toBeLessThan(r!.before.total);
    const all = r!.after.at(-1)!;
    for (const a of r!.after) expect(all.total).toBeLessThanOrEqual(a.total);
    expect(r!.before.total - all.total).toBe(r!.before.istio - all.istio);
    expect(seriesTable([r!]).split('\n')).toHaveLength(2 + 1 + PROFILES.length);
  });
});
