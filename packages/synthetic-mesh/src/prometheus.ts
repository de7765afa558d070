// Loads a synthetic mesh into a real Prometheus: OpenMetrics -> promtool blocks -> prometheus on
// 127.0.0.1, then (optionally) the bundle's recording rules backfilled over that data.

import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, type Proc, requireTool, startProcess, tempDir } from '@meshobs/testkit';
import { type Mesh, type WriteStats, writeOpenMetricsFile } from './mesh.ts';
import { recordingRuleLevels } from './rules.ts';

export interface RangeSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

export interface LoadedMesh {
  url: string;
  dataDir: string;
  startSeconds: number;
  endSeconds: number;
  stats: WriteStats;
  /** Seconds each phase took: generate, blocks, rules backfill. */
  timings: Record<string, number>;
  queryRange(expr: string, opts?: { start?: number; end?: number; step?: number }): Promise<RangeSeries[]>;
  query(expr: string, time?: number): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** Starts Prometheus again over the same data, e.g. with rule files loaded for evaluation. */
  restart(opts?: PrometheusOptions): Promise<void>;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** Rule files Prometheus loads and evaluates (not backfilled). */
  ruleFiles?: string[];
  evaluationInterval?: string;
  /** global.external_labels, e.g. {cluster: "a"} (what a Thanos sidecar and remote write attach). */
  externalLabels?: Record<string, string>;
  extraArgs?: string[];
}

export function run(cmd: string, args: string[], opts: { cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${out.slice(-3000)}`)),
    );
  });
}

async function startPrometheus(dataDir: string, workDir: string, opts: PrometheusOptions): Promise<{ proc: Proc; url: string }> {
  const prometheus = requireTool('prometheus');
  const port = await freePort();
  const configFile = join(workDir, 'prometheus.yml');
  const files = opts.ruleFiles ?? [];
  writeFileSync(
    configFile,
    `global:\n  evaluation_interval: ${opts.evaluationInterval ?? '30s'}\n` +
      (opts.externalLabels
        ? `  external_labels:\n${Object.entries(opts.externalLabels)
            .map(([k, v]) => `    ${k}: ${JSON.stringify(v)}\n`)
            .join('')}`
        : '') +
      (files.length ? `rule_files:\n${files.map((f) => `  - ${JSON.stringify(f)}\n`).join('')}` : ''),
  );
  const url = `http://127.0.0.1:${port}`;
  const proc = await startProcess(
    'prometheus',
    prometheus,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${dataDir}`,
      // Backfilled blocks are "old" as soon as they are written: keep them all.
      '--storage.tsdb.retention.time=100y',
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-admin-api',
      ...(opts.extraArgs ?? []),
    ],
    { readyUrl: `${url}/-/ready`, timeoutMs: 120_000 },
  );
  return { proc, url };
}

async function api<T>(url: string, path: string, params: Record<string, string>): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  const body = (await res.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`${path} ${JSON.stringify(params)}: ${body.error ?? res.status}`);
  return body.data;
}

const moveBlocks = (from: string, to: string) => {
  for (const name of readdirSync(from)) if (statSync(join(from, name)).isDirectory()) renameSync(join(from, name), join(to, name));
};

/**
 * Writes the mesh as OpenMetrics, turns it into TSDB blocks with promtool, starts Prometheus over
 * them, and backfills the recording rules of `rulesYaml` (level by level). Call stop() when done.
 */
export async function loadMesh(
  mesh: Mesh,
  opts: { rulesYaml?: string; workDir?: string; prometheus?: PrometheusOptions } = {},
): Promise<LoadedMesh> {
  const promtool = requireTool('promtool');
  const workDir = opts.workDir ?? tempDir('synthetic-mesh');
  const dataDir = join(workDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      timings[name] = (timings[name] ?? 0) + (performance.now() - t) / 1000;
    }
  };
  const omFile = join(workDir, 'mesh.om');
  const stats = await timed('generate', () => writeOpenMetricsFile(mesh, omFile));
  await timed('blocks', () => run(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', omFile, dataDir]));
  rmSync(omFile);

  let current = await startPrometheus(dataDir, workDir, {});
  if (opts.rulesYaml) {
    const levels = recordingRuleLevels(opts.rulesYaml);
    for (const [i, rules] of levels.entries()) {
      // Named relative to promtool's working folder, never by the (random) temp folder: promtool
      // evaluates a group at the instants of its running Prometheus, `interval` apart from an offset
      // of hash(group name, file name as given) mod interval (prometheus v0.42.0 cmd/promtool/rules.go
      // importRule -> rules/manager.go Group.EvalTimestamp and Group.hash, File set from the file
      // name in Manager.LoadGroups). The same rules over the same data then give the same samples at
      // the same instants in every load, on any machine.
      const ruleFile = `rules-level-${i}.yml`;
      const outDir = join(workDir, `rules-level-${i}`);
      writeFileSync(join(workDir, ruleFile), rules);
      await timed('rules', () =>
        run(
          promtool,
          [
            'tsdb',
            'create-blocks-from',
            'rules',
            '--quiet',
            `--url=${current.url}`,
            `--start=${mesh.startSeconds}`,
            `--end=${mesh.endSeconds}`,
            `--output-dir=${outDir}`,
            `--eval-interval=${mesh.size.intervalSeconds}s`,
            ruleFile,
          ],
          { cwd: workDir },
        ),
      );
      await current.proc.stop();
      moveBlocks(outDir, dataDir);
      current = await startPrometheus(dataDir, workDir, {});
    }
  }
  if (opts.prometheus) {
    await current.proc.stop();
    current = await startPrometheus(dataDir, workDir, opts.prometheus);
  }

  const loaded: LoadedMesh = {
    get url() {
      return current.url;
    },
    dataDir,
    startSeconds: mesh.startSeconds,
    endSeconds: mesh.endSeconds,
    stats,
    timings,
    async queryRange(expr, q = {}) {
      const data = await api<{ resultType: string; result: RangeSeries[] }>(current.url, '/api/v1/query_range', {
        query: expr,
        start: String(q.start ?? mesh.startSeconds),
        end: String(q.end ?? mesh.endSeconds),
        step: String(q.step ?? 60),
      });
      return data.result;
    },
    async query(expr, time) {
      const data = await api<{ resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] }>(
        current.url,
        '/api/v1/query',
        {
          query: expr,
          time: String(time ?? mesh.endSeconds),
        },
      );
      if (data.resultType !== 'vector') throw new Error(`${expr}: expected a vector, got ${data.resultType}`);
      return data.result;
    },
    async restart(o = {}) {
      await current.proc.stop();
      current = await startPrometheus(dataDir, workDir, o);
    },
    async stop() {
      await current.proc.stop();
    },
  };
  return loaded;
}
