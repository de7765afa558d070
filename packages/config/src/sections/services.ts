import { z } from 'zod';
import { between, dnsLabel, k8sLabelValue, labelValue, port, ratio, uniqueBy } from '../primitives.ts';

/** An SLO objective: below 1, since a 100 % objective leaves no error budget to burn (every error pages). */
const sloTarget = () => ratio().refine((v) => v < 1, { error: 'must be below 1 (100 % leaves no error budget)' });

/** One deployed version of a service and its share of the service's traffic. */
export const serviceVersion = z.strictObject({
  /** The `version` pod label of this version's pods, as Istio reports it (destination_version). */
  name: k8sLabelValue(),
  /** Percent of the service's traffic this version receives (an integer); the versions' weights sum to 100. */
  weight: between(0, 100, { int: true }),
});

/** Weights that sum to 100 and names that differ. */
export const checkVersions = (
  versions: { name: string; weight: number }[] | undefined,
  ctx: z.RefinementCtx,
  path: (string | number)[],
) => {
  if (!versions) return;
  const sum = versions.reduce((a, v) => a + v.weight, 0);
  if (sum !== 100)
    ctx.addIssue({
      code: 'custom',
      path,
      input: undefined,
      message: `has weights that sum to ${sum}, not 100 (${versions.map((v) => `${v.name}: ${v.weight}`).join(', ')})`,
    });
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    if (seen.has(v.name)) ctx.addIssue({ code: 'custom', path: [...path, i, 'name'], input: v.name, message: 'is listed twice' });
    seen.add(v.name);
  });
};

/** Per-service overrides of the per-service alerts' thresholds (alerts.high5xxErrorRate, alerts.highRequestLatency). */
const serviceAlerts = z
  .strictObject({
    /** This service's High5xxErrorRate threshold and traffic guard; unset values follow alerts.high5xxErrorRate. */
    high5xxErrorRate: z
      .strictObject({
        /** Share of requests (0–1) answered with 5xx above which the alert fires for this service. */
        threshold: ratio().optional(),
        /** Requests per second below which this service never pages. */
        minRequestRate: between(0, 1e6).optional(),
      })
      .optional(),
    /** This service's HighRequestLatency threshold and traffic guard; unset values follow alerts.highRequestLatency. */
    highRequestLatency: z
      .strictObject({
        /** P99 latency in seconds above which the alert fires for this service. */
        p99Seconds: between(0.001, 600).optional(),
        /** Requests per second below which this service never pages. */
        minRequestRate: between(0, 1e6).optional(),
      })
      .optional(),
  })
  .optional();

export const service = z
  .strictObject({
    /** Name of the service as Istio's metrics report it (destination_service_name); required. */
    name: dnsLabel(),
    /** Namespace of the service (destination_service_namespace); required. */
    namespace: dnsLabel(),
    /** Port the service listens on: `meshobs verify` checks that its Kubernetes Service has it. */
    port: port().optional(),
    /**
     * The versions of the service and their traffic weights, e.g. [{ name: v1, weight: 50 }, { name: v2, weight: 30 },
     * { name: v3, weight: 20 }]. One version means no split. Unset: the dashboards show whatever versions the
     * metrics report, with no configured split.
     */
    versions: z.array(serviceVersion, { error: 'must be a list of versions' }).min(1).optional(),
    /** The team that owns the service: its alerts carry `team=<owner>` and go to that team's receiver (alertmanager.teams). */
    owner: labelValue().optional(),
    /** This service's own thresholds of the per-service alerts; everything unset follows the mesh-wide `alerts` section. */
    alerts: serviceAlerts,
    /** Per-service SLO targets of the burn-rate alerts (alerts.slo). */
    slo: z
      .strictObject({
        /** Share of requests (0–1, below 1) that must not fail with 5xx over the SLO period. */
        availability: sloTarget().default(0.999),
        /** A request slower than this (seconds) counts against the latency SLO. */
        latencyThresholdSeconds: between(0.001, 60).default(0.5),
        /** Share of requests (0–1, below 1) that must be faster than latencyThresholdSeconds. */
        latencyTarget: sloTarget().default(0.99),
      })
      .prefault({}),
  })
  .superRefine((s, ctx) => checkVersions(s.versions, ctx, ['versions']));

export const services = z
  .array(service, { error: 'must be a list of services' })
  .default([])
  .superRefine(uniqueBy((s: { namespace: string; name: string }) => `${s.namespace}/${s.name}`, 'the namespace/name'));
