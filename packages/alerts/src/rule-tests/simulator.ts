// The PromQL arithmetic the expected values need, on 1-minute series: rate, sums, histogram_quantile's
// bucket interpolation, and when an alert with a `for` starts firing.
import type { Sample } from './notation.ts';

/**
 * rate(x[w]) at minute t of a 1-minute series. Within the first window a counter that starts at 0 is
 * not extrapolated to the window start (Prometheus' zero-point rule), so the rate is the increase
 * over the whole window length; Prometheus 2 (closed windows) and 3 (left-open windows) agree on it
 * there and on every window that lies inside one linear piece, which is where the suites check values.
 */
export const rateAt = (values: Sample[], t: number, w: number): number | undefined => {
  const b = values[t];
  if (typeof b !== 'number' || t < 1) return undefined;
  if (t - w < 0) return values[0] === 0 ? (b - 0) / (w * 60) : undefined;
  const a = values[t - w];
  if (typeof a !== 'number') return undefined;
  return (b - a) / (w * 60);
};

export const sumDefined = (xs: Array<number | undefined>): number | undefined =>
  xs.some((x) => x === undefined) || xs.length === 0 ? undefined : xs.reduce((s, x) => s! + x!, 0);

/** Prometheus' bucketQuantile for cumulative buckets sorted by bound (+Inf last). */
export function bucketQuantile(q: number, buckets: Array<{ le: number; count: number }>): number {
  const bs = [...buckets].sort((a, b) => a.le - b.le);
  if (bs.at(-1)!.le !== Infinity || bs.length < 2) return NaN;
  const obs = bs.at(-1)!.count;
  if (obs === 0) return NaN;
  let rank = q * obs;
  let b = bs.findIndex((x, i) => i < bs.length - 1 && x.count >= rank);
  if (b === -1) b = bs.length - 1;
  if (b === bs.length - 1) return bs[bs.length - 2]!.le;
  if (b === 0 && bs[0]!.le <= 0) return bs[0]!.le;
  let start = 0;
  let count = bs[b]!.count;
  if (b > 0) {
    start = bs[b - 1]!.le;
    count -= bs[b - 1]!.count;
    rank -= bs[b - 1]!.count;
  }
  return start + (bs[b]!.le - start) * (rank / count);
}

/**
 * First evaluation (minute) at which an alert fires, given when its expression returns a value:
 * pending at the first true evaluation, firing once it has been true for `forMin` minutes.
 */
export function firstFiring(cond: (t: number) => boolean, forMin: number, until: number): number | undefined {
  let active: number | undefined;
  for (let t = 0; t <= until; t++) {
    if (cond(t)) {
      active ??= t;
      if (t - active >= forMin) return t;
    } else active = undefined;
  }
  return undefined;
}
