// npm run preview: loads the synthetic mesh into a real Prometheus, runs every dashboard query and
// writes one static HTML page per dashboard (default .preview/ in this package).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { evaluateDashboard } from '../evaluate.ts';
import { buildDashboards } from '../render.ts';
import { previewHtml, previewModel } from './html.ts';
import { config, loadTestMesh, MESH_SIZE, NO_DATA_ON_A_HEALTHY_MESH } from './mesh.ts';

export async function writePreview(outDir: string): Promise<string[]> {
  mkdirSync(outDir, { recursive: true });
  const prom = await loadTestMesh();
  try {
    const files: string[] = [];
    for (const d of buildDashboards(config)) {
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

if (import.meta.main) {
  const { values } = parseArgs({ options: { out: { type: 'string', default: '.preview' } } });
  const files = await writePreview(resolve(values.out!));
  for (const f of files) console.log(f);
}
