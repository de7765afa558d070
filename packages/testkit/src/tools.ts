import { accessSync, constants } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const TOOLS_BIN = join(REPO_ROOT, '.tools', 'bin');
export const inCI = process.env.CI === 'true';

/** A real program from scripts/install-tools.sh (.tools/bin) or PATH; undefined when absent. */
export function toolPath(name: string): string | undefined {
  for (const dir of [TOOLS_BIN, ...(process.env.PATH ?? '').split(delimiter)]) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

export function requireTool(name: string): string {
  const path = toolPath(name);
  if (!path) throw new Error(`${name} not found: run \`bash scripts/install-tools.sh\` first`);
  return path;
}

/**
 * Whether a suite that needs these tools should be skipped. Locally a missing tool skips the suite
 * with a note; in CI it never skips, so a missing install step fails loudly instead of passing.
 */
export function missingTools(...names: string[]): boolean {
  const missing = names.filter((n) => !toolPath(n));
  if (missing.length && !inCI) {
    console.warn(`skipping: ${missing.join(', ')} not installed (bash scripts/install-tools.sh)`);
    return true;
  }
  return false;
}
