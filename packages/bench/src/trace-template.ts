// The trace benchmark's load, pre-encoded: OTLP export requests exactly as the sidecars' Envoys of a
// 4-hop request path send them (@meshobs/testkit envoy-spans.ts: Envoy's and Istio's attributes, and
// the custom tags of the Telemetry this bundle renders, packages/istio customTags), written once to a
// template file that otlp-sender (tools/otlp-sender) replays with fresh trace ids on every pass.

import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { MeshobsConfig } from '@meshobs/config';
import { customTags } from '@meshobs/istio';
import {
  type CustomTagSpec,
  customTagValues,
  ENVOY_MIN_FLUSH_SPANS,
  ENVOY_PATH,
  encodeExportRequest,
  envoyResourceSpans,
  envoySpan,
  podName,
  requestId,
  traceIdOffsets,
  userAgent,
} from '@meshobs/testkit';

export interface Template {
  file: string;
  requests: number;
  spans: number;
  traces: number;
  spansPerRequest: number;
  spansPerTrace: number;
  /** Encoded bytes per span, request framing included. */
  bytesPerSpan: number;
}

/** One pre-encoded request and the byte offsets of its spans' trace ids. */
export interface EncodedRequest {
  spans: number;
  traceIdOffsets: number[];
  body: Uint8Array;
}

/**
 * `traces` traces of one span per hop of ENVOY_PATH. Each hop's proxy flushes every
 * `spansPerRequest` spans (Envoy's default min_flush_spans is 5), so a request holds one span of each of
 * `spansPerRequest` traces, and the spans of one trace arrive in as many requests as it has hops.
 */
export function envoyRequests(config: MeshobsConfig, traces: number, spansPerRequest = ENVOY_MIN_FLUSH_SPANS): EncodedRequest[] {
  const tags = customTags(config) as Record<string, CustomTagSpec>;
  const start = 1_700_000_000_000_000_000n;
  const out: EncodedRequest[] = [];
  for (let first = 0; first < traces; first += spansPerRequest) {
    const group = Array.from({ length: Math.min(spansPerRequest, traces - first) }, (_, i) => ({
      n: first + i,
      traceId: randomBytes(16).toString('hex'),
      spanIds: ENVOY_PATH.map(() => randomBytes(8).toString('hex')),
    }));
    ENVOY_PATH.forEach((w, hop) => {
      const spans = group.map((t) =>
        envoySpan({
          traceId: t.traceId,
          spanId: t.spanIds[hop]!,
          parentSpanId: hop ? t.spanIds[hop - 1] : undefined,
          workload: w,
          n: t.n,
          path: `/${w.app}/${t.n % 50}`,
          startTimeUnixNano: start + BigInt(t.n) * 1_000_000n + BigInt(hop) * 100_000n,
          durationNanos: BigInt(5_000_000 - hop * 1_000_000),
          customTags: customTagValues(tags, {
            env: { POD_NAME: podName(w, t.n % 3), POD_NAMESPACE: w.namespace },
            headers: { 'x-request-id': requestId(t.n), 'user-agent': userAgent(t.n) },
          }),
        }),
      );
      const body = encodeExportRequest([envoyResourceSpans(w, spans)]);
      out.push({ spans: spans.length, traceIdOffsets: traceIdOffsets(body), body });
    });
  }
  return out;
}

/** The template file otlp-sender reads (its format is described in tools/otlp-sender/main.go). */
export function writeTemplate(file: string, requests: EncodedRequest[], traces: number): Template {
  const parts: Buffer[] = [];
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    return b;
  };
  parts.push(u32(requests.length));
  for (const r of requests) {
    parts.push(u32(r.spans), u32(r.traceIdOffsets.length), ...r.traceIdOffsets.map(u32), u32(r.body.length), Buffer.from(r.body));
  }
  writeFileSync(file, Buffer.concat(parts));
  const spans = requests.reduce((n, r) => n + r.spans, 0);
  const bytes = requests.reduce((n, r) => n + r.body.length, 0);
  return {
    file,
    requests: requests.length,
    spans,
    traces,
    spansPerRequest: spans / requests.length,
    spansPerTrace: ENVOY_PATH.length,
    bytesPerSpan: bytes / spans,
  };
}

/**
 * The requests a file exporter wrote with `format: proto` (each a 4-byte big-endian length, then the
 * ExportTraceServiceRequest: contrib exporter/fileexporter v0.161.0 README and file_writer.go): what a
 * collector received, replayable as it was.
 */
export function capturedRequests(file: string): EncodedRequest[] {
  const data = readFileSync(file);
  const out: EncodedRequest[] = [];
  for (let at = 0; at + 4 <= data.length; ) {
    const len = data.readUInt32BE(at);
    if (at + 4 + len > data.length) break; // mid-write
    const body = new Uint8Array(data.subarray(at + 4, at + 4 + len));
    const offsets = traceIdOffsets(body);
    out.push({ spans: offsets.length, traceIdOffsets: offsets, body });
    at += 4 + len;
  }
  return out;
}
