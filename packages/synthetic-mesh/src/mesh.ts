// The whole synthetic mesh: every metric family, in a fixed order, streamed as OpenMetrics text.

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { istiodFamilies, kubernetesFamilies } from './controlplane.ts';
import { envoyClusterFamilies, envoyListenerTlsFamilies, istioHttpFamilies, istioTcpFamilies } from './istio.ts';
import type { Family } from './series.ts';
import { type MeshSize, meshSize } from './size.ts';
import { type Topology, topology } from './topology.ts';
import { collectorFamilies, spanMetricsFamilies } from './tracing.ts';

export interface Mesh {
  size: MeshSize;
  topology: Topology;
  /** First and last sample time, Unix seconds. */
  startSeconds: number;
  endSeconds: number;
  families: Family[];
}

export function buildMesh(overrides: Partial<MeshSize> = {}): Mesh {
  const size = meshSize(overrides);
  const endSeconds = size.endSeconds ?? Math.floor(Date.now() / 60_000) * 60;
  const steps = Math.floor(size.spanSeconds / size.intervalSeconds);
  const startSeconds = endSeconds - steps * size.intervalSeconds;
  const topo = topology(size);
  const families = [
    ...istioHttpFamilies(size, topo),
    ...istioTcpFamilies(size, topo),
    ...envoyClusterFamilies(size, topo),
    ...envoyListenerTlsFamilies(size, topo),
    ...istiodFamilies(size, topo, endSeconds, endSeconds - startSeconds),
    ...kubernetesFamilies(size, topo),
    ...spanMetricsFamilies(size, topo),
    ...collectorFamilies(size, topo),
  ];
  return { size, topology: topo, startSeconds, endSeconds, families };
}

/** Active series of the mesh, per family and in total (generates label sets only, no samples). */
export function countSeries(mesh: Mesh): { total: number; byFamily: Record<string, number> } {
  const byFamily: Record<string, number> = {};
  let total = 0;
  for (const f of mesh.families) {
    let n = 0;
    for (const _ of f.series()) n++;
    byFamily[f.name] = n;
    total += n;
  }
  return { total, byFamily };
}

export interface WriteStats {
  series: number;
  samples: number;
  bytes: number;
  startSeconds: number;
  endSeconds: number;
}

/** A sample value as written: three decimals. */
export const roundSample = (v: number) => Math.round(v * 1000) / 1000;
const CHUNK_BYTES = 1 << 20;

/**
 * Writes the mesh as OpenMetrics text with explicit timestamps (what `promtool tsdb
 * create-blocks-from openmetrics` reads): family by family, series by series, samples in time
 * order. Memory stays flat: one chunk is buffered at a time and back-pressure is honoured.
 */
export async function writeOpenMetrics(mesh: Mesh, out: Writable): Promise<WriteStats> {
  const { intervalSeconds } = mesh.size;
  const steps = Math.round((mesh.endSeconds - mesh.startSeconds) / intervalSeconds) + 1;
  let buffer = '';
  let bytes = 0;
  let series = 0;
  const flush = async () => {
    bytes += Buffer.byteLength(buffer);
    if (!out.write(buffer)) await once(out, 'drain');
    buffer = '';
  };
  for (const family of mesh.families) {
    buffer += `# HELP ${family.name} ${family.help}\n# TYPE ${family.name} ${family.type}\n`;
    for (const s of family.series()) {
      series++;
      const prefix = `${s.name + s.labels} `;
      for (let i = 0; i < steps; i++) {
        const dt = i * intervalSeconds;
        buffer += `${prefix + roundSample(s.value(dt))} ${mesh.startSeconds + dt}\n`;
      }
      if (buffer.length > CHUNK_BYTES) await flush();
    }
  }
  buffer += '# EOF\n';
  await flush();
  return { series, samples: series * steps, bytes, startSeconds: mesh.startSeconds, endSeconds: mesh.endSeconds };
}

export async function writeOpenMetricsFile(mesh: Mesh, path: string): Promise<WriteStats> {
  const out = createWriteStream(path);
  const stats = await writeOpenMetrics(mesh, out);
  out.end();
  await once(out, 'finish');
  return stats;
}
