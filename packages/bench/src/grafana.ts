// How Grafana turns a time range and a panel width into a query step (public/app/core/utils/kbn
// roundInterval and the Prometheus data source's min-interval rule).

const ROUNDING: [below: number, to: number][] = [
  [0.015, 0.01],
  [0.035, 0.02],
  [0.075, 0.05],
  [0.15, 0.1],
  [0.35, 0.2],
  [0.75, 0.5],
  [1.5, 1],
  [3.5, 2],
  [7.5, 5],
  [12.5, 10],
  [17.5, 15],
  [25, 20],
  [45, 30],
  [90, 60],
  [210, 120],
  [450, 300],
  [750, 600],
  [1050, 900],
  [1500, 1200],
  [2700, 1800],
  [5400, 3600],
  [9000, 7200],
  [16200, 10800],
  [27000, 21600],
  [43200, 43200],
];

/** Grafana's "nice" interval for a raw interval (seconds). */
export function roundInterval(rawSeconds: number): number {
  for (const [below, to] of ROUNDING) if (rawSeconds < below) return to;
  return 86400;
}

/** `5s`, `1m`, `2h` -> seconds; undefined for an empty or unknown value. */
export function parseInterval(text: string | undefined): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec((text ?? '').trim());
  if (!m) return undefined;
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

/**
 * The step of a panel's range query: the range over the panel width (max data points), rounded,
 * but never below the panel's min interval or the data source's scrape interval.
 */
export function panelStep(rangeSeconds: number, widthPx: number, scrapeSeconds: number, panelMinInterval?: string): number {
  const raw = roundInterval(rangeSeconds / widthPx);
  return Math.max(raw, scrapeSeconds, parseInterval(panelMinInterval) ?? 0);
}

/** Grafana's $__rate_interval: max($__interval + scrape interval, 4 × scrape interval). */
export const rateIntervalSeconds = (stepSeconds: number, scrapeSeconds: number) => Math.max(stepSeconds + scrapeSeconds, 4 * scrapeSeconds);
