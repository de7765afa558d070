import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** .tools/bin of this checkout, where scripts/install-tools.sh links the real validators. */
export const REPO_TOOLS_BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../../.tools/bin');

/**
 * Finds an executable in MESHOBS_TOOLS_BIN when that is set, else in this checkout's tool folder;
 * then on PATH.
 */
export function findTool(name: string): string | undefined {
  const first = process.env.MESHOBS_TOOLS_BIN ?? REPO_TOOLS_BIN;
  const dirs = [first, ...(process.env.PATH ?? '').split(delimiter).filter(Boolean)];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      if (existsSync(candidate)) {
        accessSync(candidate, constants.X_OK);
        return candidate;
      }
    } catch {
      // not executable: keep looking
    }
  }
  return undefined;
}

export interface RunResult {
  code: number;
  output: string;
}

export function run(cmd: string, args: string[], opts: { cwd?: string; input?: string; timeoutMs?: number } = {}): RunResult {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    input: opts.input,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
  });
  return { code: r.status ?? 1, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}
