// Loads the synthetic mesh into a real Prometheus, runs every query of the given dashboards and writes
// one static HTML page per dashboard. The dashboards must be built from the test mesh's config.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { evaluateDashboard } from '../evaluate.ts';
import { config, loadTestMesh, MESH_SIZE, NO_DATA_ON_A_HEALTHY_MESH } from '../test-mesh.ts';
import { previewHtml, previewModel } from './html.ts';

/** Writes `<outDir>/<uid>.html` for each dashboard; returns the files written. */
export async function writePreview(outDir: string, dashboards: Dashboard[]): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  const prom = await loadTestMesh();
  try {
    const files: string[] = [];
    for (const d of dashboards) {
      const e = await evaluateDashboard(d, prom, config);
      const vars = e.variables.map((v) => `$${v.name}=${v.chosen}`).join(', ');
      const subtitle = `Preview on a synthetic mesh (${prom.stats.series} series, ${MESH_SIZE.spanSeconds / 60} min at 15 s) in a real Prometheus; step ${e.step}s, $__rate_interval=${e.rateInterval}${vars ? `; ${vars}` : ''}`;
      const file = join(outDir, `${d.uid}.html`);
      writeFileSync(file, previewHtml(d, previewModel(d, e, NO_DATA_ON_A_HEALTHY_MESH), subtitle));
      files.push(file);
    }
    return files;
  } finally {
    await prom.stop();
  }
}
