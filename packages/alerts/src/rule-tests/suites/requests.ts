// High5xxErrorRate and HighRequestLatency.

import { humanizePercentage, ISTIO_DURATION_BUCKETS_MS } from '@meshobs/model';
import { ISTIO_METRICS } from '@meshobs/signals';
import { aboveWithTraffic, busyRate, type Ctx, incidentShare, rateIncident, rateTimeline, silentCase, svcLabels } from '../cases.ts';
import { destinationRequest, type Mesh, named, sourceRequest } from '../mesh.ts';
import { counter, fmt, type Series, type TestCase } from '../notation.ts';
import { bucketQuantile, rateAt, sumDefined } from '../simulator.ts';

export function high5xx(ctx: Ctx): TestCase[] {
  const { m, W } = ctx;
  // The tested service's own thresholds (services[].alerts), else the mesh-wide ones.
  const a = { ...ctx.config.alerts.high5xxErrorRate, ...ctx.m.svc.thresholds.high5xxErrorRate };
  const out: TestCase[] = [];
  const { T0, L } = rateTimeline(W, a.for);
  const s = incidentShare(a.threshold, W);
  const R = busyRate(a.minRequestRate * W);
  const N = R * 60;
  const traffic = (share: number, perMin = N, start = T0, fourxx = 0) => {
    const ok = counter([
      [perMin * (1 - fourxx), start],
      [perMin * (1 - share - fourxx), L - start],
    ]);
    const err = counter([
      [0, start],
      [perMin * share, L - start],
    ]);
    const c4 = counter([[perMin * fourxx, L]]);
    const series: Series[] = [
      { labels: named(ISTIO_METRICS.requests, destinationRequest(m, '200')), values: ok },
      { labels: named(ISTIO_METRICS.requests, destinationRequest(m, '503')), values: err },
      // the same requests as the ingress gateway reports them: must not be counted twice
      { labels: named(ISTIO_METRICS.requests, sourceRequest(m, '200')), values: ok },
      { labels: named(ISTIO_METRICS.requests, sourceRequest(m, '503', 'URX')), values: err },
    ];
    if (fourxx) series.push({ labels: named(ISTIO_METRICS.requests, destinationRequest(m, '404')), values: c4 });
    const ratio = (t: number) => {
      const e = rateAt(err, t, W);
      const tot = sumDefined([rateAt(ok, t, W), e, fourxx ? rateAt(c4, t, W) : 0]);
      // the ratio of two series sampled together: partial windows do not matter for it
      return e === undefined || tot === undefined || tot === 0 ? undefined : { ratio: e / tot, total: tot };
    };
    return { series, ratio };
  };
  if (s !== undefined)
    out.push(
      ...rateIncident(ctx, T0, (start) => {
        const { series, ratio } = traffic(s, N, start);
        return {
          name: `${humanizePercentage(s)} of ${R} req/s fail with 503 from minute ${start}`,
          alert: 'High5xxErrorRate',
          series,
          length: L,
          labels: svcLabels(m),
          value: aboveWithTraffic(ratio, (r) => r.ratio, a.threshold, a.minRequestRate),
        };
      }),
    );
  // healthy: 5xx share at half the threshold and plenty of 404s (client errors never count)
  out.push(
    silentCase(
      `High5xxErrorRate: silent with ${humanizePercentage(a.threshold / 2)} 5xx and 30% 404`,
      ['High5xxErrorRate'],
      traffic(a.threshold / 2, N, 0, 0.3).series,
      L,
    ),
  );
  out.push(
    silentCase(
      'High5xxErrorRate: silent with no 5xx series at all',
      ['High5xxErrorRate'],
      traffic(0).series.filter((x) => x.labels.response_code === '200'),
      L,
    ),
  );
  out.push(silentCase('High5xxErrorRate: silent when the service gets no traffic', ['High5xxErrorRate'], traffic(0, 0).series, L));
  out.push(silentCase('High5xxErrorRate: silent with missing data', ['High5xxErrorRate'], [], L));
  if (a.minRequestRate > 0)
    out.push(
      silentCase(
        `High5xxErrorRate: low-traffic guard, 100% 5xx at ${fmt(a.minRequestRate / 2)} req/s (guard ${a.minRequestRate} req/s)`,
        ['High5xxErrorRate'],
        traffic(1, (a.minRequestRate / 2) * 60).series,
        L,
      ),
    );
  return out;
}

