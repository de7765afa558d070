// Ctrl-C as a terminal sends it: `meshobs validate` started in a process group of its own (a shell's
// foreground job), SIGINT sent to the whole group once a given program of validate runs.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '@meshobs/testkit';

const BIN = join(REPO_ROOT, 'packages', 'cli', 'bin', 'meshobs.js');

/** Every process whose process group is `pgid`, with its command line. */
export function processGroup(pgid: number): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after the last ')'
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgrp === pgid) out.push({ pid: Number(name), cmd: readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim() });
    } catch {
      // exited while being read
    }
  }
  return out;
}

/** Polls `ok` every 20 ms; throws naming `what` after `ms`. */
export async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Interrupted {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The command line of the program that ran when the signal was sent. */
  running: string;
  /** Processes of the group still there after meshobs exited (waited for up to 10 s). */
  leftover: { pid: number; cmd: string }[];
}

/**
 * Runs `meshobs validate ...args` in `cwd` (also its TMPDIR) with `toolsBin`, sends SIGINT to its process
 * group once a process whose command line matches `when` runs, and waits for the end.
 */
export async function interruptValidate(opts: {
  cwd: string;
  toolsBin: string;
  args: string[];
  when: RegExp;
  env?: Record<string, string>;
  timeoutMs: number;
}): Promise<Interrupted> {
  const child = spawn(process.execPath, [BIN, 'validate', ...opts.args], {
    cwd: opts.cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TMPDIR: opts.cwd, MESHOBS_TOOLS_BIN: opts.toolsBin, PATH: dirname(process.execPath), ...opts.env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const pgid = child.pid!;
  try {
    let running = '';
    await until(
      `a process matching ${opts.when} (meshobs printed: ${stdout} ${stderr})`,
      () => {
        running = processGroup(pgid).find((p) => opts.when.test(p.cmd))?.cmd ?? '';
        return running !== '';
      },
      opts.timeoutMs,
    );
    process.kill(-pgid, 'SIGINT');
    const code = await exited;
    let leftover = processGroup(pgid);
    const empty = () => {
      leftover = processGroup(pgid);
      return leftover.length === 0;
    };
    await until('the process group to be empty', empty, 10_000).catch(() => undefined);
    return { code, stdout, stderr, running, leftover };
  } finally {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
