import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { json, rawRequest, spansFor, startApp, stopApps } from './helpers.ts';

afterAll(stopApps);

describe('bad input', () => {
  it('/status with a non-number or an impossible code is 400 with a JSON error', async () => {
    const svc = await startApp();
    for (const code of ['abc', '999', '99', '1e3', '-200', '600', '100']) {
      const res = await fetch(`${svc.url}/status/${code}`);
      expect(res.status, code).toBe(400);
      const body = await json(res);
      expect(body.code).toBe(400);
      expect(body.message).toContain(code);
    }
  });

  it('a negative, non-numeric or too long delay is 400', async () => {
    const svc = await startApp({ env: { PODINFO_MAX_DELAY_SECONDS: '3' } });
    // A refused delay is answered before any wait (handlers/faults.ts checks first): the 400 itself
    // shows no delay was applied, which would have ended in a 200.
    for (const d of ['-1', 'abc', '3.5', '1000', 'Infinity', '1e1']) {
      const res = await fetch(`${svc.url}/delay/${d}`);
      expect(res.status, d).toBe(400);
      expect((await json(res)).message).toMatch(/between 0 and 3/);
    }
  });

  it('an oversized body is 413, declared or streamed', async () => {
    const svc = await startApp({ env: { PODINFO_MAX_BODY_BYTES: '1024' } });
    const big = Buffer.alloc(4096, 'a');
    const declared = await rawRequest(`${svc.url}/echo`, { method: 'POST', headers: { 'content-length': big.length }, body: big });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body).code).toBe(413);
    const chunked = await rawRequest(`${svc.url}/echo`, { method: 'POST', headers: { 'transfer-encoding': 'chunked' }, body: big });
    expect(chunked.status).toBe(413);
    const fits = await fetch(`${svc.url}/echo`, { method: 'POST', body: Buffer.alloc(1024, 'b') });
    expect(fits.status).toBe(202);
    expect((await fits.arrayBuffer()).byteLength).toBe(1024);
  });

  it('a malformed traceparent or B3 header starts a new trace and never fails the request', async () => {
    const svc = await startApp();
    const cases: Record<string, string>[] = [
      { traceparent: 'garbage' },
      { traceparent: '00-00000000000000000000000000000000-0000000000000000-01' },
      { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331' },
      { traceparent: 'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      { 'x-b3-traceid': 'not-hex', 'x-b3-spanid': 'zz', 'x-b3-sampled': '1' },
      { 'x-b3-traceid': '0af7651916cd43dd8448eb211c80319c' },
      { b3: '0af7651916cd43dd-' },
      { b3: 'x'.repeat(5000) },
      { tracestate: '=,,==', baggage: '%%%;;=' },
    ];
    for (const headers of cases) {
      const before = svc.spans().length;
      const res = await fetch(`${svc.url}/version`, { headers });
      expect(res.status, JSON.stringify(headers)).toBe(200);
      const span = (await spansFor(svc, before + 1)).at(-1)!;
      expect(span.parentSpanContext, JSON.stringify(headers)).toBeUndefined();
      expect(span.spanContext().traceId).not.toBe('0af7651916cd43dd8448eb211c80319c');
      expect(span.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    }
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
  });

  it('a backend that is down gives 502 carrying its error, and the trace shows it', async () => {
    const down = await startApp();
    const downUrl = `${down.url}/echo`;
    await down.stop(); // the port is now closed: connection refused
    const front = await startApp({ env: { PODINFO_BACKEND_URL: downUrl } });
    const res = await fetch(`${front.url}/echo`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(502);
    const body = await json(res);
    expect(body.code).toBe(502);
    expect(body.message).toContain(downUrl);
    expect(body.message).toMatch(/ECONNREFUSED/);

    const [client] = await spansFor(front, 1, (s) => s.kind === SpanKind.CLIENT);
    expect(client!.status.code).toBe(SpanStatusCode.ERROR);
    expect(client!.attributes['error.type']).toBe('ECONNREFUSED');
    expect(client!.events.some((e) => e.name === 'exception')).toBe(true);
    const [server] = await spansFor(front, 1, (s) => s.kind === SpanKind.SERVER);
    expect(server!.attributes['http.response.status_code']).toBe(502);
    expect(server!.status.code).toBe(SpanStatusCode.ERROR);
    expect(client!.parentSpanContext?.spanId).toBe(server!.spanContext().spanId);
  });

  it('a backend answering with an error status is a 502 as well', async () => {
    const backend = await startApp();
    const front = await startApp({ env: { PODINFO_BACKEND_URL: `${backend.url}/status/503` } });
    const res = await fetch(`${front.url}/echo`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(502);
    expect((await json(res)).message).toMatch(/response status code 503/);
  });

  it('unsupported methods are 405 with Allow', async () => {
    const svc = await startApp();
    const res = await fetch(`${svc.url}/version`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
  });
});
