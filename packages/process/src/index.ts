// Loopback ports and polling for the processes meshobs starts: the API server of `meshobs validate`
// (packages/cli) and every real program the tests run (packages/testkit). Product code, so the CLI can
// use it; the testkit re-exports it.
import { createServer } from 'node:net';

const handedOut = new Set<number>();
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
 * process, and never one the OS could hand out meanwhile as the source port of a connection.
 */
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
export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, intervalMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
