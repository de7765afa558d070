// A minimal Aggregated Discovery Service client: it opens one plaintext gRPC stream to istiod and
// subscribes as one proxy (its node id and metadata), so istiod registers the proxy and generates its
// configuration. The configuration is then read from istiod's own debug endpoint
// (/debug/config_dump?proxyID=<pod>.<namespace>, istio/istio pilot/pkg/xds/debug.go ConfigDump at the
// pinned commit eed52ebb66ad: it generates every type the proxy watches, so the client must subscribe to
// listeners, clusters and the route names the listeners refer to; the answers on the stream are never
// decoded).
//
// Why not Envoy itself as the client: istiod's listeners bind 0.0.0.0 (virtualOutbound 15001,
// virtualInbound 15006), and upstream Envoy applies every listener of an LDS update it can, so the
// test would open wildcard ports. This client binds nothing.
//
// Wire format, written by hand (no generated code): envoy/service/discovery/v3/discovery.proto
// DiscoveryRequest { version_info = 1; node = 2 (config.core.v3.Node { id = 1; cluster = 2;
// metadata = 3 (google.protobuf.Struct) }); resource_names = 3; type_url = 4; response_nonce = 5 },
// google/protobuf/struct.proto Struct { map<string, Value> fields = 1 }, Value { string_value = 3;
// bool_value = 4; struct_value = 5; list_value = 6 }, ListValue { repeated Value values = 1 }; gRPC
// over HTTP/2 frames each message as 1 byte "compressed" flag, 4 bytes big-endian length, message.
import { type ClientHttp2Session, type ClientHttp2Stream, connect } from 'node:http2';

export const TYPE = {
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
} as const;

export type MetaValue = string | boolean | MetaValue[] | { [k: string]: MetaValue };

const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
};
/** A length-delimited field (wire type 2). */
const field = (no: number, body: Buffer) => Buffer.concat([Buffer.from([...varint((no << 3) | 2), ...varint(body.length)]), body]);
const str = (no: number, s: string) => field(no, Buffer.from(s, 'utf8'));

function value(v: MetaValue): Buffer {
  if (typeof v === 'string') return str(3, v);
  if (typeof v === 'boolean') return Buffer.from([(4 << 3) | 0, v ? 1 : 0]);
  if (Array.isArray(v)) return field(6, Buffer.concat(v.map((x) => field(1, value(x)))));
  return field(5, struct(v));
}

function struct(o: { [k: string]: MetaValue }): Buffer {
  return Buffer.concat(
    Object.entries(o)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => field(1, Buffer.concat([str(1, k), field(2, value(v))]))),
  );
}

export interface XdsNode {
  id: string;
  cluster: string;
  metadata: { [k: string]: MetaValue };
}

function discoveryRequest(typeUrl: string, node: XdsNode, names: string[] = []): Buffer {
  const nodeMsg = Buffer.concat([str(1, node.id), str(2, node.cluster), field(3, struct(node.metadata))]);
  return Buffer.concat([field(2, nodeMsg), ...names.map((n) => str(3, n)), str(4, typeUrl)]);
}

const frame = (msg: Buffer) => {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(msg.length, 1);
  return Buffer.concat([head, msg]);
};

/** One proxy's ADS stream. */
export interface XdsConnection {
  node: XdsNode;
  /** Subscribes to a type (again): for routes, with the route names to watch. */
  subscribe(typeUrl: string, names?: string[]): void;
  close(): void;
}

/** Opens the stream and subscribes to clusters and listeners. */
export function connectXds(address: string, node: XdsNode): Promise<XdsConnection> {
  return new Promise((resolve, reject) => {
    const session: ClientHttp2Session = connect(`http://${address}`);
    const fail = (e: Error) => reject(new Error(`xDS connection to ${address} as ${node.id}: ${e.message}`));
    session.once('error', fail);
    const stream: ClientHttp2Stream = session.request({
      ':method': 'POST',
      ':path': '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    stream.once('error', fail);
    // The answers are not decoded: reading them keeps HTTP/2 flow control open.
    stream.on('data', () => {});
    stream.once('response', (headers) => {
      if (headers[':status'] !== 200) return fail(new Error(`HTTP ${headers[':status']}`));
      resolve(conn);
    });
    const conn: XdsConnection = {
      node,
      subscribe: (typeUrl, names) => stream.write(frame(discoveryRequest(typeUrl, node, names))),
      close: () => {
        stream.close();
        session.close();
      },
    };
    conn.subscribe(TYPE.cluster);
    conn.subscribe(TYPE.listener);
  });
}
