// The two Jaeger v2 configurations (OpenTelemetry Collector format, keys of Jaeger v2.13.0):
// the collector role (OTLP in, jaeger_storage_exporter out) and the query role (jaeger_query over
// the same storage). Both share one jaeger_storage backend definition.
import { type MeshobsConfig, OTLP_TRANSPORT } from '@meshobs/config';
import { JAEGER_HEALTH_PORT as HEALTH_PORT, jaegerLayout as layoutOf, JAEGER_METRICS_PORT as METRICS_PORT } from '@meshobs/model';
import { CONFIG_DIR, CREDENTIALS_DIR, ES_CA_DIR, STORAGE_NAME } from './layout.ts';

export const COLLECTOR_CONFIG_FILE = 'collector-config.yaml';
export const QUERY_CONFIG_FILE = 'query-config.yaml';
export const configPath = (file: string) => `${CONFIG_DIR}/${file}`;

export const USERNAME_FILE = `${CREDENTIALS_DIR}/username`;
export const PASSWORD_FILE = `${CREDENTIALS_DIR}/password`;

// date_layout stays at Jaeger's default "2006-01-02" (daily indices, as es-index-cleaner expects).
// It is not written out: YAML 1.1 readers such as Jaeger's take an unquoted 2006-01-02 for a date.
const index = (shards: number, replicas: number) => ({
  rollover_frequency: 'day',
  shards,
  replicas,
});

/** The `elasticsearch:` (or `opensearch:`) backend of the jaeger_storage extension. */
export function storageBackend(config: MeshobsConfig): Record<string, unknown> {
  const s = config.jaeger.storage;
  const { esUrl } = layoutOf(config);
  const body: Record<string, unknown> = {
    server_urls: [config.elasticsearch.url],
    // Secrets as files: the password file is re-read, so a rotated Secret needs no restart.
    auth: { basic: { username: `\${file:${USERNAME_FILE}}`, password_file: PASSWORD_FILE, reload_interval: '1m' } },
    tls: esUrl.protocol === 'https:' ? { ca_file: `${ES_CA_DIR}/${config.elasticsearch.caSecret.key}` } : { insecure: true },
    indices: {
      ...(s.indexPrefix ? { index_prefix: s.indexPrefix } : {}),
      spans: index(s.shards, s.replicas),
      services: index(s.shards, s.replicas),
      dependencies: index(s.shards, s.replicas),
      sampling: index(s.shards, s.replicas),
    },
    // Queries may look back over the whole retention window (Jaeger's default is 72h).
    max_span_age: `${config.jaeger.retention.days * 24}h`,
    // With rollover, es-rollover init owns the templates and the read/write aliases.
    use_aliases: s.rollover,
    create_mappings: !s.rollover,
  };
  return { [config.elasticsearch.flavor]: body };
}

function telemetry(serviceName: string) {
  return {
    resource: { 'service.name': serviceName },
    metrics: { level: 'detailed', readers: [{ pull: { exporter: { prometheus: { host: '0.0.0.0', port: METRICS_PORT } } } }] },
    logs: { level: 'info' },
  };
}

/**
 * Exporter-side batching instead of the batch processor, which the collector is phasing out.
 * jaeger_storage_exporter takes exporterhelper's queue-batch config under `queue` (jaeger v1.76.0 ==
 * v2.13.0, cmd/jaeger/internal/exporters/storageexporter/config.go; keys from
 * go.opentelemetry.io/collector/exporter/exporterhelper v0.140.0, internal/queuebatch/config.go). The values are
 * exporterhelper's own defaults (internal/queue_sender.go NewDefaultQueueConfig), which equal the batch
 * processor's it replaces (8192 spans or 200ms). They are written out because this exporter's default
 * config leaves the queue off (its createDefaultConfig sets no QueueConfig).
 */
const exporterQueue = {
  enabled: true,
  sizer: 'requests',
  queue_size: 1000,
  num_consumers: 10,
  batch: { sizer: 'items', flush_timeout: '200ms', min_size: 8192 },
};

const healthcheck = { use_v2: true, http: { endpoint: `0.0.0.0:${HEALTH_PORT}` } };

export function collectorConfig(config: MeshobsConfig): Record<string, unknown> {
  const l = layoutOf(config);
  return {
    extensions: {
      healthcheckv2: healthcheck,
      jaeger_storage: { backends: { [STORAGE_NAME]: storageBackend(config) } },
    },
    receivers: {
      otlp: {
        protocols: {
          // The sampling tier's batches, with a margin (gRPC's own default is 4 MiB): the one limit of
          // every OTLP gRPC receiver of the bundle (@meshobs/config otlp-transport.ts; configgrpc
          // v0.140.0, Jaeger v2.13.0's, has the same max_recv_msg_size_mib key).
          grpc: { endpoint: `0.0.0.0:${l.collector.otlpGrpcPort}`, max_recv_msg_size_mib: OTLP_TRANSPORT.receiverMaxRecvMiB },
          http: { endpoint: `0.0.0.0:${l.collector.otlpHttpPort}` },
        },
      },
    },
    exporters: { jaeger_storage_exporter: { trace_storage: STORAGE_NAME, queue: exporterQueue } },
    service: {
      extensions: ['jaeger_storage', 'healthcheckv2'],
      pipelines: { traces: { receivers: ['otlp'], exporters: ['jaeger_storage_exporter'] } },
      telemetry: telemetry(l.collector.name),
    },
  };
}

export function queryConfig(config: MeshobsConfig): Record<string, unknown> {
  const l = layoutOf(config);
  return {
    extensions: {
      healthcheckv2: healthcheck,
      jaeger_storage: { backends: { [STORAGE_NAME]: storageBackend(config) } },
      jaeger_query: {
        storage: { traces: STORAGE_NAME },
        // v2 turns self-tracing on by default; the query pods have no local OTLP endpoint to send to.
        enable_tracing: false,
        http: { endpoint: `0.0.0.0:${l.query.httpPort}` },
        grpc: { endpoint: `0.0.0.0:${l.query.grpcPort}` },
      },
    },
    // The collector framework needs one pipeline; the query role ingests nothing.
    receivers: { nop: {} },
    exporters: { nop: {} },
    service: {
      extensions: ['jaeger_storage', 'jaeger_query', 'healthcheckv2'],
      pipelines: { traces: { receivers: ['nop'], exporters: ['nop'] } },
      telemetry: telemetry(l.query.name),
    },
  };
}
