// Proof 3b: rollover mode. The generated es-rollover init Job prepares aliases on a real
// OpenSearch, the generated Jaeger configs (use_aliases) write and read through them, and the
// generated rollover, lookback and index-cleaner CronJobs then rotate, unlist and delete an index
// that is older than the retention window (backdated across a restart of the same node).

import type { KubeObject } from '@meshobs/kube';
import { JAEGER_HEALTH_PORT as HEALTH_PORT, resolveModel } from '@meshobs/model';
import { missingTools, type Proc, requireTool, stopAll, tempDir } from '@meshobs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderJaeger } from '../src/index.ts';
import { COLLECTOR_CONFIG_FILE, QUERY_CONFIG_FILE } from '../src/jaeger-config.ts';
import { STORAGE_NAME } from '../src/layout.ts';
import { expectTracesQueryable } from './support/assert-traces.ts';
import { e2eConfig, generatedFile } from './support/fixtures.ts';
import { startJaeger } from './support/jaeger.ts';
import { runLikeKubernetes } from './support/k8s-run.ts';
import { indexCounts, OPENSEARCH_TOOL, type OpenSearch, os, startOpenSearch } from './support/opensearch.ts';
import { backendOf, toLoopback, useCredentialFiles, writeConfig } from './support/rewrite.ts';
import { sendTraces } from './support/telemetrygen.ts';

const skip = missingTools('jaeger', 'telemetrygen', 'es-rollover', 'es-index-cleaner', OPENSEARCH_TOOL);
const SECRETS = { 'jaeger-es-credentials': { username: 'jaeger', password: 'not-checked-security-plugin-off' } };
const config = e2eConfig({ storage: { shards: 1, replicas: 0, rollover: true } });
const bundle = renderJaeger(resolveModel(config));
const object = (kind: string, name: string): KubeObject => {
  const obj = bundle.objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!obj) throw new Error(`no ${kind} ${name} rendered`);
  return obj;
};
const aliasTargets = async (base: string, alias: string) => Object.keys(await os(base, 'GET', `/_alias/${alias}`)).sort();

describe.skipIf(skip)('rollover mode with the generated Job, CronJobs and Jaeger configs', () => {
  const dir = tempDir('jaeger-rollover');
  let search: OpenSearch;
  const jaeger: Proc[] = [];
  let otlpGrpc = '';
  let queryUrl = '';
  const runTool = (tool: string, obj: KubeObject) =>
    runLikeKubernetes(requireTool(tool), obj, { clusterUrl: config.elasticsearch.url, localUrl: search.url, secrets: SECRETS });

  beforeAll(async () => {
    search = await startOpenSearch();
  });
  afterAll(stopAll);

  it('init creates the first indices behind read and write aliases', async () => {
    const run = await runTool('es-rollover', object('Job', 'jaeger-es-rollover-init'));
    expect(run.args).toEqual(['init', search.url]);
    for (const t of ['span', 'service', 'dependencies']) {
      expect(await aliasTargets(search.url, `jaeger-${t}-write`)).toEqual([`jaeger-${t}-000001`]);
      expect(await aliasTargets(search.url, `jaeger-${t}-read`)).toEqual([`jaeger-${t}-000001`]);
    }
  });

  it('Jaeger writes and reads through the aliases', async () => {
    for (const file of [COLLECTOR_CONFIG_FILE, QUERY_CONFIG_FILE]) {
      const role = await toLoopback(generatedFile(config, file));
      const backend = backendOf(role.config, STORAGE_NAME);
      expect(backend.opensearch).toMatchObject({ use_aliases: true, create_mappings: false });
      backend.opensearch.server_urls = [search.url];
      useCredentialFiles(backend, `${dir}/credentials`);
      jaeger.push(await startJaeger(`jaeger-${file}`, writeConfig(dir, file, role.config), role.ports.get(HEALTH_PORT)!));
      if (file === COLLECTOR_CONFIG_FILE) otlpGrpc = `127.0.0.1:${role.ports.get(4317)}`;
      else queryUrl = `http://127.0.0.1:${role.ports.get(16686)}`;
    }
    const sent = { service: 'meshobs-e2e-rollover', traces: 3, childSpans: 2, tag: ['deployment.environment', 'e2e'] as [string, string] };
    await sendTraces({ endpoint: otlpGrpc, ...sent });
    await expectTracesQueryable(queryUrl, sent);
    expect((await indexCounts(search.url, 'jaeger-span-*')).get('jaeger-span-000001')).toBe(9);
    await Promise.all(jaeger.map((p) => p.stop()));
  });

  it('rollover, lookback and the cleaner retire an index older than the retention window', async () => {
    // Restart the node on the same data with the first generation backdated by 10 days.
    await search.proc.stop();
    const tenDaysAgo = Date.now() - 10 * 86_400_000;
    const firstGeneration = ['span', 'service', 'dependencies'].map((t) => `jaeger-${t}-000001`);
    search = await startOpenSearch({ home: search.home, backdated: new Map(firstGeneration.map((i) => [i, tenDaysAgo])) });

    const rollover = await runTool('es-rollover', object('CronJob', 'jaeger-es-rollover'));
    expect(rollover.args).toEqual(['rollover', search.url]);
    expect(rollover.env.CONDITIONS).toBe('{"max_age": "1d"}');
    expect(await aliasTargets(search.url, 'jaeger-span-write')).toEqual(['jaeger-span-000002']);
    expect(await aliasTargets(search.url, 'jaeger-span-read')).toEqual(['jaeger-span-000001', 'jaeger-span-000002']);

    const lookback = await runTool('es-rollover', object('CronJob', 'jaeger-es-lookback'));
    expect(lookback.env).toMatchObject({ UNIT: 'days', UNIT_COUNT: '7' });
    expect(await aliasTargets(search.url, 'jaeger-span-read')).toEqual(['jaeger-span-000002']);

    const cleaner = await runTool('es-index-cleaner', object('CronJob', 'jaeger-es-index-cleaner'));
    expect(cleaner.env.ROLLOVER).toBe('true');
    const left = [...(await indexCounts(search.url, 'jaeger-*')).keys()].sort();
    expect(left).toEqual(['jaeger-dependencies-000002', 'jaeger-service-000002', 'jaeger-span-000002']);
  });
});
