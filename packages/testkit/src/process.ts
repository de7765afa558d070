import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from '@meshobs/process';

export { freePort, releasePorts, sleep, waitUntil } from '@meshobs/process';

const tempDirs = new Set<string>();

/**
 * A fresh folder in the OS temp folder, removed by removeTempDirs(): after every test file (the
 * vitest setup file in vitest.shared.ts) and, for scripts such as the benchmarks, when the process exits.
 */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `meshobs-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  tempDirs.clear();
}

export interface Proc {
  name: string;
  child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after a grace period. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<Proc>();

process.on('exit', () => {
  for (const p of running) p.child.kill('SIGKILL');
  removeTempDirs();
});

export interface StartOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Wait until this URL answers 2xx (or any status, with anyStatus). */
  readyUrl?: string;
  anyStatus?: boolean;
  /** Or until the output matches this pattern. */
  readyLog?: RegExp;
  timeoutMs?: number;
}

export async function startProcess(name: string, cmd: string, args: string[], opts: StartOptions = {}): Promise<Proc> {
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const proc: Proc = {
    name,
    child,
    output: () => out,
    exited,
    async stop(graceMs = 5000) {
      running.delete(proc);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  running.add(proc);
  exited.then(() => running.delete(proc));
  try {
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${out.slice(-3000)}`);
        if (opts.readyLog && !opts.readyLog.test(out)) return false;
        if (opts.readyUrl) return httpReady(opts.readyUrl, opts.anyStatus ?? false);
        return true;
      },
      opts.timeoutMs ?? 60_000,
      `${name} to become ready`,
    );
  } catch (e) {
    await proc.stop();
    throw new Error(`${(e as Error).message}\n--- ${name} output ---\n${out.slice(-3000)}`);
  }
  return proc;
}

async function httpReady(url: string, anyStatus: boolean): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return anyStatus || res.ok;
  } catch {
    return false;
  }
}

/** Stops every process started through startProcess (use in afterAll/afterEach). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}
