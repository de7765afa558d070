// EdgeTlsHandshakeFailures: the share of failed TLS handshakes at an ingress gateway listener, with the
// series the ingress gateway's pods export (packages/signals edge-tls.ts: envoy_listener_ssl_handshake and
// envoy_listener_ssl_connection_error by listener_address, Envoy counters without `_total`; the names and the
// label checked on the real Envoy by packages/istio/test/edge-tls.e2e.test.ts).
import { humanizePercentage } from '@meshobs/model';
import { ENVOY_LISTENER_METRICS, LISTENER_ADDRESS } from '@meshobs/signals';
import { busyRate, type Ctx, incidentShare, rateIncident, rateTimeline, silentCase } from '../cases.ts';
import { gatewayTarget, named } from '../mesh.ts';
import { failingFrom, fmt, type Series, type TestCase } from '../notation.ts';
import { rateAt, sumDefined } from '../simulator.ts';

/** The HTTPS listener of the gateway chart's pods (Gateway port 443 on targetPort 8443). */
const LISTENER = '0.0.0.0_8443';

export function edgeTls(ctx: Ctx): TestCase[] {
  const { m, W } = ctx;
  const a = ctx.config.alerts.edgeTlsHandshakeFailures;
  const ingress = m.gw.enabled.find((g) => g.kind === 'ingress');
  if (!ingress) return [];
  const { T0, L } = rateTimeline(W, a.for);
  const PODS = 2;
  /**
   * Two gateway pods, each completing `perSec / PODS` handshakes a second of which `share` fail from minute
   * `start` on (the failed ones counted as connection errors instead of handshakes).
   */
  const traffic = (share: number, perSec: number, start = T0) => {
    const { ok, err } = failingFrom((perSec / PODS) * 60, share, start, L);
    const series: Series[] = Array.from({ length: PODS }, (_, i) => [
      { labels: named(ENVOY_LISTENER_METRICS.sslHandshake, { ...gatewayTarget(m, ingress, i), [LISTENER_ADDRESS]: LISTENER }), values: ok },
      {
        labels: named(ENVOY_LISTENER_METRICS.sslConnectionError, { ...gatewayTarget(m, ingress, i), [LISTENER_ADDRESS]: LISTENER }),
        values: err,
      },
    ]).flat();
    return { ok, err, series };
  };
  const s = incidentShare(a.threshold, W);
  const R = busyRate(a.minHandshakeRate);
  const labels = { namespace: m.istioNs, istio: ingress.istioLabel, [LISTENER_ADDRESS]: LISTENER };
  const out: TestCase[] = [];
  if (s !== undefined)
    out.push(
      ...rateIncident(ctx, T0, (start) => {
        const t = traffic(s, R, start);
        return {
          name: `${ingress.deployment} fails ${humanizePercentage(s)} of ${R} TLS handshakes/s on ${LISTENER} from minute ${start}`,
          alert: 'EdgeTlsHandshakeFailures',
          series: t.series,
          length: L,
          labels,
          value: (at) => {
            const failed = rateAt(t.err, at, W);
            const all = sumDefined([rateAt(t.ok, at, W), failed]);
            if (failed === undefined || !all) return undefined;
            const share = failed / all;
            return share > a.threshold && all * PODS >= a.minHandshakeRate ? share : undefined;
          },
        };
      }),
    );
  out.push(
    silentCase(
      `EdgeTlsHandshakeFailures: silent below the threshold, ${humanizePercentage(a.threshold / 2)} of ${R} handshakes/s failing`,
      ['EdgeTlsHandshakeFailures'],
      traffic(a.threshold / 2, R).series,
      L,
    ),
    silentCase(
      'EdgeTlsHandshakeFailures: silent when the gateway gets no TLS traffic',
      ['EdgeTlsHandshakeFailures'],
      traffic(0, 0).series,
      L,
    ),
    silentCase('EdgeTlsHandshakeFailures: silent with missing data', ['EdgeTlsHandshakeFailures'], [], L),
  );
  if (a.minHandshakeRate > 0)
    out.push(
      silentCase(
        `EdgeTlsHandshakeFailures: low-traffic guard, a scanner failing every handshake at ${fmt(a.minHandshakeRate / 2)} handshakes/s`,
        ['EdgeTlsHandshakeFailures'],
        traffic(1, a.minHandshakeRate / 2).series,
        L,
      ),
    );
  return out;
}
