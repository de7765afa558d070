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

/**
 * A hang guard, not a performance limit: a validator's verdict must not depend on how loaded the
 * machine is (promtool testing every alert takes over two minutes on a busy 2-core machine).
 */
const TOOL_TIMEOUT_MS = 600_000;

export function run(cmd: string, args: string[], opts: { cwd?: string; input?: string; timeoutMs?: number } = {}): RunResult {
  const timeout = opts.timeoutMs ?? TOOL_TIMEOUT_MS;
  const r = spawnSync(cmd, args, { cwd: opts.cwd, input: opts.input, encoding: 'utf8', timeout });
  throwIfInterrupted(r);
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  const error = timedOut ? `${cmd} did not finish within ${timeout / 1000} s and was stopped` : r.error ? String(r.error) : '';
  return { code: r.status ?? 1, output: `${r.stdout ?? ''}${r.stderr ?? ''}${error}` };
}
