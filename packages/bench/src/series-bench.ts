// Raw series before and after each setting of the cardinality profile, on the synthetic mesh. The
// plan is the bundle's own (derived from its rules and panels for the bench config with the setting
// on); the synthetic label sets are reduced as Prometheus would store them (applyPlan: the tags the
// proxies no longer emit, merged; then the metric_relabel_configs drop rules). Counted from the
// generator's label combinations, no samples: at 1M that is minutes of CPU, not a Prometheus load.
import type { MeshobsConfig } from '@meshobs/config';
import { resolveModel } from '@meshobs/model';
import { applyPlan, ISTIO_STANDARD_METRICS } from '@meshobs/signals';
import { buildMesh, countReduced, PRESETS, type SeriesTransform } from '@meshobs/synthetic-mesh';
import { count, mib, table } from './stats.ts';

type Settings = MeshobsConfig['cardinality'];
const OFF: Settings = { removeUnreadIstioLabels: false, dropUnreadIstioMetrics: false, dropUnreadReporterSeries: false };

/** The columns: each setting alone, then all of them. */
export const PROFILES: Array<{ name: string; settings: Settings }> = [
  { name: 'removeUnreadIstioLabels', settings: { ...OFF, removeUnreadIstioLabels: true } },
  { name: 'dropUnreadIstioMetrics', settings: { ...OFF, dropUnreadIstioMetrics: true } },
  { name: 'dropUnreadReporterSeries', settings: { ...OFF, dropUnreadReporterSeries: true } },
  { name: 'all three', settings: { removeUnreadIstioLabels: true, dropUnreadIstioMetrics: true, dropUnreadReporterSeries: true } },
];

export const SERIES_SIZES = ['10k', '100k', '1m'];

export interface SeriesResult {
  size: string;
  before: { total: number; istio: number; labelBytes: number };
  after: Array<{ profile: string; total: number; istio: number; labelBytes: number }>;
  seconds: number;
}

/** Series of the Istio standard metrics' families (the only ones the profile touches). */
const ISTIO_FAMILIES = (byFamily: Record<string, number>) =>
  Object.entries(byFamily)
    .filter(([f]) => ISTIO_STANDARD_METRICS.some((m) => m.startsWith(`${f}_`) || m === `${f}_total`))
    .reduce((a, [, n]) => a + n, 0);

export function benchSeries(config: MeshobsConfig, opts: { sizes?: string[]; log?: (l: string) => void } = {}): SeriesResult[] {
  const transforms: SeriesTransform[] = [
    (_n, l) => l,
    ...PROFILES.map(({ settings }) => {
      const plan = resolveModel({ ...config, cardinality: settings }).cardinality;
      return (name: string, labels: Record<string, string>) => applyPlan(plan, name, labels);
    }),
  ];
  return (opts.sizes ?? SERIES_SIZES).map((size) => {
    const t = performance.now();
    const [before, ...after] = countReduced(buildMesh(PRESETS[size]), transforms);
    const seconds = (performance.now() - t) / 1000;
    opts.log?.(`series ${size}: ${before!.total} raw series counted under ${PROFILES.length} profiles in ${seconds.toFixed(0)} s`);
    return {
      size,
      before: { total: before!.total, istio: ISTIO_FAMILIES(before!.byFamily), labelBytes: before!.labelBytes },
      after: after.map((a, i) => ({
        profile: PROFILES[i]!.name,
        total: a.total,
        istio: ISTIO_FAMILIES(a.byFamily),
        labelBytes: a.labelBytes,
      })),
      seconds,
    };
  });
}

const share = (after: number, before: number) => `${(((before - after) / before) * 100).toFixed(0)} %`;

export function seriesTable(results: SeriesResult[]): string {
  const rows = results.flatMap((r) => [
    [r.size, 'none (default)', count(r.before.total), count(r.before.istio), '', '', mib(r.before.labelBytes), ''],
    ...r.after.map((a) => [
      r.size,
      a.profile,
      count(a.total),
      count(a.istio),
      share(a.total, r.before.total),
      share(a.istio, r.before.istio),
      mib(a.labelBytes),
      share(a.labelBytes, r.before.labelBytes),
    ]),
  ]);
  return table(
    [
      'size',
      'cardinality settings on',
      'active series',
      'of which Istio',
      'fewer series',
      'fewer Istio series',
      'label text',
      'less label text',
    ],
    rows,
  );
}
