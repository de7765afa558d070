// The Envoy span model: sizes and the custom-tag rules the trace tests and benchmarks rest on.

import { describe, expect, it } from 'vitest';
import {
  customTagValues,
  ENVOY_PATH,
  encodeExportRequest,
  encodeSpan,
  envoyResourceSpans,
  envoySpan,
  traceIdOffsets,
} from '../src/index.ts';

const span = (n: number, customTags: Record<string, string> = {}) =>
  envoySpan({
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    parentSpanId: '00f067aa0ba902b7',
    workload: ENVOY_PATH[1]!,
    n,
    path: '/reviews/0',
    startTimeUnixNano: 1_700_000_000_000_000_000n,
    durationNanos: 5_000_000n,
    customTags,
  });

describe('Envoy spans', () => {
  it("carry Envoy's and Istio's attributes, all strings, with the trace and span ids as bytes", () => {
    const s = span(1);
    for (const k of ['node_id', 'guid:x-request-id', 'http.url', 'upstream_cluster.name', 'istio.canonical_service', 'istio.mesh_id'])
      expect(s.attributes[k], k).toBeTruthy();
    const bytes = Buffer.from(encodeSpan(s));
    // Span.trace_id (field 1, length 16) opens the message; the span id (field 2) follows.
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0x0a, 16]));
    expect(bytes.subarray(2, 18).toString('hex')).toBe(s.traceId);
    expect(bytes.subarray(18, 20)).toEqual(Buffer.from([0x12, 8]));
  });

  it('weigh ~1.2 KiB with the bundle tags, as the size figures assume', () => {
    const tags = {
      environment: 'production',
      cluster_name: 'prod-eu-west1',
      pod_name: 'reviews-v2-7d9c5b8f6d-00001',
      namespace: 'bookinfo',
    };
    const sizes = Array.from({ length: 200 }, (_, n) => encodeSpan(span(n, { ...tags, request_id: 'x'.repeat(36) })).length);
    const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    expect(mean).toBeGreaterThan(1000);
    expect(mean).toBeLessThan(1400);
    // A request is its spans plus a few bytes of framing and the resource.
    const body = encodeExportRequest([envoyResourceSpans(ENVOY_PATH[1]!, [span(1), span(2)])]);
    expect(body.length).toBeGreaterThan(encodeSpan(span(1)).length + encodeSpan(span(2)).length);
    expect(body.length).toBeLessThan(encodeSpan(span(1)).length + encodeSpan(span(2)).length + 100);
  });

  it('finds every trace id in an encoded request, for replays with fresh ids', () => {
    const a = { ...span(1), traceId: '11'.repeat(16) };
    const b = { ...span(2), traceId: '22'.repeat(16) };
    const body = Buffer.from(encodeExportRequest([envoyResourceSpans(ENVOY_PATH[0]!, [a]), envoyResourceSpans(ENVOY_PATH[1]!, [b, a])]));
    expect(traceIdOffsets(body).map((o) => body.subarray(o, o + 16).toString('hex'))).toEqual([a.traceId, b.traceId, a.traceId]);
  });

  it('get the custom tags Envoy would set: literals, proxy environment, request headers; empty ones not at all', () => {
    expect(
      customTagValues(
        {
          env: { literal: { value: 'prod' } },
          pod: { environment: { name: 'POD_NAME', defaultValue: 'unknown' } },
          missing: { environment: { name: 'NOPE' } },
          fallback: { environment: { name: 'NOPE', defaultValue: 'dflt' } },
          rid: { header: { name: 'X-Request-Id', defaultValue: '' } },
          ua: { header: { name: 'user-agent', defaultValue: '' } },
        },
        { env: { POD_NAME: 'p-1' }, headers: { 'x-request-id': 'r-1' } },
      ),
    ).toEqual({ env: 'prod', pod: 'p-1', fallback: 'dflt', rid: 'r-1' });
  });
});
