// Proof 2: the generated collector and query configs write to and read from a real OpenSearch.
// Rewrites: listeners to loopback, the search engine URL to the local node, the credential files
// to a temp dir (the node runs without the security plugin, so they are sent but not checked).

import { JAEGER_HEALTH_PORT as HEALTH_PORT, JAEGER_METRICS_PORT as METRICS_PORT } from '@meshobs/model';
import { missingTools, stopAll, tempDir } from '@meshobs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLLECTOR_CONFIG_FILE, QUERY_CONFIG_FILE } from '../src/jaeger-config.ts';
import { STORAGE_NAME } from '../src/layout.ts';
import { expectTracesQueryable } from './support/assert-traces.ts';
import { e2eConfig, generatedFile } from './support/fixtures.ts';
import { startJaeger } from './support/jaeger.ts';
import { indexCounts, OPENSEARCH_TOOL, startOpenSearch } from './support/opensearch.ts';
import { backendOf, toLoopback, useCredentialFiles, writeConfig } from './support/rewrite.ts';
import { sendTraces } from './support/telemetrygen.ts';

const skip = missingTools('jaeger', 'telemetrygen', OPENSEARCH_TOOL);
const today = () => new Date().toISOString().slice(0, 10);

describe.skipIf(skip)('Jaeger v2 on a real OpenSearch with the generated configs', () => {
  const dir = tempDir('jaeger-os');
  let searchUrl = '';
  let otlpGrpc = '';
  let queryUrl = '';
  let collectorMetricsUrl = '';

  beforeAll(async () => {
    const search = await startOpenSearch();
    searchUrl = search.url;
    const config = e2eConfig();
    const roles = await Promise.all([COLLECTOR_CONFIG_FILE, QUERY_CONFIG_FILE].map(async (f) => toLoopback(generatedFile(config, f))));
    for (const r of roles) {
      const backend = backendOf(r.config, STORAGE_NAME);
      expect(Object.keys(backend)).toEqual(['opensearch']);
      expect(backend.opensearch.server_urls).toEqual([config.elasticsearch.url]);
      backend.opensearch.server_urls = [searchUrl];
      useCredentialFiles(backend, `${dir}/credentials`);
    }
    const [collector, query] = roles as [(typeof roles)[0], (typeof roles)[0]];
    await startJaeger('jaeger-collector', writeConfig(dir, 'collector.yaml', collector.config), collector.ports.get(HEALTH_PORT)!);
    await startJaeger('jaeger-query', writeConfig(dir, 'query.yaml', query.config), query.ports.get(HEALTH_PORT)!);
    otlpGrpc = `127.0.0.1:${collector.ports.get(4317)}`;
    queryUrl = `http://127.0.0.1:${query.ports.get(16686)}`;
    collectorMetricsUrl = `http://127.0.0.1:${collector.ports.get(METRICS_PORT)}/metrics`;
  });

  afterAll(stopAll);

  it('writes the spans into daily Jaeger indices and serves them back through the query role', async () => {
    const sent = {
      service: 'meshobs-e2e-opensearch',
      traces: 5,
      childSpans: 2,
      tag: ['deployment.environment', 'e2e'] as [string, string],
    };
    // Daily indices are named by the spans' (UTC) date: the day they were sent, or the next one when
    // sending straddled midnight.
    const days = new Set([today()]);
    await sendTraces({ endpoint: otlpGrpc, ...sent });
    days.add(today());
    await expectTracesQueryable(queryUrl, sent);

    const counts = await indexCounts(searchUrl, 'jaeger-*');
    const of = (kind: string) => [...counts].filter(([name]) => name.startsWith(`jaeger-${kind}-`));
    expect(
      of('span')
        .map(([name]) => name.slice('jaeger-span-'.length))
        .every((d) => days.has(d)),
    ).toBe(true);
    expect(of('span').reduce((n, [, c]) => n + c, 0)).toBe(sent.traces * (1 + sent.childSpans));
    expect(of('service').length).toBeGreaterThanOrEqual(1);
    expect(of('service').every(([name]) => days.has(name.slice('jaeger-service-'.length)))).toBe(true);
  });

  it("batches in the storage exporter's queue, with no batch processor in the pipeline", async () => {
    // exporterhelper reports the queue it really built: capacity 1000 only if `queue` was applied.
    const metrics = await (await fetch(collectorMetricsUrl)).text();
    expect(metrics).toMatch(/otelcol_exporter_queue_capacity\{[^}]*exporter="jaeger_storage_exporter"[^}]*\} 1000\b/);
    expect(metrics).not.toMatch(/otelcol_processor_batch_/);
  });
});
