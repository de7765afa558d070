// Proof 1: the generated collector and query configs run in the real Jaeger v2 binary; traces sent
// over OTLP (gRPC and HTTP) come back through /api/traces and /api/v3/traces.
// Rewrites: listeners to loopback, storage to memory. The two roles share storage in production
// through the search engine; here the collector's in-memory store is shared with the query role
// through Jaeger's remote_storage extension (gRPC), the only way two processes share one.

import { JAEGER_HEALTH_PORT as HEALTH_PORT, JAEGER_METRICS_PORT as METRICS_PORT } from '@meshobs/model';
import { freePort, missingTools, stopAll, tempDir } from '@meshobs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLLECTOR_CONFIG_FILE, QUERY_CONFIG_FILE } from '../src/jaeger-config.ts';
import { STORAGE_NAME } from '../src/layout.ts';
import { expectTracesQueryable } from './support/assert-traces.ts';
import { e2eConfig, generatedFile } from './support/fixtures.ts';
import { startJaeger } from './support/jaeger.ts';
import { toLoopback, writeConfig } from './support/rewrite.ts';
import { sendTraces } from './support/telemetrygen.ts';

const skip = missingTools('jaeger', 'telemetrygen');

describe.skipIf(skip)('Jaeger v2 with the generated configs (memory storage)', () => {
  const dir = tempDir('jaeger-memory');
  let otlpGrpc = '';
  let otlpHttp = '';
  let queryUrl = '';
  let collectorMetrics = '';

  beforeAll(async () => {
    const config = e2eConfig();
    const collector = await toLoopback(generatedFile(config, COLLECTOR_CONFIG_FILE));
    const query = await toLoopback(generatedFile(config, QUERY_CONFIG_FILE));
    const remote = await freePort();
    collector.config.extensions.jaeger_storage.backends[STORAGE_NAME] = { memory: { max_traces: 10_000 } };
    collector.config.extensions.remote_storage = { endpoint: `127.0.0.1:${remote}`, storage: STORAGE_NAME };
    collector.config.service.extensions.push('remote_storage');
    query.config.extensions.jaeger_storage.backends[STORAGE_NAME] = { grpc: { endpoint: `127.0.0.1:${remote}`, tls: { insecure: true } } };

    await startJaeger('jaeger-collector', writeConfig(dir, 'collector.yaml', collector.config), collector.ports.get(HEALTH_PORT)!);
    await startJaeger('jaeger-query', writeConfig(dir, 'query.yaml', query.config), query.ports.get(HEALTH_PORT)!);
    otlpGrpc = `127.0.0.1:${collector.ports.get(4317)}`;
    otlpHttp = `127.0.0.1:${collector.ports.get(4318)}`;
    queryUrl = `http://127.0.0.1:${query.ports.get(16686)}`;
    collectorMetrics = `http://127.0.0.1:${collector.ports.get(METRICS_PORT)}/metrics`;
  });

  afterAll(stopAll);

  it('stores OTLP/gRPC traces and serves them with parent links and tags', async () => {
    const sent = { service: 'meshobs-e2e-grpc', traces: 4, childSpans: 2, tag: ['deployment.environment', 'e2e'] as [string, string] };
    await sendTraces({ endpoint: otlpGrpc, ...sent });
    await expectTracesQueryable(queryUrl, sent);
  });

  it('stores OTLP/HTTP traces too', async () => {
    const sent = { service: 'meshobs-e2e-http', traces: 2, childSpans: 3, tag: ['k8s.cluster.name', 'e2e-cluster'] as [string, string] };
    await sendTraces({ endpoint: otlpHttp, http: true, ...sent });
    await expectTracesQueryable(queryUrl, sent);
  });

  it('lists both services and exports its own pipeline metrics for the ServiceMonitor', async () => {
    const services = (await (await fetch(`${queryUrl}/api/services`)).json()) as { data: string[] };
    expect(services.data).toEqual(expect.arrayContaining(['meshobs-e2e-grpc', 'meshobs-e2e-http']));
    const metrics = await (await fetch(collectorMetrics)).text();
    const accepted = [...metrics.matchAll(/^otelcol_receiver_accepted_spans(?:_total)?\{[^}]*\} (\d+)/gm)].reduce(
      (n, m) => n + Number(m[1]),
      0,
    );
    expect(accepted).toBe(4 * 3 + 2 * 4);
  });
});
