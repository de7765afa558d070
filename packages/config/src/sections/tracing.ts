import { z } from 'zod';
import { image } from '../image.ts';
import { between, dnsLabel, duration, percent, replicas, resources } from '../primitives.ts';

const urlPath = () =>
  z
    .string({ error: 'must be a URL path string' })
    .regex(/^\/[A-Za-z0-9._~/-]*$/, { error: 'is not a URL path such as "/healthz" (no quotes, spaces or query)' });

export const tracing = z
  .strictObject({
    /** Which traces tail sampling keeps. */
    sampling: z
      .strictObject({
        /** Percent of ordinary traces kept by tail sampling. */
        defaultPercent: percent().default(100),
        /** Percent of health-check traces kept. */
        healthCheckPercent: percent().default(10),
        /** Percent of /metrics scrape traces kept. */
        metricsPercent: percent().default(1),
        /** URL paths of health checks: their traces are kept at healthCheckPercent. */
        healthCheckPaths: z.array(urlPath()).min(1).default(['/healthz', '/readyz', '/health', '/livez']),
        /** URL paths of metrics scrapes: their traces are kept at metricsPercent. */
        metricsPaths: z.array(urlPath()).min(1).default(['/metrics']),
      })
      .prefault({}),
    /** The tail sampling processor's memory: how long and how many traces it holds. */
    tailSampling: z
      .strictObject({
        /** How long spans of a trace are held before the sampling decision (held in memory: bounded). */
        decisionWait: duration({ positive: true, max: '5m' }).default('10s'),
        /** Traces held in memory while waiting for their decision (tail_sampling num_traces). */
        numTraces: between(1000, 10_000_000, { int: true }).default(50_000),
        /** New traces per second the sampler sizes its buffers for (tail_sampling expected_new_traces_per_sec). */
        expectedNewTracesPerSec: between(1, 1_000_000, { int: true }).default(1000),
      })
      .prefault({}),
    /** The OpenTelemetry Collector: its mode, size and image. */
    collector: z
      .strictObject({
        /** Name of the collector's workloads and Service. */
        name: dnsLabel().default('otel-collector'),
        /**
         * two-tier (default): a load_balancing tier routes every span by trace id to one instance of a sampling
         * StatefulSet, so tail sampling sees whole traces at any scale. single: one Deployment receives and samples;
         * it must stay at one replica (replicas behind a Service split a trace across instances), so it is bounded
         * by the throughput of one collector (docs/performance.md).
         */
        mode: z.enum(['single', 'two-tier'], { error: 'must be "single" or "two-tier"' }).default('two-tier'),
        /** Overrides the pinned collector image (IMAGES in packages/kube, which cites where each tag was confirmed). */
        image: image({ tagOnly: true }).optional(),
        /**
         * Replicas of the receiving Deployment (autoscaled when min < max). two-tier: the load-balancing tier,
         * default 2–5. single: the one sampling instance, default and only allowed value 1–1.
         */
        replicas: z
          .strictObject({
            /** Fewest replicas of the receiving Deployment. */
            min: replicas().optional(),
            /** Most replicas of the receiving Deployment. */
            max: replicas().optional(),
          })
          .optional(),
        /** Sampling-tier size in two-tier mode. */
        samplerReplicas: between(1, 100, { int: true }).default(3),
        /** Requests and limits of each collector container. */
        resources: resources({ requests: { cpu: '200m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } }),
        /** memory_limiter limit as a share of the container memory limit. */
        memoryLimitPercent: between(10, 95).default(80),
        /** memory_limiter spike allowance as a share of the container memory limit. */
        memorySpikePercent: between(5, 50).default(20),
        /** Batches the Jaeger exporter's sending queue holds while Jaeger is unreachable (retried with backoff). */
        sendingQueueSize: between(10, 1_000_000, { int: true }).default(5000),
        /** zpages and pprof extensions (bound to localhost in the pod, for kubectl port-forward debugging). */
        debugExtensions: z.boolean({ error: 'must be true or false' }).default(false),
      })
      .superRefine((c, ctx) => {
        const r = collectorReplicas(c.mode, c.replicas);
        if (r.min > r.max)
          ctx.addIssue({ code: 'custom', path: ['replicas', 'min'], input: r.min, message: `is greater than max (${r.max})` });
        else if (c.mode === 'single' && r.max > 1)
          ctx.addIssue({
            code: 'custom',
            path: ['replicas', 'max'],
            input: r.max,
            message:
              'is more than one replica in single mode: tail sampling needs every span of a trace on one ' +
              'collector, and replicas behind a Service split traces across instances; to scale use mode: two-tier ' +
              '(trace-id load balancing in front of the samplers), or set replicas: { min: 1, max: 1 }',
          });
      })
      .transform((c) => ({ ...c, replicas: collectorReplicas(c.mode, c.replicas) }))
      .prefault({}),
    /** Envoy access logs are written only for responses with at least this status. */
    accessLogMinStatus: between(100, 599, { int: true }).default(400),
  })
  .prefault({})
  .superRefine((t, ctx) => {
    const overlap = t.sampling.healthCheckPaths.filter((p) => t.sampling.metricsPaths.includes(p));
    if (overlap.length)
      ctx.addIssue({ code: 'custom', path: ['sampling', 'metricsPaths'], input: overlap[0], message: 'is also a health-check path' });
  });

/** Replica range of the receiving Deployment, with the defaults of its mode filled in. */
function collectorReplicas(mode: 'single' | 'two-tier', r: { min?: number; max?: number } | undefined): { min: number; max: number } {
  if (mode === 'single') {
    const min = r?.min ?? 1;
    return { min, max: r?.max ?? min };
  }
  return { min: r?.min ?? 2, max: r?.max ?? 5 };
}
