// istiod internals and the Istio component versions: the "Memory Allocations", "Push Size",
// "Validation" and "Injection" panels of Istio's Control Plane dashboard and the "Istio Component
// Versions" of its Mesh dashboard (istio/istio manifests/addons/dashboards/pilot-dashboard.gen.json,
// istio-mesh-dashboard.gen.json). The families are small (a few series per istiod pod), so one rule
// each; push-size quantiles are roll-ups of the recorded bucket rate.
import type { MeshobsConfig } from '@meshobs/config';
import { aggregate, histogramQuantile, jobMatcher, LEVELS, ISTIOD_METRICS as M, recordNames, selector, sumRate } from '@meshobs/signals';
import type { RecordingRule } from '../recording-rules.ts';

/** Quantiles of the xDS push size (bytes). */
export const CONFIG_SIZE_QUANTILES = ['0.5', '0.99'] as const;

export function controlPlaneRecordingRules(config: Pick<MeshobsConfig, 'prometheus'>, window: string): RecordingRule[] {
  const n = recordNames(window);
  const job = jobMatcher(config, 'istiod');
  const L = LEVELS;
  return [
    { record: n.istiodAllocBytesRate, expr: sumRate(M.allocBytes, window, L.istiod_pod, job) },
    { record: n.istiodMallocsRate, expr: sumRate(M.mallocs, window, L.istiod_pod, job) },
    { record: n.configSizeBucketRate, expr: sumRate(M.configSizeBucket, window, [...L.control_plane, 'le'], job) },
    ...CONFIG_SIZE_QUANTILES.map((q) => ({
      record: n.configSizeQuantile,
      expr: histogramQuantile(q, n.configSizeBucketRate),
      labels: { quantile: q },
    })),
    { record: n.validationPassedRate, expr: sumRate(M.validationPassed, window, L.control_plane, job) },
    { record: n.validationFailedRate, expr: sumRate(M.validationFailed, window, L.control_plane, job) },
    { record: n.injectionSuccessRate, expr: sumRate(M.injectionSuccess, window, L.control_plane, job) },
    { record: n.injectionFailureRate, expr: sumRate(M.injectionFailure, window, L.control_plane, job) },
    // Every component that reports its build (istiod as "pilot", proxies, ztunnel), whatever the job.
    { record: n.componentVersions, expr: aggregate('sum', L.component_tag, selector(M.build)) },
  ];
}
