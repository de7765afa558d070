// The recording-rule families of the views of Istio's dashboards, one rule group each (Prometheus
// evaluates groups concurrently; a group's rules only read rules above them in the same group).
import type { MeshobsConfig } from '@meshobs/config';
import type { RecordingRule } from '../recording-rules.ts';
import { clientRecordingRules } from './client.ts';
import { controlPlaneRecordingRules } from './control-plane.ts';
import { sizeRecordingRules } from './sizes.ts';

export { CONFIG_SIZE_QUANTILES } from './control-plane.ts';

/**
 * Evaluation interval of the view families that read a raw histogram and feed no alert (client-side
 * latency, body sizes): once a minute, so each costs a quarter of a 15 s cycle. Their panels show
 * 5 m rates, which a 1 m step still resolves; kubernetes-mixin's apiserver availability rules set
 * `interval: 3m` for the same reason. Alerts read only groups at the global interval.
 */
export const VIEW_INTERVAL = '1m';

/** `meshobs.istio.<family>` groups, in a fixed order. */
export function istioViewGroups(config: MeshobsConfig): Array<{ name: string; interval?: string; rules: RecordingRule[] }> {
  const w = config.alerts.window;
  return [
    { name: 'meshobs.istio.client', interval: VIEW_INTERVAL, rules: clientRecordingRules(w) },
    { name: 'meshobs.istio.sizes', interval: VIEW_INTERVAL, rules: sizeRecordingRules(w) },
    { name: 'meshobs.istio.control-plane', rules: controlPlaneRecordingRules(config, w) },
  ];
}
