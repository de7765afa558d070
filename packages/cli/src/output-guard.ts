// Which folders `meshobs build --out` may replace: only an absent or empty folder, or a bundle that
// meshobs wrote itself and that still holds nothing but the files it wrote. Everything else is refused
// before anything on disk is touched.
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, parse, relative, resolve, sep } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';

/** The marker file every bundle carries; its file list says what meshobs may replace. */
export const MARKER = '.meshobs-bundle';

/** The bundle cannot be written where asked (exit 1); the message says why and how to proceed. */
export class OutputError extends Error {
  override name = 'OutputError';
}

export type TargetState = 'absent' | 'empty' | 'bundle';

export function markerContent(version: string, paths: Iterable<string>): string {
  const header =
    '# Written by meshobs. `meshobs build` replaces this folder only while it holds exactly the\n' +
    '# files listed here; add your own files elsewhere (for example a kustomize overlay beside it).\n';
  return header + stringify({ generator: 'meshobs', version, files: [...paths].sort() });
}

/** The files a marker lists, or undefined when the text is not a meshobs marker. */
export function markerFiles(text: string): string[] | undefined {
  try {
    const doc = parseYaml(text) as { generator?: unknown; files?: unknown } | null;
    if (doc?.generator !== 'meshobs' || !Array.isArray(doc.files)) return undefined;
    return doc.files.filter((f): f is string => typeof f === 'string');
  } catch {
    return undefined;
  }
}

function gitRootOf(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, '.git'))) return d;
    if (dirname(d) === d) return undefined;
  }
}

const isInside = (child: string, parent: string) => {
  const rel = relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
};

/** Every file below dir, relative, with `/` separators (directories themselves are not listed). */
function filesBelow(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out;
}

/**
 * Decides whether `out` (as typed by the user) may be replaced by a new bundle. Throws OutputError,
 * touching nothing, when it may not.
 */
export function checkTarget(outArg: string, cwd: string): { path: string; state: TargetState } {
  try {
    return inspectTarget(outArg, cwd);
  } catch (e) {
    throw e instanceof OutputError ? e : describeFsError(e, outArg);
  }
}

/** A file-system error while inspecting or writing `where`, as a message for the user. */
export function describeFsError(e: unknown, where: string): OutputError {
  const err = e as NodeJS.ErrnoException;
  const reasons: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    ENOTDIR: 'a parent of it is a file',
  };
  const reason = reasons[err.code ?? ''] ?? err.message ?? String(e);
  return new OutputError(`cannot write the bundle to ${where}: ${reason}; nothing was changed`);
}

function inspectTarget(outArg: string, cwd: string): { path: string; state: TargetState } {
  if (outArg.trim() === '') throw new OutputError('--out is empty: name the bundle folder, for example --out dist/bundle');
  const path = resolve(cwd, outArg);
  const refuse = (why: string, how = 'choose a new or empty folder, for example --out dist/bundle') => {
    throw new OutputError(`refusing to write the bundle to ${outArg}: ${why}; ${how}`);
  };
  if (parse(path).root === path) refuse('it is the root of the file system');
  if (path === resolve(homedir())) refuse('it is your home folder');
  if (isInside(resolve(cwd), path)) refuse('it is the current folder or contains it');
  const repo = gitRootOf(resolve(cwd));
  if (repo && path === repo) refuse('it is the root of the current repository');

  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(path);
  } catch {
    return { path, state: 'absent' };
  }
  if (stat.isSymbolicLink()) refuse('it is a symbolic link', 'point --out at the folder itself');
  if (!stat.isDirectory()) refuse('it is a file, not a folder', 'move the file or choose another --out');
  const entries = readdirSync(path);
  if (entries.length === 0) return { path, state: 'empty' };
  if (entries.includes('.git')) refuse('it is a git checkout');
  if (!entries.includes(MARKER)) {
    refuse(
      `it is not empty and is not a meshobs bundle (it has no ${MARKER} file)`,
      'choose a new or empty folder, or move its contents away',
    );
  }
  const listed = markerFiles(readFileSync(join(path, MARKER), 'utf8'));
  if (!listed) refuse(`its ${MARKER} file was not written by meshobs`, 'choose a new or empty folder');
  const known = new Set([...listed!, MARKER]);
  const foreign = filesBelow(path).filter((f) => !known.has(f));
  if (foreign.length) {
    const shown = foreign.sort().slice(0, 5).join(', ') + (foreign.length > 5 ? ` and ${foreign.length - 5} more` : '');
    refuse(`it holds files meshobs did not write (${shown})`, 'move them out of the bundle folder or choose another --out');
  }
  return { path, state: 'bundle' };
}
