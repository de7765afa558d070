// How large an OTLP/gRPC message may be between the bundle's own hops (load-balancing tier -> sampling
// tier -> Jaeger, or single collector -> Jaeger): the one home of the batch size every exporter sends
// and of the message size every OTLP gRPC receiver accepts, so the two can never disagree.
//
// Upstream facts this rests on:
// - A gRPC server refuses a message larger than its receive limit with ResourceExhausted, checked on the
//   message *after* decompression (google.golang.org/grpc v1.83.2, the collector's, and v1.76.0, Jaeger
//   v2.13.0's: rpc_util.go recvAndDecompress "grpc: received message after decompression larger than
//   max"); the limit defaults to 4 MiB (server.go defaultServerMaxReceiveMessageSize = 1024 * 1024 * 4).
// - An OTLP receiver raises it with protocols.grpc.max_recv_msg_size_mib (go.opentelemetry.io/collector
//   config/configgrpc v1.67.0 and v0.140.0, Jaeger's: ServerConfig.MaxRecvMsgSizeMiB).
// - The OTLP exporter does not retry ResourceExhausted unless the server sent RetryInfo
//   (go.opentelemetry.io/collector/exporter/otlpexporter v0.161.0 otlp.go shouldRetry), and a receiver's
//   size refusal carries none: the batch is dropped.
// - exporterhelper's sending_queue batches by `bytes`: the serialized protobuf size of the traces
//   (exporter/exporterhelper v0.161.0 internal/sizer/traces_sizer.go TracesBytesSizer =
//   ptrace.ProtoMarshaler), and with max_size it splits every batch to at most max_size bytes
//   (internal/queuebatch/traces_batch.go MergeSplit/split). That size is the gRPC message: an
//   ExportTraceServiceRequest and a TracesData are the same repeated field 1 of ResourceSpans.
//
// An Envoy span with Istio's tags and the bundle's custom tags is ~1.2 KiB, so the 8,192-16,384 span
// batches counted in items that the tiers used to send were ~10-20 MiB: refused by a 4 MiB receiver.

const MiB = 2 ** 20;

/** gRPC's default receive limit (grpc-go server.go defaultServerMaxReceiveMessageSize). */
export const GRPC_DEFAULT_MAX_RECV_BYTES = 4 * MiB;

export const OTLP_TRANSPORT = {
  /**
   * Every exporter of the bundle that sends OTLP to another of its hops batches by serialized bytes
   * (sending_queue.batch sizer `bytes`). max_size stays below gRPC's 4 MiB default, so even a receiver
   * left at its default accepts every batch; min_size or flush_timeout, whichever comes first, sends it.
   */
  batch: { sizer: 'bytes', minBytes: 2 * MiB, maxBytes: 3 * MiB, flushTimeout: '1s' },
  /**
   * max_recv_msg_size_mib of every OTLP gRPC receiver of the bundle (both collector tiers, Jaeger's
   * collector): at least MARGIN times the largest batch any of the bundle's senders sends. The margin
   * also covers senders outside the bundle (SDK batch span processors, Envoy) sending larger spans.
   */
  receiverMaxRecvMiB: 8,
  /** Receiver limit / largest batch, at least. */
  margin: 2,
} as const;

/** The sending_queue.batch block of an OTLP exporter (exporterhelper keys). */
export const otlpBatch = () => ({
  sizer: OTLP_TRANSPORT.batch.sizer,
  flush_timeout: OTLP_TRANSPORT.batch.flushTimeout,
  min_size: OTLP_TRANSPORT.batch.minBytes,
  max_size: OTLP_TRANSPORT.batch.maxBytes,
});

/** The invariant, in one place: an empty list when every number agrees. */
export function otlpTransportProblems(t: {
  batch: { minBytes: number; maxBytes: number };
  receiverMaxRecvMiB: number;
  margin: number;
}): string[] {
  const problems: string[] = [];
  if (t.batch.minBytes > t.batch.maxBytes) problems.push(`batch min ${t.batch.minBytes} B is above its max ${t.batch.maxBytes} B`);
  if (t.batch.maxBytes >= GRPC_DEFAULT_MAX_RECV_BYTES)
    problems.push(`batch max ${t.batch.maxBytes} B does not fit gRPC's default receive limit of ${GRPC_DEFAULT_MAX_RECV_BYTES} B`);
  if (t.receiverMaxRecvMiB * MiB < t.margin * t.batch.maxBytes)
    problems.push(`receivers accept ${t.receiverMaxRecvMiB} MiB, less than ${t.margin} x the largest batch (${t.batch.maxBytes} B)`);
  return problems;
}
