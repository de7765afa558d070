// Requests into the demo front end, through a `kubectl port-forward` to its Service, each class of
// request with a user agent of its own so its traces are found by that tag in Jaeger.
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

export function send(
  base: string,
  path: string,
  opts: { method?: string; userAgent: string; body?: string; requestId?: string },
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      {
        method: opts.method ?? 'GET',
        agent,
        headers: {
          'user-agent': opts.userAgent,
          'x-request-id': opts.requestId ?? randomBytes(8).toString('hex'),
          ...(opts.body ? { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(opts.body) } : {}),
        },
        timeout: 30_000,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${path}: timeout`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** `count` requests, `parallel` at a time; the status codes in order. */
export async function load(count: number, parallel: number, one: (i: number) => Promise<number>): Promise<number[]> {
  const codes: number[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let i = next++; i < count; i = next++) codes[i] = await one(i);
    }),
  );
  return codes;
}
