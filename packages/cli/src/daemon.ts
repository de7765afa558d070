// Long-running helper processes of `meshobs validate` (etcd, kube-apiserver): loopback ports, a wait
// until they are ready, and a stop that always happens: on return, on error, on a signal
// (killDaemons, called from the signal cleanup) and when the process exits.
import { type ChildProcess, spawn } from 'node:child_process';
import { waitUntil } from '@meshobs/process';

const running = new Set<ChildProcess>();
let exitHook = false;

/** SIGKILLs every daemon still running. Synchronous, so a signal handler can call it before exiting. */
export function killDaemons(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

export interface Daemon {
  name: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then SIGKILL after the grace period; resolves once it has exited. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts a program and resolves once `ready` (called with its output so far) returns true. If it
 * exits first or the wait times out, it is stopped and the error carries the end of its output.
 */
export async function startDaemon(
  name: string,
  cmd: string,
  args: string[],
  opts: { ready: (output: string) => Promise<boolean> | boolean; timeoutMs: number },
): Promise<Daemon> {
  if (!exitHook) {
    exitHook = true;
    process.on('exit', killDaemons);
  }
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  child.on('error', (e) => (out += String(e)));
  exited.then(() => running.delete(child));
  const daemon: Daemon = {
    name,
    output: () => out,
    async stop(graceMs = 5000) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      running.delete(child);
    },
  };
  try {
    await waitUntil(
      async () => {
        if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined)
          throw new Error(`${name} exited (${child.exitCode ?? child.signalCode ?? 'not started'})`);
        return opts.ready(out);
      },
      opts.timeoutMs,
      `${name} to become ready`,
      100,
    );
  } catch (e) {
    await daemon.stop();
    throw new Error(`${(e as Error).message}\n--- ${name} output ---\n${out.slice(-3000)}`);
  }
  return daemon;
}
