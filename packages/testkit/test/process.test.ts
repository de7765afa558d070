import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startProcess, stopAll } from '../src/index.ts';

afterAll(stopAll);

describe('process helpers', () => {
  it('hands out a loopback port that is actually free', async () => {
    const port = await freePort();
    await new Promise<void>((resolve, reject) => {
      const srv = createServer().once('error', reject);
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()));
    });
  });

  it('claims each port it hands out while the process lives, visible to other processes, and releases them on exit', async () => {
    const module = new URL('../../process/src/index.ts', import.meta.url).href;
    // Prints two ports, then lives until its standard input closes.
    const script = `import(${JSON.stringify(module)}).then(async (m) => { console.log(JSON.stringify([await m.freePort(), await m.freePort()])); process.stdin.resume().on('end', () => process.exit(0)); });`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    const ports = await new Promise<number[]>((resolve) => child.stdout.once('data', (d) => resolve(JSON.parse(String(d)))));
    const claims = ports.map((p) => join(tmpdir(), '.meshobs-ports', String(p)));
    for (const f of claims) expect(readFileSync(f, 'utf8')).toBe(String(child.pid));
    child.stdin.end();
    expect(await new Promise((r) => child.once('exit', r))).toBe(0);
    for (const f of claims) expect(existsSync(f)).toBe(false);
  });

  it('waits for readiness and always stops the process', async () => {
    const port = await freePort();
    const script = `require('http').createServer((q,s)=>s.end('ok')).listen(${port},'127.0.0.1')`;
    const proc = await startProcess('http', process.execPath, ['-e', script], { readyUrl: `http://127.0.0.1:${port}/` });
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ok');
    await proc.stop();
    expect(proc.child.killed || proc.child.exitCode !== null || proc.child.signalCode !== null).toBe(true);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });

  it('reports the output of a process that dies before it is ready', async () => {
    await expect(
      startProcess('dies', process.execPath, ['-e', 'console.error("boom"); process.exit(3)'], { readyLog: /never/, timeoutMs: 5000 }),
    ).rejects.toThrow(/exited with 3[\s\S]*boom/);
  });
});
