// Long-running programs of the node, each started inside the sandbox (its cgroup subtree, network and
// mount namespaces) through testkit's process helper: output kept, readiness awaited, stopped on exit.
// Each program's output also goes to <node folder>/logs/<name>.log, for a failed run's report.
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { waitUntil } from '@meshobs/process';
import { type Proc, startProcess } from '@meshobs/testkit';
import type { Sandbox } from './sandbox.ts';

export interface DaemonOptions {
  readyLog?: RegExp;
  ready?: () => Promise<boolean> | boolean;
  timeoutMs?: number;
  /** false: the machine's mount view (e.g. OpenSearch). */
  mount?: boolean;
  /** false: the machine's network namespace too (only the node's cgroup), e.g. the loopback end of the API bridge. */
  net?: boolean;
  env?: Record<string, string>;
  cwd?: string;
}

export async function startDaemon(sb: Sandbox, name: string, cmd: string, args: string[], opts: DaemonOptions = {}): Promise<Proc> {
  const [sh, ...pre] = sb.enter({ mount: opts.mount, net: opts.net });
  const logs = join(sb.dir, 'logs');
  mkdirSync(logs, { recursive: true });
  const proc = await startProcess(name, sh!, [...pre, cmd, ...args], {
    env: opts.env,
    cwd: opts.cwd,
    readyLog: opts.readyLog,
    timeoutMs: opts.timeoutMs ?? 120_000,
  }).catch((e) => {
    throw new Error(`${name}: ${(e as Error).message}`);
  });
  const log = createWriteStream(join(logs, `${name}.log`));
  log.on('error', () => {}); // the node folder goes with the sweep, possibly before the last write
  log.write(proc.output());
  proc.child.stdout?.on('data', (d) => log.write(d));
  proc.child.stderr?.on('data', (d) => log.write(d));
  proc.exited.then(() => log.end());
  if (opts.ready) {
    await waitUntil(
      async () => {
        if (proc.child.exitCode !== null) throw new Error(`${name} exited with ${proc.child.exitCode}:\n${proc.output().slice(-3000)}`);
        return opts.ready!();
      },
      opts.timeoutMs ?? 120_000,
      `${name} to become ready`,
      250,
    ).catch(async (e) => {
      await proc.stop();
      throw new Error(`${(e as Error).message}\n--- ${name} output ---\n${proc.output().slice(-3000)}`);
    });
  }
  return proc;
}
