// promtool's test-file notation: test cases, input series in its expanding notation, eval times.
import { durationSeconds } from '@meshobs/config';

export type Labels = Record<string, string>;
export type Sample = number | null | 'stale';
export interface Series {
  labels: Labels;
  values: Sample[];
}

export interface ExpAlert {
  exp_labels: Labels;
  exp_annotations: Record<string, string>;
}
export interface AlertCheck {
  eval_time: string;
  alertname: string;
  exp_alerts: ExpAlert[];
}
export interface ExprCheck {
  expr: string;
  eval_time: string;
  exp_samples: Array<{ labels: string; value: number }>;
}
export interface TestCase {
  name: string;
  interval: string;
  input_series: Array<{ series: string; values: string }>;
  alert_rule_test?: AlertCheck[];
  promql_expr_test?: ExprCheck[];
}

export interface RuleTestFile {
  path: string;
  content: string;
}

export const fmt = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(15))));

/** promtool's expanding notation for a sample list (runs of a constant step become `a+bxn`). */
export function seriesValues(values: Sample[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < values.length) {
    const v = values[i]!;
    if (v === null) {
      let j = i;
      while (j < values.length && values[j] === null) j++;
      out.push(j - i === 1 ? '_' : `_x${j - i}`);
      i = j;
      continue;
    }
    if (v === 'stale') {
      out.push('stale');
      i++;
      continue;
    }
    const next = values[i + 1];
    if (typeof next !== 'number') {
      out.push(fmt(v));
      i++;
      continue;
    }
    const d = next - v;
    const tol = 1e-9 * Math.max(1, Math.abs(v), Math.abs(d));
    let j = i + 1;
    while (
      j + 1 < values.length &&
      typeof values[j + 1] === 'number' &&
      Math.abs((values[j + 1] as number) - (values[j] as number) - d) <= tol
    )
      j++;
    const n = j - i;
    const step = Number(d.toPrecision(12));
    out.push(step === 0 ? `${fmt(v)}x${n}` : `${fmt(v)}${step > 0 ? '+' : '-'}${fmt(Math.abs(step))}x${n}`);
    i = j + 1;
  }
  return out.join(' ');
}

export const seriesName = (l: Labels) => {
  const { __name__, ...rest } = l;
  const body = Object.keys(rest)
    .sort()
    .map((k) => `${k}="${rest[k]}"`)
    .join(', ');
  return `${__name__}{${body}}`;
};

/** A counter from per-minute increments: pieces of [increment per minute, minutes]. Starts at `start`. */
export function counter(pieces: Array<[number, number]>, start = 0): number[] {
  const out = [start];
  let v = start;
  for (const [inc, steps] of pieces) {
    for (let k = 0; k < steps; k++) {
      v += inc;
      out.push(v);
    }
  }
  return out;
}

/**
 * Two counters of `length` minutes splitting `perMin` events a minute: all succeed until minute `start`, then
 * the share `share` fails (`err`) and the rest succeeds (`ok`).
 */
export function failingFrom(perMin: number, share: number, start: number, length: number): { ok: number[]; err: number[] } {
  return {
    ok: counter([
      [perMin, start],
      [perMin * (1 - share), length - start],
    ]),
    err: counter([
      [0, start],
      [perMin * share, length - start],
    ]),
  };
}

/** A gauge from pieces of [value, samples]. */
export const gauge = (pieces: Array<[Sample, number]>): Sample[] => pieces.flatMap(([v, n]) => Array<Sample>(n).fill(v));

export const input = (series: Series[]) => series.map((s) => ({ series: seriesName(s.labels), values: seriesValues(s.values) }));

export const minutes = (d: string) => Math.ceil(durationSeconds(d) / 60);
export const at = (t: number) => `${t}m`;
