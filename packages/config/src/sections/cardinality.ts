import { z } from 'zod';

const flag = () => z.boolean({ error: 'must be true or false' }).default(false);

/**
 * Cardinality profile: cuts raw Istio series where they are born, each setting opt-in. What a
 * setting removes is never listed by hand: it is derived from the PromQL of the bundle's alerts,
 * recording rules and panels for this config, and of Kiali's own graph and metrics queries when
 * `kiali.enabled` (packages/signals cardinality.ts, kiali-reads.ts), so a setting only ever removes
 * what none of them reads. Every setting is off by default: the bundle then leaves Istio's series as
 * they are.
 */
export const cardinality = z
  .strictObject({
    /**
     * Remove the Istio standard labels (tags) that no alert, recording rule or panel reads, at the
     * proxies: a `metrics` override with tagOverrides `operation: REMOVE` on ALL_METRICS in the
     * mesh-wide Telemetry, then one override per metric and side (CLIENT / SERVER) for the labels no
     * read of that metric on that side needs (the server-side latency histogram is read per
     * destination only, so its caller and response-code labels go). Envoy then aggregates the series
     * that differed only in those labels. With Kiali in the bundle, the labels its graph and metrics
     * pages read (canonical service, principals, request_protocol, ...) are kept.
     */
    removeUnreadIstioLabels: flag(),
    /**
     * Drop, at scrape time (metricRelabelings `action: drop` on the Envoy PodMonitor, or
     * metric_relabel_configs of the plain scrape job), the Istio standard metrics no alert,
     * recording rule or panel reads at all (e.g. the request and response size histograms).
     */
    dropUnreadIstioMetrics: flag(),
    /**
     * Drop, at scrape time, the series of a read Istio metric that one reporter reports and no
     * query selects (e.g. the client-side, reporter="source", duration buckets when every latency
     * view reads the server side through the recording rules).
     */
    dropUnreadReporterSeries: flag(),
  })
  .prefault({});
