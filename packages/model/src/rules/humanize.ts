// Go-compatible renderings of Prometheus' template functions (humanize, humanizePercentage,
// humanizeDuration), so rule unit tests rendered from the config can state the exact annotation
// text promtool produces. Only the formats the alerts use are covered.

/** Go's fmt `%.4g` for finite numbers: 4 significant digits, trailing zeros dropped. */
export function g4(v: number): string {
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : Number.isNaN(v) ? 'NaN' : '-Inf';
  const exp = Math.floor(Math.log10(Math.abs(Number(v.toPrecision(4)))));
  if (exp < -4 || exp >= 4) {
    const [m, e] = v.toExponential(3).split('e');
    const mant = m!.includes('.') ? m!.replace(/0+$/, '').replace(/\.$/, '') : m!;
    const n = Number(e);
    return `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const s = v.toPrecision(4);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

export function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return g4(v);
  let prefix = '';
  if (Math.abs(v) >= 1) {
    for (const p of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return `${g4(v)}${prefix}`;
  }
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${g4(v)}${prefix}`;
}

export const humanizePercentage = (v: number): string => `${g4(v * 100)}%`;

export function humanizeDuration(v: number): string {
  if (!Number.isFinite(v)) return g4(v);
  if (v === 0) return '0s';
  if (Math.abs(v) >= 1) {
    const sign = v < 0 ? '-' : '';
    const a = Math.abs(v);
    const secs = Math.trunc(a) % 60;
    const mins = Math.trunc(a / 60) % 60;
    const hours = Math.trunc(a / 3600) % 24;
    const days = Math.trunc(a / 86400);
    if (days !== 0) return `${sign}${days}d ${hours}h ${mins}m ${secs}s`;
    if (hours !== 0) return `${sign}${hours}h ${mins}m ${secs}s`;
    if (mins !== 0) return `${sign}${mins}m ${secs}s`;
    return `${sign}${g4(a)}s`;
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${g4(v)}${prefix}s`;
}
