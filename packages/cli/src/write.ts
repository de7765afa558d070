import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes the bundle atomically: everything goes into a sibling temporary folder first, which then
 * replaces `out` with two renames. If anything fails before the swap, `out` is untouched.
 */
export function writeBundleAtomically(out: string, files: Map<string, string>): void {
  const parent = dirname(out);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(out)}.tmp-${process.pid}`);
  const old = join(parent, `.${basename(out)}.old-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    for (const [path, content] of files) {
      if (path.startsWith('/') || path.split('/').includes('..')) throw new Error(`refusing to write outside the bundle: ${path}`);
      const target = join(tmp, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, content);
    }
    if (existsSync(out)) renameSync(out, old);
    renameSync(tmp, out);
    rmSync(old, { recursive: true, force: true });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(out) && existsSync(old)) renameSync(old, out);
    throw e;
  }
}
