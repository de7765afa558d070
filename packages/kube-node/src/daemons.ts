// Long-running programs of the node, each started inside the sandbox (its cgroup subtree, network and
// mount namespaces). Their output goes straight to <node folder>/logs/<name>.log, never through a
// pipe: the test process blocks in synchronous kubectl calls for seconds at a time, and a daemon
// writing to a pipe nobody drains (the kubelet logs a lot while pods terminate) would stall on a
// full pipe buffer. Readiness is read from the log file.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitUntil } from '@meshobs/process';
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

export interface Daemon {
  name: string;
  child: ChildProcess;
  /** Everything it wrote so far (its log file). */
  output(): string;
  /** SIGTERM, then SIGKILL after the grace period; resolves once it has exited. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

export async function startDaemon(sb: Sandbox, name: string, cmd: string, args: string[], opts: DaemonOptions = {}): Promise<Daemon> {
  const [sh, ...pre] = sb.enter({ mount: opts.mount, net: opts.net });
  const logs = join(sb.dir, 'logs');
  mkdirSync(logs, { recursive: true });
  const logFile = join(logs, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(sh!, [...pre, cmd, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const output = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };
  const daemon: Daemon = {
    name,
    child,
    output,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  try {
    await waitUntil(
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited (${child.exitCode ?? child.signalCode})`);
        if (opts.readyLog && !opts.readyLog.test(output())) return false;
        return opts.ready ? opts.ready() : true;
      },
      opts.timeoutMs ?? 120_000,
      `${name} to become ready`,
      250,
    );
  } catch (e) {
    await daemon.stop(1000);
    throw new Error(`${name}: ${(e as Error).message}\n--- ${name} output ---\n${output().slice(-3000)}`);
  }
  return daemon;
}
