import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, spansFor, startApp, stopApps, type TestApp } from './helpers.ts';

let svc: TestApp;
beforeAll(async () => {
  svc = await startApp({ env: { PODINFO_UI_MESSAGE: 'hi from test', PODINFO_UI_COLOR: '#123456', PODINFO_MAX_DELAY_SECONDS: '2' } });
});
afterAll(stopApps);

const get = (path: string, init?: RequestInit) => fetch(svc.url + path, init);

describe('podinfo API', () => {
  it('GET / and /api/info return the runtime info', async () => {
    for (const path of ['/', '/api/info']) {
      const res = await get(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      const body = await json(res);
      expect(body).toMatchObject({ version: '1.2.3', revision: 'abc123', color: '#123456', message: 'hi from test' });
      expect(body.hostname).toBeTruthy();
      expect(body.runtime).toMatch(/^node\d+/);
      expect(Number(body.num_cpu)).toBeGreaterThan(0);
    }
  });

  it('GET /version', async () => {
    expect(await json(await get('/version'))).toEqual({ version: '1.2.3', commit: 'abc123' });
  });

  it('health and readiness, with readiness switchable', async () => {
    expect(await json(await get('/healthz'))).toEqual({ status: 'OK' });
    expect((await get('/readyz')).status).toBe(200);
    expect((await get('/readyz/disable', { method: 'POST' })).status).toBe(202);
    expect((await get('/readyz')).status).toBe(503);
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/readyz/enable', { method: 'POST' })).status).toBe(202);
    expect((await get('/readyz')).status).toBe(200);
    expect((await get('/readyz/enable')).status).toBe(405);
  });

  it('GET|POST /env lists the environment as KEY=value', async () => {
    for (const method of ['GET', 'POST']) {
      const body = await json(await get('/env', { method }));
      expect(body).toContain('DEMO=yes');
      expect(body).toContain('PODINFO_UI_MESSAGE=hi from test');
    }
  });

  it('GET|POST /headers returns the request headers, Go-style', async () => {
    for (const method of ['GET', 'POST']) {
      const body = await json(await get('/headers', { method, headers: { 'x-custom': 'one', 'user-agent': 'tester/1' } }));
      expect(body['X-Custom']).toEqual(['one']);
      expect(body['User-Agent']).toEqual(['tester/1']);
      expect(body['X-Api-Version']).toEqual(['1.2.3']);
      expect(body.Host).toBeUndefined();
    }
  });

  it('GET /delay/{seconds} waits', async () => {
    // A lower bound only (timers never fire early), on the monotonic clock.
    const started = performance.now();
    const res = await get('/delay/0.3');
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ delay: 0.3 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(280);
    expect(await json(await get('/delay/0'))).toEqual({ delay: 0 });
  });

  it('GET|POST|PUT /status/{code} answers with that code', async () => {
    for (const [method, code] of [
      ['GET', 200],
      ['POST', 404],
      ['PUT', 503],
      ['GET', 299],
    ] as const) {
      const res = await get(`/status/${code}`, { method });
      expect(res.status).toBe(code);
      expect(await json(res)).toEqual({ status: code });
    }
  });

  it('/echo and /api/echo without backends echo the body with 202', async () => {
    for (const path of ['/echo', '/api/echo', '/echo/sub/path']) {
      const res = await get(path, { method: 'POST', body: 'ping' });
      expect(res.status).toBe(202);
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      expect(res.headers.get('x-color')).toBe('#123456');
      expect(await res.text()).toBe('ping');
    }
  });

  it('/echo posts to every backend and returns their bodies in order', async () => {
    const b1 = await startApp({ env: { PODINFO_UI_COLOR: '#b1' } });
    const b2 = await startApp();
    const front = await startApp({ env: { PODINFO_BACKEND_URL: `${b1.url}/echo,${b2.url}/headers` } });
    const res = await fetch(`${front.url}/api/echo`, { method: 'POST', body: 'payload', headers: { 'x-request-id': 'rid-1' } });
    expect(res.status).toBe(200);
    const [first, second] = (await json(res)) as string[];
    expect(first).toBe('payload');
    const headers = JSON.parse(second!);
    expect(headers['X-Request-Id']).toEqual(['rid-1']);
    expect(headers['X-Api-Version']).toEqual(['1.2.3']);
  });

  it('GET /metrics exposes podinfo RED metrics and process metrics', async () => {
    await get('/status/201');
    await get('/delay/0');
    const text = await (await get('/metrics')).text();
    expect(text).toMatch(/http_request_duration_seconds_bucket\{le="0.005",method="GET",path="status",status="201"\} \d+/);
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",path="delay",status="200"\} \d+/);
    expect(text).toMatch(/http_requests_total\{status="201"\} \d+/);
    expect(text).toMatch(/process_cpu_seconds_total \d/);
    expect(text).toMatch(/process_resident_memory_bytes \d/);
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",path="api_info",status="200"\}/);
  });

  it('unknown paths are 404 JSON and counted under one label', async () => {
    const res = await get('/no/such/thing');
    expect(res.status).toBe(404);
    expect((await json(res)).code).toBe(404);
    const text = await (await get('/metrics')).text();
    expect(text).toMatch(/path="not_found",status="404"/);
    expect(text).not.toMatch(/no_such_thing/);
  });

  it('every request gets a server span', async () => {
    const before = svc.spans().length;
    await get('/version');
    const spans = await spansFor(svc, before + 1);
    expect(spans.at(-1)!.name).toBe('GET /version');
  });
});
