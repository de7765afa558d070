// Small numeric and table helpers shared by every benchmark.

export function median(values: number[]): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** Seconds with a unit that keeps 3 significant digits readable: 1.23 s, 45.6 ms, 789 µs. */
export function seconds(s: number): string {
  if (!Number.isFinite(s)) return 'n/a';
  if (s >= 1) return `${s.toFixed(2)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toFixed(s >= 0.1 ? 0 : 1)} ms`;
  return `${(s * 1e6).toFixed(0)} µs`;
}

export const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a / b) ? `${(a / b).toFixed(1)}×` : 'n/a');

export const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

export const count = (n: number) => n.toLocaleString('en-US');

/** A GitHub-flavoured markdown table. */
export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Measures an async function in seconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - t) / 1000 };
}
