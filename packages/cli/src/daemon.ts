// Long-running helper processes of `meshobs validate` (etcd, kube-apiserver): loopback ports, a wait
// until they are ready, and a stop that always happens: on return, on error, on a signal
// (killDaemons, called from the signal cleanup) and when the process exits.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

const running = new Set<ChildProcess>();
let exitHook = false;

/** SIGKILLs every daemon still running. Synchronous, so a signal handler can call it before exiting. */
export function killDaemons(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

const handedOut = new Set<number>();
// Below Linux's ephemeral range (32768-60999): the OS never picks one of these as the source port of a
// connection opened between handing the port out and the daemon binding it.
const PORT_RANGE = { from: 20000, to: 32767 };

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A free TCP port on 127.0.0.1, never the same one twice in this process. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = PORT_RANGE.from + Math.floor(Math.random() * (PORT_RANGE.to - PORT_RANGE.from + 1));
    if (handedOut.has(port)) continue;
    if (await canBind(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free loopback port found');
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true; rethrows if it throws. */
export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
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
    );
  } catch (e) {
    await daemon.stop();
    throw new Error(`${(e as Error).message}\n--- ${name} output ---\n${out.slice(-3000)}`);
  }
  return daemon;
}
