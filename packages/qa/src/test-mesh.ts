// The synthetic mesh every real-Prometheus check of the dashboards (and the preview) runs on.

import { rulesYaml as rulesFile } from '@meshobs/alerts';
import { configSchema, type MeshobsConfig } from '@meshobs/config';
import { resolveModel } from '@meshobs/model';
import { ISTIOD_METRICS } from '@meshobs/signals';
import { buildMesh, type LoadedMesh, loadMesh } from '@meshobs/synthetic-mesh';

/** The demo's config: podinfo with stable and canary at 90/10, as the synthetic mesh's first service is. */
export const config: MeshobsConfig = configSchema.parse({ demo: { enabled: true } });

/**
 * The last sample of every test mesh: a fixed instant, never the clock, so every run loads the same
 * samples at the same timestamps. 00:10 UTC: the 25 minutes cross a 2 h boundary, where promtool cuts
 * both the data and the backfilled rules into two blocks.
 */
export const END_SECONDS = Date.UTC(2026, 0, 1, 0, 10) / 1000;

/** Several namespaces and services, stable and canary, both reporters, 2xx/4xx/5xx, 25 minutes at 15 s. */
export const MESH_SIZE = {
  endSeconds: END_SECONDS,
  namespaces: 2,
  servicesPerNamespace: 2,
  podsPerVersion: 2,
  sourcesPerService: 3,
  spanSeconds: 25 * 60,
  // Istio exports the body-size histograms by default; the service dashboard reads them.
  sizeHistograms: true,
};

/** The bundle's rules.yml for a config: its model's rule groups. */
export const rulesYaml = (c: MeshobsConfig = config): string => rulesFile(resolveModel(c).ruleGroups);

/** Loads the mesh and the bundle's recording rules into a real Prometheus on 127.0.0.1. */
export async function loadTestMesh(): Promise<LoadedMesh> {
  const mesh = buildMesh({ ...MESH_SIZE, istioVersion: `${config.istio.version}.0` });
  return loadMesh(mesh, { rulesYaml: rulesYaml() });
}

/**
 * Queries that legitimately return nothing on a healthy mesh, keyed "<uid>/<panel>/<refId>", with
 * the reason. A listed query that does return data fails the test, so this list cannot go stale.
 */
export const NO_DATA_ON_A_HEALTHY_MESH: Record<string, string> = {
  'meshobs-mesh-overview/Firing meshobs alerts/A':
    'ALERTS exists only while an alert is pending or firing; a healthy mesh fires none (and promtool does not backfill alerting rules).',
  'meshobs-mesh-overview/Traffic the edge blocks/A':
    'A healthy mesh sends nothing to the BlackHoleCluster: the series exists only once a call to an unlisted host is refused (REGISTRY_ONLY).',
  'meshobs-mesh-overview/Traffic the edge blocks/B': 'As A, for TCP connections.',
  'meshobs-mesh-overview/Traffic the edge blocks/C': 'A healthy mesh has no ext_authz denial (response flag UAEX) at its gateways.',
  'meshobs-mesh-overview/xDS errors and rejects/A': `istiod creates ${ISTIOD_METRICS.pushes}{type=~".*_senderr"} only after the first failed push; the other two targets of the panel have data.`,
};
