// The labels the OpenTelemetry Operator puts on the pods of an OpenTelemetryCollector, so the bundle's
// own Services, NetworkPolicies and Istio policies select them when the profile runs the collector
// through the Operator. Upstream: open-telemetry/opentelemetry-operator v0.158.0,
// internal/manifests/manifestutils/labels.go (SelectorLabels: the pods' selector, also set on the pod
// template by Labels) with component "opentelemetry-collector" (internal/manifests/collector/collector.go),
// and internal/naming/triming.go (Truncate, ported below).
import type { MeshobsConfig } from '@meshobs/config';

export const OPERATOR_COMPONENT = 'opentelemetry-collector';

/** Does the profile run the collector through the OpenTelemetry Operator (profile.operators.opentelemetry)? */
export const runsOnOperator = (config: MeshobsConfig) => config.profile.operators.opentelemetry;

/**
 * naming.Truncate("%s.%s", 63, namespace, name): the excess is cut from the first value that is long
 * enough (the namespace first), then non-alphanumeric characters are trimmed from both ends.
 */
export function operatorInstanceLabel(namespace: string, name: string): string {
  const values = [namespace, name];
  let excess = `${namespace}.${name}`.length - 63;
  if (excess > 0)
    for (let i = 0; i < values.length && excess > 0; i++) {
      const s = values[i]!;
      if (s.length > excess) {
        values[i] = s.slice(0, s.length - excess);
        excess = 0;
      } else {
        values[i] = '';
        excess -= s.length;
      }
    }
  let out = `${values[0]}.${values[1]}`;
  if (out.length > 63) return out.slice(0, 63);
  out = out.replace(/[^A-Za-z0-9]+$/, '').replace(/^[^A-Za-z0-9]+/, '');
  return out;
}

/** The selector labels of the pods the Operator runs for the OpenTelemetryCollector `crName`. */
export function operatorPodSelector(config: MeshobsConfig, crName: string): Record<string, string> {
  return {
    'app.kubernetes.io/managed-by': 'opentelemetry-operator',
    'app.kubernetes.io/instance': operatorInstanceLabel(config.namespaces.observability, crName),
    'app.kubernetes.io/part-of': 'opentelemetry',
    'app.kubernetes.io/component': OPERATOR_COMPONENT,
  };
}
