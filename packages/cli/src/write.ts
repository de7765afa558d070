import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { checkTarget, describeFsError, MARKER, markerContent, OutputError } from './output-guard.ts';
import { withSignalCleanup } from './signals.ts';

export { OutputError } from './output-guard.ts';

const STALE = (base: string) => new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(tmp|old)-(\\d+)-`);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A build that was killed (SIGKILL, power loss) leaves its `.<out>.tmp-<pid>-*` folder, or, if it died
 * between the two renames, the previous bundle as `.<out>.old-<pid>-*`. Both are ours by name; the
 * previous bundle is put back when nothing took its place.
 */
function recoverStale(out: string): void {
  const parent = dirname(out);
  if (!existsSync(parent)) return;
  const pattern = STALE(basename(out));
  for (const name of readdirSync(parent).sort()) {
    const m = pattern.exec(name);
    if (!m || alive(Number(m[2]))) continue;
    const path = join(parent, name);
    if (m[1] === 'old' && !existsSync(out) && existsSync(join(path, MARKER))) renameSync(path, out);
    else rmSync(path, { recursive: true, force: true });
  }
}

/**
 * Writes the bundle atomically, and only over what meshobs wrote itself (see output-guard.ts):
 * everything goes into a temporary folder beside `out`, which then replaces `out` with two renames.
 * On any failure, or SIGINT/SIGTERM/SIGHUP, the temporary folder is removed and `out` is as it was.
 */
export async function writeBundleAtomically(
  out: string,
  files: Map<string, string>,
  opts: { cwd?: string; version?: string } = {},
): Promise<void> {
  for (const path of files.keys()) {
    if (path.startsWith('/') || path.split('/').includes('..') || path === MARKER) {
      throw new Error(`refusing to write outside the bundle: ${path}`);
    }
  }
  const cwd = opts.cwd ?? process.cwd();
  recoverStale(checkTarget(out, cwd).path);
  const { path: target, state } = checkTarget(out, cwd);
  const parent = dirname(target);
  let createdParent: string | undefined;
  let tmp: string | undefined;
  let old: string | undefined;
  const cleanup = () => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    if (old && !existsSync(target) && existsSync(old)) renameSync(old, target);
    if (createdParent) rmSync(createdParent, { recursive: true, force: true });
  };
  await withSignalCleanup(cleanup, async () => {
    try {
      createdParent = mkdirSync(parent, { recursive: true });
      // mkdir, not mkdtemp: the bundle folder gets the usual permissions (umask), not mkdtemp's 0700.
      tmp = join(parent, `.${basename(target)}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`);
      mkdirSync(tmp);
    } catch (e) {
      cleanup();
      throw describeFsError(e, out);
    }
    try {
      await writeFile(join(tmp, MARKER), markerContent(opts.version ?? '0.0.0', files.keys()));
      for (const [path, content] of files) {
        const file = join(tmp, path);
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, content);
      }
      if (state !== 'absent') {
        old = `${tmp.slice(0, tmp.lastIndexOf('.tmp-'))}.old-${tmp.slice(tmp.lastIndexOf('.tmp-') + 5)}`;
        await rename(target, old);
      }
      await rename(tmp, target);
      tmp = undefined;
      createdParent = undefined;
      if (old) await rm(old, { recursive: true, force: true });
    } catch (e) {
      cleanup();
      throw e instanceof OutputError ? e : describeFsError(e, out);
    }
  });
}
