// Loopback ports and polling for the processes meshobs starts: the API server of `meshobs validate`
// (packages/cli) and every real program the tests run (packages/testkit). Product code, so the CLI can
// use it; the testkit re-exports it.
import { mkdirSync, readFileSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const handedOut = new Set<number>();

/**
 * Ports claimed by every meshobs process that shares this temp folder (the test workers of a test run
 * side by side, the CLIs they start): one file per port, holding the claimer's pid, removed when it
 * exits. A port chosen by one process but not yet bound by the program it starts is free to every
 * other bind test, so without a claim two processes could hand out the same port meanwhile.
 */
const CLAIMS = join(tmpdir(), '.meshobs-ports');
const claimed: string[] = [];

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Removes this process's claims (done on exit too; a process killed by a signal leaves them, and the
 * next process to draw such a port takes it over once the claimer is gone).
 */
export function releasePorts(): void {
  for (const file of claimed.splice(0)) {
    try {
      unlinkSync(file);
    } catch {
      // gone already
    }
  }
  // The folder too, once no process holds a claim: a CLI run leaves nothing in the user's temp folder.
  try {
    rmdirSync(CLAIMS);
  } catch {
    // another process still holds claims (or removed it first)
  }
}

function claim(port: number): boolean {
  const file = join(CLAIMS, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      mkdirSync(CLAIMS, { recursive: true });
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      if (!claimed.length) process.once('exit', releasePorts);
      claimed.push(file);
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // The folder removed by a process that released its last claim meanwhile: create it again.
      if (code === 'ENOENT') continue;
      // No shared folder to claim in: the bind test alone decides, as before claims existed.
      if (code !== 'EEXIST') return true;
    }
    let owner = 0;
    try {
      owner = Number(readFileSync(file, 'utf8'));
    } catch {
      continue; // released meanwhile: try again
    }
    // An empty file is a claim being written.
    if (!owner || alive(owner)) return false;
    try {
      unlinkSync(file); // left by a process that is gone
    } catch {
      // taken over by another process first
    }
  }
  return false;
}

// Below Linux's ephemeral range (32768-60999), so the OS never picks one of these ports for an
// outgoing connection of a process we started between handing the port out and its use.
const PORT_RANGE = { from: 20000, to: 32767 };

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * A free TCP port on 127.0.0.1 (only loopback is ever bound). Never the same port twice in one
 * process, nor one another meshobs process holds a claim on, and never one the OS could hand out
 * meanwhile as the source port of a connection.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = PORT_RANGE.from + Math.floor(Math.random() * (PORT_RANGE.to - PORT_RANGE.from + 1));
    if (handedOut.has(port)) continue;
    if ((await canBind(port)) && claim(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free loopback port found');
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns true; rethrows if it throws. */
export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, intervalMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
