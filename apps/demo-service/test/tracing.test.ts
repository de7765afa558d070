import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, describe, expect, it } from 'vitest';
import { resourceAttributesFrom } from '../src/tracing/resource.ts';
import { tracingEnabled } from '../src/tracing/sdk.ts';
import { json, spansFor, startApp, stopApps } from './helpers.ts';

afterAll(stopApps);

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const server = (s: ReadableSpan) => s.kind === SpanKind.SERVER;
const client = (s: ReadableSpan) => s.kind === SpanKind.CLIENT;

/** A frontend whose only backend is the second app's /headers, both traced in memory. */
async function chain(opts: { frontTracing?: boolean } = {}) {
  const back = await startApp();
  const front = await startApp({ env: { PODINFO_BACKEND_URL: `${back.url}/headers` }, tracing: opts.frontTracing });
  const call = async (headers: Record<string, string>) => {
    const res = await fetch(`${front.url}/echo`, { method: 'POST', body: '{}', headers });
    expect(res.status).toBe(200);
    const [text] = (await json(res)) as string[];
    return JSON.parse(text!) as Record<string, string[]>;
  };
  return { back, front, call };
}

describe('server spans', () => {
  it('carry the route, status, request id and user agent', async () => {
    const svc = await startApp();
    await fetch(`${svc.url}/status/418?x=1`, { headers: { 'x-request-id': 'req-42', 'user-agent': 'curl/8.0' } });
    const [span] = await spansFor(svc, 1, server);
    expect(span!.name).toBe('GET /status/{code}');
    expect(span!.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/status/{code}',
      'url.path': '/status/418',
      'url.query': 'x=1',
      'http.response.status_code': 418,
      'http.request.header.x-request-id': ['req-42'],
      'user_agent.original': 'curl/8.0',
      'server.address': '127.0.0.1',
      'server.port': svc.port,
    });
  });

  it('continue a W3C trace', async () => {
    const svc = await startApp();
    await fetch(`${svc.url}/version`, { headers: { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` } });
    const [span] = await spansFor(svc, 1, server);
    expect(span!.spanContext().traceId).toBe(TRACE_ID);
    expect(span!.parentSpanContext?.spanId).toBe(PARENT_ID);
  });

  it('continue a B3 multi-header trace and a single-header one', async () => {
    const svc = await startApp();
    await fetch(`${svc.url}/version`, { headers: { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': PARENT_ID, 'x-b3-sampled': '1' } });
    await fetch(`${svc.url}/version`, { headers: { b3: `${TRACE_ID}-${PARENT_ID}-1` } });
    const spans = await spansFor(svc, 2, server);
    for (const span of spans) {
      expect(span.spanContext().traceId).toBe(TRACE_ID);
      expect(span.parentSpanContext?.spanId).toBe(PARENT_ID);
    }
  });
});

describe('headers forwarded to backends', () => {
  it('re-inject W3C and B3 for the client span and copy x-request-id and x-ot-span-context', async () => {
    const { front, back, call } = await chain();
    const got = await call({
      traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`,
      tracestate: 'vendor=value',
      baggage: 'tenant=blue',
      'x-request-id': 'rid-7',
      'x-ot-span-context': 'opaque-ot',
      'user-agent': 'e2e/1',
    });
    const [clientSpan] = await spansFor(front, 1, client);
    const clientId = clientSpan!.spanContext().spanId;
    expect(clientSpan!.spanContext().traceId).toBe(TRACE_ID);
    expect(got['X-Request-Id']).toEqual(['rid-7']);
    expect(got['X-Ot-Span-Context']).toEqual(['opaque-ot']);
    expect(got.Traceparent).toEqual([`00-${TRACE_ID}-${clientId}-01`]);
    expect(got.Tracestate).toEqual(['vendor=value']);
    expect(got.Baggage).toEqual(['tenant=blue']);
    expect(got['X-B3-Traceid']).toEqual([TRACE_ID]);
    expect(got['X-B3-Spanid']).toEqual([clientId]);
    expect(got['X-B3-Sampled']).toEqual(['1']);
    expect(got.B3).toBeUndefined();

    const [backServer] = await spansFor(back, 1, server);
    expect(backServer!.spanContext().traceId).toBe(TRACE_ID);
    expect(backServer!.parentSpanContext?.spanId).toBe(clientId);
    expect(backServer!.attributes['http.request.header.x-request-id']).toEqual(['rid-7']);
    expect(clientSpan!.attributes).toMatchObject({ 'http.request.header.x-request-id': ['rid-7'], 'http.response.status_code': 200 });
  });

  it('starting from B3 only, forward B3 (and the single header when it came in) of the same trace', async () => {
    const { front, call } = await chain();
    const multi = await call({ 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': PARENT_ID, 'x-b3-sampled': '1', 'x-request-id': 'rid-b3' });
    const single = await call({ b3: `${TRACE_ID}-${PARENT_ID}-1` });
    const clientIds = (await spansFor(front, 2, client)).map((s) => s.spanContext().spanId);
    expect(multi['X-B3-Traceid']).toEqual([TRACE_ID]);
    expect(clientIds).toContain(multi['X-B3-Spanid']![0]);
    expect(multi.Traceparent![0]).toMatch(new RegExp(`^00-${TRACE_ID}-`));
    expect(multi['X-Request-Id']).toEqual(['rid-b3']);
    expect(single.B3![0]).toMatch(new RegExp(`^${TRACE_ID}-[0-9a-f]{16}-1$`));
    expect(clientIds).toContain(single.B3![0]!.split('-')[1]);
    expect(single['X-B3-Traceid']).toEqual([TRACE_ID]);
  });

  it('generate an x-request-id when none came in, and use it on both sides', async () => {
    const { front, call } = await chain();
    const got = await call({});
    const id = got['X-Request-Id']![0]!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const [frontServer] = await spansFor(front, 1, server);
    expect(frontServer!.attributes['http.request.header.x-request-id']).toEqual([id]);
  });

  it('pass the caller trace headers through unchanged when tracing is off', async () => {
    const { call } = await chain({ frontTracing: false });
    const got = await call({ traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`, 'x-request-id': 'rid-off' });
    expect(got.Traceparent).toEqual([`00-${TRACE_ID}-${PARENT_ID}-01`]);
    expect(got['X-B3-Traceid']).toEqual([TRACE_ID]);
    expect(got['X-B3-Spanid']).toEqual([PARENT_ID]);
    expect(got['X-Request-Id']).toEqual(['rid-off']);
  });
});

describe('tracing bootstrap', () => {
  it('builds the resource from downward-API variables', () => {
    expect(
      resourceAttributesFrom(
        {
          OTEL_SERVICE_NAME: 'podinfo-frontend',
          DEPLOYMENT_ENVIRONMENT: 'production',
          K8S_CLUSTER_NAME: 'c1',
          K8S_POD_NAME: 'podinfo-abc',
          K8S_NAMESPACE_NAME: 'podinfo',
        },
        '6.0.0',
      ),
    ).toEqual({
      'service.name': 'podinfo-frontend',
      'service.version': '6.0.0',
      'deployment.environment.name': 'production',
      'k8s.cluster.name': 'c1',
      'k8s.pod.name': 'podinfo-abc',
      'k8s.namespace.name': 'podinfo',
      'service.instance.id': 'podinfo-abc',
    });
    expect(resourceAttributesFrom({}, '1.0.0')).toEqual({ 'service.name': 'podinfo', 'service.version': '1.0.0' });
  });

  it('is switched off by the standard variables', () => {
    expect(tracingEnabled({})).toBe(true);
    expect(tracingEnabled({ OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(tracingEnabled({ OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(tracingEnabled({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
  });
});
