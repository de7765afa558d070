// The building blocks of every family: label rendering, deterministic randomness and value shapes
// that are valid for Prometheus (counters strictly increase, histogram buckets are cumulative).

/** One time series: its sample name, rendered label set and value at `dt` seconds after the start. */
export interface Series {
  name: string;
  labels: string;
  value(dt: number): number;
}

export interface Family {
  /** Metric family name as in `# TYPE` (counters without `_total`, histograms without suffixes). */
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
  series(): Iterable<Series>;
}

export type Labels = Record<string, string>;

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function renderLabels(labels: Labels): string {
  const parts: string[] = [];
  for (const k in labels) parts.push(`${k}="${escapeLabel(labels[k]!)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** Small, fast, seedable PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function hash(text: string, seed = 0): number {
  let h = (2166136261 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

const WAVE_PERIOD = 3600;
const WAVE_AMPLITUDE = 0.3;

/**
 * Number of events after dt seconds at a rate that swings ±30 % over an hour: the integral of
 * rate·(1 + A·sin(2πt/P + φ)). Strictly increasing for any rate > 0, so every window has a rate.
 */
export function counterShape(ratePerSecond: number, phase: number, offset = 0): (dt: number) => number {
  const k = (WAVE_AMPLITUDE * WAVE_PERIOD) / (2 * Math.PI);
  const c0 = Math.cos(phase);
  return (dt) => offset + ratePerSecond * (dt + k * (c0 - Math.cos((2 * Math.PI * dt) / WAVE_PERIOD + phase)));
}

/** A gauge that wanders ±amplitude around `base` (slow sine plus a little deterministic noise). */
export function gaugeShape(base: number, amplitude: number, phase: number): (dt: number) => number {
  return (dt) => {
    const noise = Math.sin(dt * 0.37 + phase * 7) * 0.15;
    return base * (1 + amplitude * (Math.sin((2 * Math.PI * dt) / WAVE_PERIOD + phase) + noise));
  };
}

export const constant = (v: number) => () => v;

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 erf approximation, error < 1.5e-7). */
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

export const formatLe = (le: number) => (le === Infinity ? '+Inf' : String(le));

/**
 * The `_bucket`, `_sum` and `_count` series of a log-normally distributed histogram observed at a
 * wavy rate. Buckets hold count·CDF(le), so they are cumulative in `le` and increase in time.
 */
export function* histogram(
  name: string,
  labels: Labels,
  opts: { rate: number; median: number; sigma: number; buckets: number[]; phase: number },
): Iterable<Series> {
  const count = counterShape(opts.rate, opts.phase);
  const mean = opts.median * Math.exp((opts.sigma * opts.sigma) / 2);
  for (const le of [...opts.buckets, Infinity]) {
    const share = le === Infinity ? 1 : normalCdf((Math.log(le) - Math.log(opts.median)) / opts.sigma);
    yield { name: `${name}_bucket`, labels: renderLabels({ ...labels, le: formatLe(le) }), value: (dt) => count(dt) * share };
  }
  const rendered = renderLabels(labels);
  yield { name: `${name}_sum`, labels: rendered, value: (dt) => count(dt) * mean };
  yield { name: `${name}_count`, labels: rendered, value: count };
}