export function histogramSeries(
  m: Mesh,
  perMinute: (t: number) => { n: number; boundMs: number },
  L: number,
  reporter: 'destination' | 'source' = 'destination',
) {
  const lbl = reporter === 'destination' ? destinationRequest(m, '200') : sourceRequest(m, '200');
  const bounds = [...ISTIO_DURATION_BUCKETS_MS, Infinity];
  const series: Series[] = [];
  const buckets = new Map<number, number[]>();
  for (const b of bounds) {
    const vals = [0];
    for (let t = 1; t <= L; t++) {
      const { n, boundMs } = perMinute(t);
      vals.push(vals[t - 1]! + (boundMs <= b ? n : 0));
    }
    buckets.set(b, vals);
    series.push({ labels: named(ISTIO_METRICS.requestDurationBucket, { ...lbl, le: b === Infinity ? '+Inf' : String(b) }), values: vals });
  }
  const count = buckets.get(Infinity)!;
  series.push({ labels: named(ISTIO_METRICS.requestDurationCount, lbl), values: count });
  series.push({ labels: named(ISTIO_METRICS.requests, lbl), values: count });
  return { series, buckets, count };
}

export function highLatency(ctx: Ctx): TestCase[] {
  const { m, W } = ctx;
  const a = { ...ctx.config.alerts.highRequestLatency, ...ctx.m.svc.thresholds.highRequestLatency };
  const out: TestCase[] = [];
  const { T0, L } = rateTimeline(W, a.for);
  const thr = a.p99Seconds * 1000;
  const bounds = ISTIO_DURATION_BUCKETS_MS;
  const slowIdx = bounds.findIndex((b, i) => b >= thr && i < bounds.length - 1);
  const fastIdx = [...bounds.keys()].reverse().find((i) => bounds[i]! <= thr / 2);
  // a request of the bucket (bounds[i-1], bounds[i]] is recorded with bound bounds[i]
  const R = busyRate(a.minRequestRate * W);
  const run = (perMin: number, slow: boolean, start = T0) => {
    const fastBound = bounds[fastIdx ?? 0]!;
    const slowBound = bounds[slowIdx + 1]!;
    const h = histogramSeries(m, (t) => ({ n: perMin, boundMs: slow && t > start ? slowBound : fastBound }), L);
    const src = histogramSeries(m, (t) => ({ n: perMin, boundMs: slow && t > start ? slowBound : fastBound }), L, 'source');
    const p99 = (t: number) => {
      const bs = [...h.buckets.entries()].map(([le, v]) => ({ le, r: rateAt(v, t, W) }));
      if (bs.some((b) => b.r === undefined)) return undefined;
      const total = rateAt(h.count, t, W)!;
      return {
        p99:
          bucketQuantile(
            0.99,
            bs.map((b) => ({ le: b.le, count: b.r! })),
          ) / 1000,
        total,
      };
    };
    return { series: [...h.series, ...src.series.filter((s) => s.labels.__name__ === ISTIO_METRICS.requests)], p99 };
  };
  if (slowIdx >= 0) {
    out.push(
      ...rateIncident(ctx, T0, (start) => {
        const { series, p99 } = run(R * 60, true, start);
        return {
          name: `requests ${start ? 'slow down' : 'are'} in the (${bounds[slowIdx]}, ${bounds[slowIdx + 1]}] ms bucket from minute ${start}`,
          alert: 'HighRequestLatency',
          series,
          length: L,
          labels: svcLabels(m),
          value: aboveWithTraffic(p99, (r) => r.p99, a.p99Seconds, a.minRequestRate),
        };
      }),
    );
    if (a.minRequestRate > 0)
      out.push(
        silentCase(
          `HighRequestLatency: low-traffic guard, all requests slow at ${fmt(a.minRequestRate / 2)} req/s`,
          ['HighRequestLatency'],
          run((a.minRequestRate / 2) * 60, true).series,
          L,
        ),
      );
  }
  if (fastIdx !== undefined)
    out.push(silentCase('HighRequestLatency: silent when requests are fast', ['HighRequestLatency'], run(R * 60, false).series, L));
  out.push(silentCase('HighRequestLatency: silent when the service gets no traffic', ['HighRequestLatency'], run(0, false).series, L));
  out.push(silentCase('HighRequestLatency: silent with missing data', ['HighRequestLatency'], [], L));
  return out;
}
