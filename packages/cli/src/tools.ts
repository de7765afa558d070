import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { throwIfInterrupted } from './signals.ts';

/**
 * Finds an executable in MESHOBS_TOOLS_BIN (a folder) when that is set, then on PATH; never relative to
 * where meshobs itself is installed. In this repository the tests and CI point MESHOBS_TOOLS_BIN at the
 * folder scripts/install-tools.sh fills.
 */
export function findTool(name: string): string | undefined {
  const dirs = [process.env.MESHOBS_TOOLS_BIN, ...(process.env.PATH ?? '').split(delimiter)].filter((d): d is string => !!d);
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
  throwIfInterrupted(r);
  return { code: r.status ?? 1, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}
