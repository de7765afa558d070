// The recording-rule families of the views of Istio's dashboards, one rule group each (Prometheus
// evaluates groups concurrently; a group's rules only read rules above them in the same group).
import type { MeshobsConfig } from '@meshobs/config';
import type { RecordingRule } from '../recording-rules.ts';
import { clientRecordingRules } from './client.ts';
import { controlPlaneRecordingRules } from './control-plane.ts';
import { sizeRecordingRules } from './sizes.ts';

export { CONFIG_SIZE_QUANTILES } from './control-plane.ts';

/** `meshobs.istio.<family>` groups, in a fixed order. */
export function istioViewGroups(config: MeshobsConfig): Array<{ name: string; rules: RecordingRule[] }> {
  const w = config.alerts.window;
  return [
    { name: 'meshobs.istio.client', rules: clientRecordingRules(w) },
    { name: 'meshobs.istio.sizes', rules: sizeRecordingRules(w) },
    { name: 'meshobs.istio.control-plane', rules: controlPlaneRecordingRules(config, w) },
  ];
}
