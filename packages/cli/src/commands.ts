import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { assembleBundle, validateObjects, type ComponentBundle } from '@meshobs/kube';
import { ConfigError, type MeshobsConfig } from '@meshobs/spec';
import { diffBundles, formatDiff, readBundleDir } from './diff.ts';
import { findConfig, loadConfig, UsageError } from './load-config.ts';
import { renderComponents } from './render.ts';
import { runValidators } from './validators.ts';
import { writeBundleAtomically } from './write.ts';

export interface Io {
  cwd: string;
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface BuildResult {
  config: MeshobsConfig;
  components: ComponentBundle[];
  files: Map<string, string>;
}

/** Config -> components -> schema check -> file map. Nothing is written. */
export async function buildInMemory(configPath: string): Promise<BuildResult> {
  const config = await loadConfig(configPath);
  const components = renderComponents(config);
  const failures = await validateObjects(components.flatMap((c) => c.objects));
  if (failures.length) {
    throw new ConfigError(
      failures.map((f) => ({ path: f.object, message: `generated object fails its schema: ${f.error}` })),
      configPath,
    );
  }
  return { config, components, files: assembleBundle(components) };
}

export async function buildCommand(io: Io, opts: { config?: string; out?: string }): Promise<number> {
  const started = performance.now();
  const configPath = findConfig(io.cwd, opts.config);
  const out = resolve(io.cwd, opts.out ?? 'dist/bundle');
  const { components, files } = await buildInMemory(configPath);
  writeBundleAtomically(out, files);
  for (const c of components) {
    const count = [...files.keys()].filter((p) => p.startsWith(`${c.name}/`)).length;
    io.out(`  ${c.name.padEnd(16)} ${String(count).padStart(3)} files ${String(c.objects.length).padStart(3)} objects`);
    for (const w of c.warnings) io.err(`  warning (${c.name}): ${w}`);
  }
  const ms = Math.round(performance.now() - started);
  io.out(`meshobs: wrote ${files.size} files to ${relative(io.cwd, out) || '.'} from ${relative(io.cwd, configPath)} in ${ms} ms`);
  return 0;
}

export async function validateCommand(io: Io, opts: { config?: string }): Promise<number> {
  const configPath = findConfig(io.cwd, opts.config);
  const { components, files } = await buildInMemory(configPath);
  io.out(`config ok: ${relative(io.cwd, configPath)}`);
  const dir = mkdtempSync(join(tmpdir(), 'meshobs-validate-'));
  try {
    writeBundleAtomically(join(dir, 'bundle'), files);
    const verdicts = await runValidators(join(dir, 'bundle'), components);
    for (const v of verdicts) {
      io.out(`${v.status.toUpperCase().padEnd(8)} ${v.validator}${v.detail ? `: ${v.detail.split('\n')[0]}` : ''}`);
      if (v.status === 'fail') for (const line of v.detail.split('\n').slice(1)) io.out(`         ${line}`);
    }
    const failed = verdicts.filter((v) => v.status === 'fail');
    const missing = verdicts.filter((v) => v.status === 'missing');
    if (missing.length) io.err(`not run (tool not found): ${missing.map((v) => v.validator).join(', ')}`);
    return failed.length ? 1 : 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Prints a per-object diff between the bundle this config builds and an existing bundle folder. */
export async function diffCommand(io: Io, opts: { config?: string; against?: string; exitCode?: boolean }): Promise<number> {
  if (!opts.against) throw new UsageError('diff needs --against DIR (the existing bundle to compare with)');
  const against = resolve(io.cwd, opts.against);
  if (!existsSync(against) || !statSync(against).isDirectory()) throw new UsageError(`not a bundle folder: ${opts.against}`);
  const configPath = findConfig(io.cwd, opts.config);
  const { files } = await buildInMemory(configPath);
  const result = diffBundles(readBundleDir(against), files);
  for (const line of formatDiff(result)) io.out(line);
  return opts.exitCode && result.changes.length ? 1 : 0;
}
