import { createServer } from 'node:net';
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
