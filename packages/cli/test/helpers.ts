import { join } from 'node:path';
import { REPO_ROOT } from '@meshobs/testkit';
import type { Io } from '../src/commands.ts';
import { main } from '../src/main.ts';

export const REPO_CONFIG = join(REPO_ROOT, 'meshobs.config.ts');

export interface Captured extends Io {
  stdout: string[];
  stderr: string[];
}

export function captureIo(cwd: string): Captured {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { cwd, stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

/** Runs the real CLI entry point in-process. */
export async function meshobs(cwd: string, ...argv: string[]) {
  const io = captureIo(cwd);
  const code = await main(argv, io);
  return { code, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
}
