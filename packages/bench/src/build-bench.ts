// §5: `meshobs build` for the example config and for generated 50/500/5,000-service configs (the
// whole CLI process, as a user runs it), and cold vs cached `npm run build` through turbo.
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, tempDir } from '@meshobs/testkit';
import { stringify } from 'yaml';
import { median, seconds, table } from './stats.ts';

const NAMESPACES = 10;

/** A valid config with `n` services spread over ten namespaces, stable and canary each. */
export function generatedConfig(n: number): Record<string, unknown> {
  const namespaces = Array.from({ length: Math.min(NAMESPACES, n) }, (_, i) => `team-${i}`);
  return {
    namespaces: { injected: [...namespaces, 'observability'] },
    services: Array.from({ length: n }, (_, i) => ({
      name: `svc-${String(i).padStart(4, '0')}`,
      namespace: namespaces[i % namespaces.length],
      versions: [
        { name: 'stable', weight: 90 },
        { name: 'canary', weight: 10 },
      ],
    })),
  };
}

interface Run {
  code: number | null;
  seconds: number;
  output: string;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, seconds: (performance.now() - t0) / 1000, output });
    });
  });
}

const cli = (config: string, out: string) =>
  run(process.execPath, [join(REPO_ROOT, 'packages/cli/src/main.ts'), 'build', '--config', config, '--out', out], 600_000);

export interface BuildBenchOptions {
  log: (line: string) => void;
  sizes?: number[];
  repeats?: number;
  turbo?: boolean;
}

export async function benchBuild(o: BuildBenchOptions): Promise<string> {
  const dir = tempDir('bench-build');
  const repeats = o.repeats ?? 3;
  const rows: (string | number)[][] = [];
  const points: { n: number; s: number }[] = [];
  try {
    const cases: { label: string; n: number; file: string }[] = [
      { label: 'example (meshobs.config.ts)', n: 1, file: join(REPO_ROOT, 'meshobs.config.ts') },
    ];
    for (const n of o.sizes ?? [50, 500, 5000]) {
      const file = join(dir, `services-${n}.yaml`);
      writeFileSync(file, stringify(generatedConfig(n)));
      cases.push({ label: `${n.toLocaleString('en-US')} services (generated YAML)`, n, file });
    }
    for (const c of cases) {
      const times: number[] = [];
      for (let i = 0; i < repeats; i++) {
        const r = await cli(c.file, join(dir, `out-${c.n}`));
        if (r.code !== 0) throw new Error(`meshobs build ${c.label} exited with ${r.code}:\n${r.output.slice(-2000)}`);
        times.push(r.seconds);
      }
      const s = median(times);
      if (c.n > 1) points.push({ n: c.n, s });
      o.log(`[build] ${c.label}: ${s.toFixed(2)} s`);
      rows.push([c.label, seconds(s), c.n > 1 ? `${((s / c.n) * 1000).toFixed(2)} ms` : '']);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const parts = [table(['config', `median of ${repeats} (whole CLI process)`, 'per service'], rows), '', linearity(points)];
  if (o.turbo !== false) parts.push('', await turboBuild(o.log));
  return parts.join('\n');
}

/** Marginal cost per service between consecutive sizes; linear when it stays flat. */
export function linearity(points: { n: number; s: number }[]): string {
  if (points.length < 2) return '';
  const lines: string[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    lines.push(`${a.n}→${b.n}: ${(((b.s - a.s) / (b.n - a.n)) * 1000).toFixed(2)} ms per added service`);
  }
  return `Marginal cost: ${lines.join('; ')}.`;
}

const cachedSummary = (output: string) => /Cached:\s+(\d+) cached, (\d+) total/.exec(output);

async function turboBuild(log: (line: string) => void): Promise<string> {
  // --force re-runs every task without touching anyone's cache; the second run reads that cache.
  const cold = await run('npm', ['run', 'build', '--', '--force'], 900_000);
  log(`[build] npm run build --force: ${cold.seconds.toFixed(1)} s, exit ${cold.code}`);
  const warm = await run('npm', ['run', 'build'], 900_000);
  log(`[build] npm run build (cached): ${warm.seconds.toFixed(1)} s, exit ${warm.code}`);
  const hits = (r: Run) => {
    const m = cachedSummary(r.output);
    return m ? `${m[1]} of ${m[2]} tasks cached` : 'no turbo summary';
  };
  return table(
    ['`npm run build`', 'wall time', 'turbo cache', 'exit'],
    [
      ['cold (`-- --force`)', seconds(cold.seconds), hits(cold), cold.code ?? 'killed'],
      ['cached (no change)', seconds(warm.seconds), hits(warm), warm.code ?? 'killed'],
    ],
  );
}
