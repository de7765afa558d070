import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { MeshobsConfig } from '@meshobs/config';
import { assembleBundle, type ComponentBundle } from '@meshobs/kube';
import { killDaemons } from './daemon.ts';
import { diffBundles, formatDiff, readBundleDir } from './diff.ts';
import { InternalError } from './errors.ts';
import { findConfig, loadConfig, UsageError } from './load-config.ts';
import { checkTarget } from './output-guard.ts';
import { renderComponents, validateRendered } from './render.ts';
import { staleSchemaNote } from './schema-command.ts';
import { withSignalCleanup } from './signals.ts';
import { isToolName, TOOL_ALIASES, TOOL_SOURCES } from './tool-sources.ts';
import { suggestion } from './usage.ts';
import { runValidators, type Verdict } from './validators.ts';
import { MESHOBS_VERSION } from './version.ts';
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
  const failures = await validateRendered(components.flatMap((c) => c.objects));
  if (failures.length) {
    // The schema is meant to refuse every config that renders an invalid object: this is our bug.
    const list = failures.map((f) => `${f.object}: ${f.error}`).join('; ');
    throw new InternalError(`a generated object fails its Kubernetes schema (${list})`);
  }
  return { config, components, files: assembleBundle(components) };
}

export async function buildCommand(io: Io, opts: { config?: string; out?: string }): Promise<number> {
  const started = performance.now();
  const configPath = findConfig(io.cwd, opts.config);
  const outArg = opts.out ?? 'dist/bundle';
  const out = resolve(io.cwd, outArg);
  checkTarget(outArg, io.cwd); // refuse before rendering, so a refused --out costs nothing
  const { components, files } = await buildInMemory(configPath);
  await writeBundleAtomically(outArg, files, { cwd: io.cwd, version: MESHOBS_VERSION });
  for (const c of components) {
    const count = [...files.keys()].filter((p) => p.startsWith(`${c.name}/`)).length;
    io.out(`  ${c.name.padEnd(16)} ${String(count).padStart(3)} files ${String(c.objects.length).padStart(3)} objects`);
    for (const w of c.warnings) io.err(`  warning (${c.name}): ${w}`);
  }
  const note = staleSchemaNote(io.cwd, configPath);
  if (note) io.err(note);
  const ms = Math.round(performance.now() - started);
  io.out(`meshobs: wrote ${files.size} files to ${relative(io.cwd, out) || '.'} from ${relative(io.cwd, configPath)} in ${ms} ms`);
  return 0;
}

/**
 * `--allow-missing a,b`: the tools that may be absent without failing validate (strict by default).
 * A name that is no tool of validate is a usage error: a typo would otherwise allow nothing, silently.
 */
export function parseAllowMissing(value: string | undefined): Set<string> {
  const names = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const known = Object.keys(TOOL_SOURCES);
  const unknown = names.filter((n) => !isToolName(n) && !Object.hasOwn(TOOL_ALIASES, n));
  if (unknown.length) {
    const hint = unknown.length === 1 ? suggestion(unknown[0]!, [...known, ...Object.keys(TOOL_ALIASES)]) : '';
    throw new UsageError(
      `--allow-missing: unknown tool ${unknown.map((n) => JSON.stringify(n)).join(', ')}${hint}; the tools validate runs are ${known.join(', ')}`,
    );
  }
  return new Set(names.map((n) => TOOL_ALIASES[n] ?? n));
}

export async function validateCommand(io: Io, opts: { config?: string; allowMissing?: string }): Promise<number> {
  const allowed = parseAllowMissing(opts.allowMissing);
  const configPath = findConfig(io.cwd, opts.config);
  const { components, files } = await buildInMemory(configPath);
  io.out(`config ok: ${relative(io.cwd, configPath)}`);
  const note = staleSchemaNote(io.cwd, configPath);
  if (note) io.err(note);
  const dir = mkdtempSync(join(tmpdir(), 'meshobs-validate-'));
  // Helper daemons (the server dry-run's etcd and kube-apiserver) die before their folders go.
  const cleanup = () => {
    killDaemons();
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  return withSignalCleanup(cleanup, async () => {
    try {
      await writeBundleAtomically(join(dir, 'bundle'), files, { cwd: dir, version: MESHOBS_VERSION });
      const verdicts = await runValidators(join(dir, 'bundle'), components, join(dir, 'scratch'));
      return report(io, verdicts, allowed);
    } finally {
      cleanup();
    }
  });
}

/** Prints every verdict; 1 when one failed or could not run without --allow-missing naming its tool. */
function report(io: Io, verdicts: Verdict[], allowed: Set<string>): number {
  for (const v of verdicts) {
    io.out(`${v.status.toUpperCase().padEnd(8)} ${v.validator}${v.detail ? `: ${v.detail.split('\n')[0]}` : ''}`);
    if (v.status === 'fail' || v.status === 'warn') for (const line of v.detail.split('\n').slice(1)) io.out(`         ${line}`);
  }
  const failed = verdicts.filter((v) => v.status === 'fail');
  const missing = verdicts.filter((v) => v.status === 'missing');
  const tolerated = missing.filter((v) => allowed.has(v.tool ?? ''));
  const fatal = missing.filter((v) => !tolerated.includes(v));
  if (tolerated.length) io.err(`not run, allowed by --allow-missing: ${tolerated.map((v) => v.validator).join(', ')}`);
  if (fatal.length) {
    const tools = [...new Set(fatal.map((v) => v.tool ?? v.validator))].join(',');
    io.err(`not run (tool not found): ${fatal.map((v) => v.validator).join(', ')}`);
    io.err(`validate fails when a validator cannot run: install the tools, or accept their absence with --allow-missing ${tools}`);
  }
  return failed.length || fatal.length ? 1 : 0;
}

/** Prints a per-object diff (or its summary) between the bundle this config builds and an existing bundle folder. */
export async function diffCommand(
  io: Io,
  opts: { config?: string; against?: string; exitCode?: boolean; summary?: boolean; all?: boolean },
): Promise<number> {
  if (!opts.against) throw new UsageError('diff needs --against DIR (the existing bundle to compare with)');
  const against = resolve(io.cwd, opts.against);
  if (!existsSync(against) || !statSync(against).isDirectory()) throw new UsageError(`not a bundle folder: ${opts.against}`);
  const configPath = findConfig(io.cwd, opts.config);
  const { files } = await buildInMemory(configPath);
  const result = diffBundles(readBundleDir(against), files);
  for (const line of formatDiff(result, { summary: opts.summary, all: opts.all })) io.out(line);
  return opts.exitCode && result.changes.length ? 1 : 0;
}
