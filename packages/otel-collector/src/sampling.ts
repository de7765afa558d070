// Tail-sampling policies: three mutually exclusive trace classes (ordinary, health checks, /metrics
// scrapes), each kept at its own percentage.
//
// Semantics of tailsamplingprocessor v0.161.0 (README "Policy Decision Flow", internal/sampling):
// every policy is evaluated and the results are OR'd (any "sample" keeps the trace), a `drop`
// decision vetoes, and the inverted (invert_match) decisions are deprecated. So each class gets
// one `and` policy = "belongs to this class" AND "probabilistic(p)". The classes do not overlap,
// so exactly one policy can keep a trace and the kept share of every class is exactly its
// percentage, whatever the policy order. The probabilistic policy hashes the trace id, so all
// spans of a trace get the same decision on every collector.
import type { MeshobsConfig } from '@meshobs/config';
import { SAMPLING_POLICIES } from '@meshobs/signals';

/**
 * Span attributes that carry the request path. Node's HTTP instrumentation sets `url.path`
 * (semconv >= 1.23), `http.target` (older semconv, may include the query) and `http.route`;
 * Envoy (Istio's opentelemetry and zipkin providers) sets only `http.url`, the full URL with
 * scheme and host, as does `url.full` in current semconv.
 */
export const PATH_ATTRIBUTES = ['url.path', 'http.target', 'http.route'] as const;
export const URL_ATTRIBUTES = ['http.url', 'url.full'] as const;

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** OTTL conditions (OR'd by the processor) matching a span whose request path is one of `paths`. */
export function pathConditions(paths: string[]): string[] {
  const alt = paths.map(escapeRegex).join('|');
  // Path attributes: the path itself, optionally followed by a query or fragment.
  const pathRe = `^(${alt})([?#].*)?$`;
  // Full URLs: scheme://authority then the path; the authority may not contain "/", "?" or "#".
  const urlRe = `^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*(${alt})([?#].*)?$`;
  const q = (re: string) => JSON.stringify(re);
  return [
    ...PATH_ATTRIBUTES.map((a) => `IsMatch(span.attributes[${JSON.stringify(a)}], ${q(pathRe)})`),
    ...URL_ATTRIBUTES.map((a) => `IsMatch(span.attributes[${JSON.stringify(a)}], ${q(urlRe)})`),
  ];
}

type Policy = Record<string, unknown>;

const matches = (name: string, paths: string[]): Policy => ({
  name,
  type: 'ottl_condition',
  ottl_condition: { error_mode: 'ignore', span: pathConditions(paths) },
});
const not = (name: string, sub: Policy): Policy => ({ name, type: 'not', not: { not_sub_policy: sub } });
const probabilistic = (name: string, percent: number): Policy => ({
  name,
  type: 'probabilistic',
  probabilistic: { sampling_percentage: percent },
});
const and = (name: string, subs: Policy[]): Policy => ({ name, type: 'and', and: { and_sub_policy: subs } });

/** The `policies` list of the tail_sampling processor. A class at 0% gets no policy at all. */
export function samplingPolicies(config: MeshobsConfig): Policy[] {
  const s = config.tracing.sampling;
  const special = [...s.healthCheckPaths, ...s.metricsPaths];
  const policies: Policy[] = [];
  if (s.defaultPercent > 0)
    policies.push(
      and(SAMPLING_POLICIES.ordinary, [
        not('not-health-or-metrics', matches('health-or-metrics-path', special)),
        probabilistic('ordinary-share', s.defaultPercent),
      ]),
    );
  if (s.healthCheckPercent > 0)
    policies.push(
      and(SAMPLING_POLICIES.healthCheck, [
        matches('health-check-path', s.healthCheckPaths),
        // A trace touching both a health check and /metrics counts as a /metrics trace.
        not('not-metrics', matches('metrics-path-in-health-trace', s.metricsPaths)),
        probabilistic('health-check-share', s.healthCheckPercent),
      ]),
    );
  if (s.metricsPercent > 0)
    policies.push(
      and(SAMPLING_POLICIES.metrics, [matches('metrics-path', s.metricsPaths), probabilistic('metrics-share', s.metricsPercent)]),
    );
  return policies;
}

/** The tail_sampling processor block. */
export function tailSamplingProcessor(config: MeshobsConfig): Record<string, unknown> {
  const t = config.tracing.tailSampling;
  return {
    decision_wait: t.decisionWait,
    num_traces: t.numTraces,
    expected_new_traces_per_sec: t.expectedNewTracesPerSec,
    // Remember decisions (trace ids only) after the spans left memory, so late spans of a kept
    // trace are kept too and late spans of a dropped trace are dropped.
    decision_cache: { sampled_cache_size: t.numTraces * 2, non_sampled_cache_size: t.numTraces * 2 },
    policies: samplingPolicies(config),
  };
}
