// Proof 3: the generated retention jobs, run as the real Jaeger ES tools with the args and env of
// their generated Kubernetes objects (search engine URL rewritten to the loopback node), delete
// exactly the indices older than the retention window from a real OpenSearch.

import type { MeshobsConfig } from '@meshobs/config';
import type { KubeObject } from '@meshobs/kube';
import { resolveModel } from '@meshobs/model';
import { missingTools, requireTool, stopAll } from '@meshobs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderJaeger } from '../src/index.ts';
import { e2eConfig } from './support/fixtures.ts';
import { runLikeKubernetes } from './support/k8s-run.ts';
import { indexCounts, OPENSEARCH_TOOL, type OpenSearch, os, startOpenSearch } from './support/opensearch.ts';

const skip = missingTools('es-index-cleaner', OPENSEARCH_TOOL);
const DAY = 86_400_000;
const TYPES = ['span', 'service', 'dependencies'] as const;
const DOCS_PER_INDEX = 3;
const SECRETS = { 'jaeger-es-credentials': { username: 'jaeger', password: 'not-checked-security-plugin-off' } };

const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const midnight = (ms: number) => ms - (ms % DAY);
/** es-index-cleaner's cutoff: tomorrow's midnight (UTC) minus the days kept; older indices go (jaeger v1.76.0 cmd/es-index-cleaner/app/cutoff_time.go, index_filter.go by creation date). */
const cutoff = (nowMs: number, days: number) => midnight(nowMs) + DAY - days * DAY;

/**
 * Runs the cleaner and says which indices it had to keep: those created after the cutoff of the
 * latest moment it could have read the clock. Those created before the cutoff of the earliest moment
 * had to go. The two cutoffs are the same unless the run straddles midnight (UTC); an index between
 * them may then have gone either way.
 */
async function cleanerVerdicts<T>(
  indices: Map<string, { created: number }>,
  days: number,
  run: () => Promise<T>,
): Promise<{ result: T; keep: string[]; remove: string[] }> {
  const before = Date.now();
  const result = await run();
  const after = Date.now();
  const entries = [...indices];
  return {
    result,
    keep: entries
      .filter(([, i]) => i.created >= cutoff(after, days))
      .map(([name]) => name)
      .sort(),
    remove: entries
      .filter(([, i]) => i.created < cutoff(before, days))
      .map(([name]) => name)
      .sort(),
  };
}

/** Daily indices for the last 10 days: `<prefix>jaeger-<type>-<date>` created at noon of that day (never in the future). */
function dailyIndices(prefix: string, days = 10): Map<string, { age: number; created: number }> {
  const now = Date.now();
  const out = new Map<string, { age: number; created: number }>();
  for (let age = 0; age < days; age++) {
    const day = midnight(now) - age * DAY;
    for (const t of TYPES) out.set(`${prefix}jaeger-${t}-${dateOf(day)}`, { age, created: Math.min(day + DAY / 2, now - 60_000) });
  }
  return out;
}

const objectNamed = (config: MeshobsConfig, kind: string, name: string): KubeObject => {
  const obj = renderJaeger(resolveModel(config)).objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!obj) throw new Error(`no ${kind} ${name} rendered`);
  return obj;
};

describe.skipIf(skip)('retention with the generated es-index-cleaner CronJob', () => {
  const plain = dailyIndices('');
  const prefixed = dailyIndices('tenant-a-');
  let search: OpenSearch;

  beforeAll(async () => {
    const backdated = new Map([...plain, ...prefixed].map(([name, i]) => [name, i.created]));
    search = await startOpenSearch({ backdated });
    const bulk = [...backdated.keys()]
      .flatMap((index) =>
        Array.from({ length: DOCS_PER_INDEX }, (_, n) => [JSON.stringify({ index: { _index: index } }), JSON.stringify({ n, index })]),
      )
      .flat()
      .join('\n');
    const res = await os<{ errors: boolean }>(search.url, 'POST', '/_bulk?refresh=true', `${bulk}\n`);
    expect(res.errors).toBe(false);
  });

  afterAll(stopAll);

  const cleanerOf = (config: MeshobsConfig) => objectNamed(config, 'CronJob', 'jaeger-es-index-cleaner');

  it('keeps the last 7 days (default) and deletes the 3 older days, documents intact', async () => {
    const config = e2eConfig();
    const cron = cleanerOf(config);
    expect((cron.spec as any).schedule).toBe('55 23 * * *');
    const {
      result: run,
      keep,
      remove,
    } = await cleanerVerdicts(plain, 7, () =>
      runLikeKubernetes(requireTool('es-index-cleaner'), cron, {
        clusterUrl: config.elasticsearch.url,
        localUrl: search.url,
        secrets: SECRETS,
      }),
    );
    expect(run.args).toEqual(['7', search.url]);
    expect(run.env).toMatchObject({ INDEX_PREFIX: '', ROLLOVER: 'false', ES_USERNAME: 'jaeger' });
    // Indices created at noon, one a day: the last 7 days are kept, the 3 before them go (a day
    // fewer kept when the date changed since they were made; one day undecided when the run straddles midnight).
    expect(keep.length + remove.length).toBeGreaterThanOrEqual(plain.size - TYPES.length);
    expect(keep.length).toBeGreaterThanOrEqual(6 * TYPES.length);
    expect(remove.length).toBeGreaterThanOrEqual(2 * TYPES.length);

    const left = await indexCounts(search.url, 'jaeger-*');
    for (const name of keep) expect(left.get(name), name).toBe(DOCS_PER_INDEX);
    expect(remove.filter((name) => left.has(name))).toEqual([]);
    // Another prefix's indices are not this cleaner's business.
    expect((await indexCounts(search.url, 'tenant-a-jaeger-*')).size).toBe(prefixed.size);
  });

  it('honours the index prefix and the configured number of days', async () => {
    const config = e2eConfig({
      storage: { shards: 1, replicas: 0, indexPrefix: 'tenant-a' },
      retention: { days: 3, schedule: '0 1 * * *' },
    });
    const cron = cleanerOf(config);
    expect((cron.spec as any).schedule).toBe('0 1 * * *');
    const plainBefore = await indexCounts(search.url, 'jaeger-*');
    const {
      result: run,
      keep,
      remove,
    } = await cleanerVerdicts(prefixed, 3, () =>
      runLikeKubernetes(requireTool('es-index-cleaner'), cron, {
        clusterUrl: config.elasticsearch.url,
        localUrl: search.url,
        secrets: SECRETS,
      }),
    );
    expect(run.args[0]).toBe('3');
    expect(run.env.INDEX_PREFIX).toBe('tenant-a');
    expect(keep.length).toBeGreaterThanOrEqual(2 * TYPES.length);
    expect(remove.length).toBeGreaterThanOrEqual(6 * TYPES.length);

    const left = await indexCounts(search.url, 'tenant-a-jaeger-*');
    for (const name of keep) expect(left.get(name), name).toBe(DOCS_PER_INDEX);
    expect(remove.filter((name) => left.has(name))).toEqual([]);
    // The unprefixed indices are another cleaner's: untouched.
    expect(await indexCounts(search.url, 'jaeger-*')).toEqual(plainBefore);
  });
});
