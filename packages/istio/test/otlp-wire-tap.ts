// A TCP relay on loopback between a gRPC client (Envoy's OpenTelemetry tracer) and the collector's OTLP
// gRPC port that records every OTLP export request on the wire, to measure what one span weighs.
//
// It reads the client's bytes only: the HTTP/2 connection preface, then frames (RFC 9113 section 4.1:
// 3-byte length, type, flags, 4-byte stream id; DATA is type 0, PADDED flag 0x8), and per stream the
// gRPC length-prefixed messages in the DATA payloads (gRPC over HTTP/2 protocol: 1-byte compressed flag,
// 4-byte big-endian length). Each message is an ExportTraceServiceRequest (opentelemetry-proto
// collector/trace/v1/trace_service.proto: resource_spans = 1; trace/v1/trace.proto ResourceSpans
// { resource = 1; scope_spans = 2 }, ScopeSpans { scope = 1; spans = 2 }), decoded only as far as the
// encoded size of each span.
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { freePort } from '@meshobs/testkit';

export interface ExportRequest {
  /** Bytes of the protobuf message (the gRPC message, uncompressed). */
  bytes: number;
  /** Encoded size of each span in it: its tag, length prefix and body, as it sits in ScopeSpans. */
  spanBytes: number[];
}

export interface WireTap {
  port: number;
  requests: ExportRequest[];
  close(): Promise<void>;
}

function readVarint(b: Buffer, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = b[at++]!;
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [value, at];
    shift += 7;
  }
}

/** The length-delimited fields of a message, with the full encoded size (tag + length + body) of each. */
function fields(b: Buffer): Array<{ no: number; body: Buffer; encoded: number }> {
  const out: Array<{ no: number; body: Buffer; encoded: number }> = [];
  let at = 0;
  while (at < b.length) {
    const start = at;
    const [key, afterKey] = readVarint(b, at);
    const no = Math.floor(key / 8);
    const wire = key & 7;
    at = afterKey;
    if (wire === 2) {
      const [len, afterLen] = readVarint(b, at);
      out.push({ no, body: b.subarray(afterLen, afterLen + len), encoded: afterLen + len - start });
      at = afterLen + len;
    } else if (wire === 0) at = readVarint(b, at)[1];
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else throw new Error(`unexpected protobuf wire type ${wire}`);
  }
  return out;
}

export function spanSizes(request: Buffer): number[] {
  const sizes: number[] = [];
  for (const rs of fields(request).filter((f) => f.no === 1))
    for (const ss of fields(rs.body).filter((f) => f.no === 2))
      for (const span of fields(ss.body).filter((f) => f.no === 2)) sizes.push(span.encoded);
  return sizes;
}

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** Parses the client side of one HTTP/2 connection, calling `onMessage` with every gRPC message. */
function h2Reader(onMessage: (m: Buffer) => void) {
  let buf = Buffer.alloc(0);
  let prefaceSeen = false;
  const streams = new Map<number, Buffer>();
  return (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    if (!prefaceSeen) {
      if (buf.length < PREFACE.length) return;
      if (!buf.subarray(0, PREFACE.length).equals(PREFACE)) throw new Error('not an HTTP/2 connection preface');
      buf = buf.subarray(PREFACE.length);
      prefaceSeen = true;
    }
    while (buf.length >= 9) {
      const len = buf.readUIntBE(0, 3);
      if (buf.length < 9 + len) return;
      const [type, flags] = [buf[3]!, buf[4]!];
      const stream = buf.readUInt32BE(5) & 0x7fffffff;
      let payload = buf.subarray(9, 9 + len);
      buf = buf.subarray(9 + len);
      if (type !== 0) continue;
      if (flags & 0x8) payload = payload.subarray(1, payload.length - payload[0]!);
      let data = Buffer.concat([streams.get(stream) ?? Buffer.alloc(0), payload]);
      while (data.length >= 5 && data.length >= 5 + data.readUInt32BE(1)) {
        if (data[0] !== 0) throw new Error('compressed gRPC message: the size on the wire would not be the message size');
        const n = data.readUInt32BE(1);
        onMessage(data.subarray(5, 5 + n));
        data = data.subarray(5 + n);
      }
      streams.set(stream, data);
    }
  };
}

/** Starts the relay on a free loopback port, forwarding to 127.0.0.1:`targetPort`. */
export async function startWireTap(targetPort: number): Promise<WireTap> {
  const port = await freePort();
  const requests: ExportRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    const read = h2Reader((m) => requests.push({ bytes: m.length, spanBytes: spanSizes(m) }));
    client.on('data', (d: Buffer) => {
      read(d);
      upstream.write(d);
    });
    upstream.on('data', (d) => client.write(d));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      resolve({
        port,
        requests,
        close: () =>
          new Promise((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
