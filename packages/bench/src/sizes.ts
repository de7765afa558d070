// Mesh sizes the Prometheus benchmarks run at. Each size keeps enough data for every rate window
// (the alerts read 5 m) while staying loadable in minutes: promtool turns OpenMetrics text into
// blocks at roughly 85-140k samples/s, and an Istio sample line is ~900 bytes.
import { type MeshSize, PRESETS } from '@meshobs/synthetic-mesh';

export interface BenchSize {
  name: string;
  mesh: Partial<MeshSize>;
  /** Seconds of data at the 15 s scrape interval, ending `aheadSeconds` after the load starts. */
  spanSeconds: number;
  /**
   * Data runs this far into the future so that Prometheus, which evaluates rules at wall-clock
   * time, still has a full 5 m window when the evaluation benchmark runs after the (long) load.
   */
  aheadSeconds: number;
}

const minutes = (m: number) => m * 60;

export const SIZES: Record<string, BenchSize> = {
  toy: {
    name: 'toy',
    mesh: { namespaces: 1, servicesPerNamespace: 2, sourcesPerService: 2 },
    spanSeconds: minutes(12),
    aheadSeconds: minutes(5),
  },
  '10k': { name: '10k', mesh: PRESETS['10k']!, spanSeconds: minutes(30), aheadSeconds: minutes(15) },
  '100k': { name: '100k', mesh: PRESETS['100k']!, spanSeconds: minutes(15), aheadSeconds: minutes(10) },
  // Loading takes longer than any affordable look-ahead: the rules are costed by query only here
  // (rule-query-cost.ts), not by the server's own cycles.
  '1m': { name: '1m', mesh: PRESETS['1m']!, spanSeconds: minutes(10), aheadSeconds: minutes(1) },
};

export const DEFAULT_SIZES = ['10k', '100k'];

export function pickSizes(spec: string | undefined): BenchSize[] {
  const names = (spec ?? DEFAULT_SIZES.join(','))
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  return names.map((n) => {
    const size = SIZES[n];
    if (!size) throw new Error(`unknown size "${n}" (known: ${Object.keys(SIZES).join(', ')})`);
    return size;
  });
}
