// A minimal protobuf encoder for OTLP trace export requests: exactly the fields Envoy's OpenTelemetry
// tracer fills in (string attributes only), so tests and benchmarks can send binary OTLP
// (application/x-protobuf over HTTP, or the same bytes as a gRPC message) without a protobuf library.
//
// Field numbers: open-telemetry/opentelemetry-proto v1.x
//   collector/trace/v1/trace_service.proto  ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
//   trace/v1/trace.proto  ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
//                         ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
//                         Span { bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5;
//                                SpanKind kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
//                                repeated KeyValue attributes = 9; }
//   resource/v1/resource.proto  Resource { repeated KeyValue attributes = 1; }
//   common/v1/common.proto  KeyValue { string key = 1; AnyValue value = 2; }  AnyValue { string string_value = 1; }

export interface ProtoSpan {
  /** 32 hex characters. */
  traceId: string;
  /** 16 hex characters. */
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** SpanKind: 2 server, 3 client. */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Record<string, string>;
}

export interface ProtoResourceSpans {
  resource: Record<string, string>;
  spans: ProtoSpan[];
}

const enc = new TextEncoder();

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** A length-delimited field (wire type 2). */
function lenField(field: number, body: Uint8Array): Uint8Array {
  const head = [...varint((field << 3) | 2), ...varint(body.length)];
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const str = (field: number, s: string) => lenField(field, enc.encode(s));
const hex = (field: number, h: string) => lenField(field, Uint8Array.from(Buffer.from(h, 'hex')));

function fixed64(field: number, v: bigint): Uint8Array {
  const out = new Uint8Array(9);
  out[0] = (field << 3) | 1;
  new DataView(out.buffer).setBigUint64(1, v, true);
  return out;
}

const varintField = (field: number, v: number) => Uint8Array.from([(field << 3) | 0, ...varint(v)]);

/** KeyValue { key, AnyValue { string_value } }. */
const keyValue = (key: string, value: string) => concat([str(1, key), lenField(2, str(1, value))]);
const attributes = (field: number, attrs: Record<string, string>) => Object.entries(attrs).map(([k, v]) => lenField(field, keyValue(k, v)));

export function encodeSpan(s: ProtoSpan): Uint8Array {
  return concat([
    hex(1, s.traceId),
    hex(2, s.spanId),
    ...(s.parentSpanId ? [hex(4, s.parentSpanId)] : []),
    str(5, s.name),
    varintField(6, s.kind),
    fixed64(7, s.startTimeUnixNano),
    fixed64(8, s.endTimeUnixNano),
    ...attributes(9, s.attributes),
  ]);
}

/** One ResourceSpans with one ScopeSpans (no scope), as Envoy's tracer sends them. */
export function encodeResourceSpans(rs: ProtoResourceSpans): Uint8Array {
  const scopeSpans = concat(rs.spans.map((s) => lenField(2, encodeSpan(s))));
  return concat([lenField(1, concat(attributes(1, rs.resource))), lenField(2, scopeSpans)]);
}

/** An ExportTraceServiceRequest: the body of OTLP/HTTP protobuf and the OTLP/gRPC message alike. */
export function encodeExportRequest(resourceSpans: ProtoResourceSpans[]): Uint8Array {
  return concat(resourceSpans.map((rs) => lenField(1, encodeResourceSpans(rs))));
}

/** Reads a varint at `at`: its value and the offset after it. */
function readVarint(b: Uint8Array, at: number): [number, number] {
  let v = 0;
  let mul = 1;
  let i = at;
  for (;;) {
    const byte = b[i++];
    if (byte === undefined) throw new Error('truncated varint');
    v += (byte & 0x7f) * mul;
    if (byte < 0x80) return [v, i];
    mul *= 128;
  }
}

/** The length-delimited fields `field` of the message b[start, end): [body start, body end) of each. */
function lenFields(b: Uint8Array, start: number, end: number, field: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let at = start;
  while (at < end) {
    const [tag, next] = readVarint(b, at);
    const wire = tag & 7;
    at = next;
    if (wire === 0) at = readVarint(b, at)[1];
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const [len, body] = readVarint(b, at);
      if (tag >>> 3 === field) out.push([body, body + len]);
      at = body + len;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

/**
 * The byte offsets of every span's 16-byte trace id in an ExportTraceServiceRequest (resource_spans 1 ->
 * scope_spans 2 -> spans 2 -> trace_id 1), in the order of the spans; any encoder's output.
 */
export function traceIdOffsets(body: Uint8Array): number[] {
  const out: number[] = [];
  for (const [rs, rsEnd] of lenFields(body, 0, body.length, 1))
    for (const [ss, ssEnd] of lenFields(body, rs, rsEnd, 2))
      for (const [sp, spEnd] of lenFields(body, ss, ssEnd, 2))
        for (const [id, idEnd] of lenFields(body, sp, spEnd, 1)) if (idEnd - id === 16) out.push(id);
  return out;
}
