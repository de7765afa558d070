#!/usr/bin/env node
// synthetic-mesh: writes a synthetic Istio mesh as OpenMetrics (for promtool) or counts its series.
import { parseArgs } from 'node:util';
import { buildMesh, countSeries, writeOpenMetrics, writeOpenMetricsFile } from './mesh.ts';
import { type MeshSize, PRESETS } from './size.ts';

const USAGE = `usage: synthetic-mesh [options]
  --preset NAME              ${Object.keys(PRESETS).join(' | ')} (default small)
  --namespaces N             application namespaces
  --services N               services per namespace
  --pods N                   pods per service version
  --versions a:0.9,b:0.1     version labels and traffic weights
  --sources N                source workloads per service
  --codes 200,404,503        response codes
  --size-histograms          also emit request/response size histograms
  --span SECONDS             time span of the data (default 1800)
  --interval SECONDS         scrape interval (default 15)
  --end UNIX_SECONDS         last sample time (default: start of the current minute)
  --seed N
  --out FILE                 OpenMetrics output (default stdout)
  --count                    print the active series per family as JSON instead of writing data
`;

function sizeFromArgs(argv: string[]): { size: Partial<MeshSize>; out?: string; count: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      preset: { type: 'string' },
      namespaces: { type: 'string' },
      services: { type: 'string' },
      pods: { type: 'string' },
      versions: { type: 'string' },
      sources: { type: 'string' },
      codes: { type: 'string' },
      'size-histograms': { type: 'boolean' },
      span: { type: 'string' },
      interval: { type: 'string' },
      end: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      count: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const preset = values.preset ?? 'small';
  if (!(preset in PRESETS)) throw new Error(`unknown preset "${preset}"`);
  const int = (v: string | undefined, name: string) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got "${v}"`);
    return n;
  };
  const size: Partial<MeshSize> = { ...PRESETS[preset] };
  const set = <K extends keyof MeshSize>(k: K, v: MeshSize[K] | undefined) => {
    if (v !== undefined) size[k] = v;
  };
  set('namespaces', int(values.namespaces, 'namespaces'));
  set('servicesPerNamespace', int(values.services, 'services'));
  set('podsPerVersion', int(values.pods, 'pods'));
  set('sourcesPerService', int(values.sources, 'sources'));
  set('spanSeconds', int(values.span, 'span'));
  set('intervalSeconds', int(values.interval, 'interval'));
  set('endSeconds', int(values.end, 'end'));
  set('seed', int(values.seed, 'seed'));
  if (values['size-histograms']) size.sizeHistograms = true;
  if (values.codes) size.responseCodes = values.codes.split(',').map((c) => int(c, 'codes')!);
  if (values.versions)
    size.versions = values.versions.split(',').map((v) => {
      const [name, weight] = v.split(':');
      return { name: name!, weight: int(weight ?? '1', 'versions')! };
    });
  return { size, out: values.out, count: values.count ?? false };
}

async function main() {
  const { size, out, count } = sizeFromArgs(process.argv.slice(2));
  const mesh = buildMesh(size);
  if (count) {
    process.stdout.write(`${JSON.stringify(countSeries(mesh), null, 2)}\n`);
    return;
  }
  const stats = out ? await writeOpenMetricsFile(mesh, out) : await writeOpenMetrics(mesh, process.stdout);
  process.stderr.write(
    `${stats.series} series, ${stats.samples} samples, ${(stats.bytes / 1e6).toFixed(1)} MB, ${stats.startSeconds}..${stats.endSeconds}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`synthetic-mesh: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
