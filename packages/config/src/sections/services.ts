import { z } from 'zod';
import { between, dnsLabel, k8sLabelValue, percent, port, ratio, replicaRange, uniqueBy } from '../primitives.ts';

/** An SLO objective: below 1, since a 100 % objective leaves no error budget to burn (every error pages). */
const sloTarget = () => ratio().refine((v) => v < 1, { error: 'must be below 1 (100 % leaves no error budget)' });

export const service = z
  .strictObject({
    /** Name of the service as Istio's metrics report it (destination_service_name); required. */
    name: dnsLabel(),
    /** Namespace of the service. */
    namespace: dnsLabel().default('podinfo'),
    /** Port the service listens on. */
    port: port().default(9898),
    /** `version` pod label of the stable subset. */
    stableVersion: k8sLabelValue().default('stable'),
    /** `version` pod label of the canary subset. */
    canaryVersion: k8sLabelValue().default('canary'),
    /** Share of traffic (percent) routed to the canary subset; the stable subset gets the rest. */
    canaryWeight: percent().default(10),
    /** Replica range of the demo workloads of this service (the stable subset; the canary scales from 1 to max). */
    replicas: replicaRange(2, 5),
    /** Per-service SLO targets used by the optional burn-rate alerts. */
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
  .superRefine((s, ctx) => {
    if (s.stableVersion === s.canaryVersion)
      ctx.addIssue({ code: 'custom', path: ['canaryVersion'], input: s.canaryVersion, message: 'must differ from stableVersion' });
  });

export const services = z
  .array(service, { error: 'must be a list of services' })
  .min(1, { error: 'must list at least one service' })
  .prefault([{ name: 'podinfo' }])
  .superRefine(uniqueBy((s: { namespace: string; name: string }) => `${s.namespace}/${s.name}`, 'the namespace/name'));
