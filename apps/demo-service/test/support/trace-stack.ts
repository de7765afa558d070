// The real trace pipeline on loopback: the bundle's collector config run by the OpenTelemetry
// Collector built with OCB, exporting into Jaeger v2 with in-memory storage.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '@meshobs/config';
import { resolveModel } from '@meshobs/model';
import { collectorConfigFile, renderCollector } from '@meshobs/otel-collector';
import { freePort, type Proc, requireTool, startProcess, tempDir } from '@meshobs/testkit';
import { parse, stringify } from 'yaml';

export interface TraceStack {
  /** OTLP/HTTP base URL for OTEL_EXPORTER_OTLP_ENDPOINT. */
  otlpHttpEndpoint: string;
  jaegerQueryUrl: string;
  collector: Proc;
  jaeger: Proc;
  /** What was changed in the bundle's collector config to run it here. */
  rewrites: string[];
}

type Yaml = Record<string, any>;

const LISTEN = /^(0\.0\.0\.0|localhost|127\.0\.0\.1|\[::\])?:\d+$/;

// One collector process that samples by itself: single mode (the default two-tier config.yaml is only the
// load-balancing tier, which needs the Kubernetes resolver).
const SINGLE_COLLECTOR = parseConfig({ tracing: { collector: { mode: 'single' } } });

/**
 * The bundle's collector config with listen addresses moved to free loopback ports and the OTLP
 * exporters pointed at the local Jaeger. k8s_attributes needs the Kubernetes API, which a test
 * machine lacks: it is switched to passthrough (it then only tags the peer address).
 */
export async function loopbackCollectorConfig(text: string, jaegerOtlpGrpc: string): Promise<{ config: Yaml; rewrites: string[] }> {
  const config = parse(text) as Yaml;
  const rewrites: string[] = [];
  const walk = async (node: unknown, path: string): Promise<void> => {
    if (!node || typeof node !== 'object') return;
    const obj = node as Yaml;
    for (const [key, value] of Object.entries(obj)) {
      if (key === 'endpoint' && typeof value === 'string' && LISTEN.test(value)) {
        obj[key] = `127.0.0.1:${await freePort()}`;
        rewrites.push(`${path}.endpoint ${value} -> ${obj[key]}`);
      } else if (key === 'host' && typeof obj.port === 'number') {
        const [host, port] = [obj.host, obj.port];
        obj.host = '127.0.0.1';
        obj.port = await freePort();
        rewrites.push(`${path} ${host}:${port} -> 127.0.0.1:${obj.port}`);
      } else await walk(value, `${path}.${key}`);
    }
  };
  await walk(config, '');
  for (const [name, exporter] of Object.entries((config.exporters ?? {}) as Yaml)) {
    if (name === 'otlp' || name.startsWith('otlp/') || name === 'otlp_grpc' || name.startsWith('otlp_grpc/')) {
      rewrites.push(`exporters.${name}.endpoint ${exporter.endpoint} -> ${jaegerOtlpGrpc}`);
      exporter.endpoint = jaegerOtlpGrpc;
    }
  }
  for (const [name, processor] of Object.entries((config.processors ?? {}) as Yaml)) {
    if (name === 'k8s_attributes' || name.startsWith('k8s_attributes/') || name.startsWith('k8sattributes')) {
      processor.passthrough = true;
      rewrites.push(`processors.${name}.passthrough -> true (no Kubernetes API here)`);
    }
  }
  return { config, rewrites };
}

function jaegerConfig(ports: { otlpGrpc: number; queryHttp: number; queryGrpc: number }): Yaml {
  return {
    service: {
      extensions: ['jaeger_storage', 'jaeger_query'],
      pipelines: { traces: { receivers: ['otlp'], exporters: ['jaeger_storage_exporter'] } },
      telemetry: { metrics: { level: 'none' }, logs: { level: 'warn' } },
    },
    extensions: {
      jaeger_storage: { backends: { memstore: { memory: { max_traces: 100_000 } } } },
      jaeger_query: {
        storage: { traces: 'memstore' },
        http: { endpoint: `127.0.0.1:${ports.queryHttp}` },
        grpc: { endpoint: `127.0.0.1:${ports.queryGrpc}` },
      },
    },
    receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${ports.otlpGrpc}` } } } },
    exporters: { jaeger_storage_exporter: { trace_storage: 'memstore' } },
  };
}

/** freePort() only reserves nothing: another process may take a port first, so a start is retried. */
async function withPortRetry<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await start();
    } catch (e) {
      if (i >= attempts || !/address already in use/.test((e as Error).message)) throw e;
    }
  }
}

async function startJaeger(dir: string): Promise<{ proc: Proc; queryUrl: string; otlpGrpc: string }> {
  const ports = { otlpGrpc: await freePort(), queryHttp: await freePort(), queryGrpc: await freePort() };
  writeFileSync(join(dir, 'jaeger.yaml'), stringify(jaegerConfig(ports)));
  const queryUrl = `http://127.0.0.1:${ports.queryHttp}`;
  const proc = await startProcess('jaeger', requireTool('jaeger'), ['--config', `file:${join(dir, 'jaeger.yaml')}`], {
    readyUrl: `${queryUrl}/api/services`,
  });
  return { proc, queryUrl, otlpGrpc: `127.0.0.1:${ports.otlpGrpc}` };
}

async function startCollector(dir: string, jaegerOtlpGrpc: string) {
  const { config, rewrites } = await loopbackCollectorConfig(
    collectorConfigFile(renderCollector(resolveModel(SINGLE_COLLECTOR))),
    jaegerOtlpGrpc,
  );
  writeFileSync(join(dir, 'collector.yaml'), stringify(config));
  const httpEndpoint: string = config.receivers?.otlp?.protocols?.http?.endpoint;
  const health: string | undefined = config.extensions?.health_check?.endpoint;
  if (!httpEndpoint) throw new Error('the bundle collector config has no OTLP/HTTP receiver');
  const proc = await startProcess('otelcol', requireTool('otelcol-meshobs'), ['--config', join(dir, 'collector.yaml')], {
    readyUrl: health ? `http://${health}/` : undefined,
    readyLog: health ? undefined : /Everything is ready/,
  });
  return { proc, rewrites, otlpHttpEndpoint: `http://${httpEndpoint}` };
}

export async function startTraceStack(): Promise<TraceStack> {
  const dir = tempDir('demo-e2e');
  const jaeger = await withPortRetry(() => startJaeger(dir));
  const collector = await withPortRetry(() => startCollector(dir, jaeger.otlpGrpc));
  return {
    otlpHttpEndpoint: collector.otlpHttpEndpoint,
    jaegerQueryUrl: jaeger.queryUrl,
    collector: collector.proc,
    jaeger: jaeger.proc,
    rewrites: collector.rewrites,
  };
}
