// A real single-node OpenSearch on loopback (scripts/install-opensearch.sh provides the launcher).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, type Proc, requireTool, startProcess, tempDir } from '@meshobs/testkit';

export const OPENSEARCH_TOOL = 'opensearch-single-node';

export interface OpenSearch {
  url: string;
  home: string;
  proc: Proc;
}

/**
 * Starts OpenSearch (on a fresh data directory unless `home` is given, to restart on the same
 * data). `backdated` indices (name -> creation time in ms) exist, created if absent and with that
 * creation date, before it reports ready.
 */
export async function startOpenSearch(opts: { home?: string; backdated?: Map<string, number> } = {}): Promise<OpenSearch> {
  const home = opts.home ?? tempDir('opensearch');
  const backdated = opts.backdated;
  const http = await freePort();
  const transport = await freePort();
  const args = [home, String(http), String(transport)];
  if (backdated) {
    const file = join(home, 'backdated.txt');
    writeFileSync(file, `${[...backdated].map(([name, ms]) => `${name} ${ms}`).join('\n')}\n`);
    args.push(file);
  }
  const proc = await startProcess('opensearch', requireTool(OPENSEARCH_TOOL), args, {
    env: { OPENSEARCH_JAVA_OPTS: '-Xms512m -Xmx1g' },
    readyLog: /opensearch ready on/,
    timeoutMs: 180_000,
  });
  return { url: `http://127.0.0.1:${http}`, home, proc };
}

export async function os<T = any>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': typeof body === 'string' ? 'application/x-ndjson' : 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Index name -> number of documents (by _count: _cat's docs.count includes nested Lucene docs). */
export async function indexCounts(base: string, pattern: string): Promise<Map<string, number>> {
  await os(base, 'POST', `/${pattern}/_refresh?allow_no_indices=true`);
  const rows = await os<{ index: string }[]>(base, 'GET', `/_cat/indices/${pattern}?format=json&h=index`);
  const counts = new Map<string, number>();
  for (const { index } of rows.sort((a, b) => a.index.localeCompare(b.index)))
    counts.set(index, (await os<{ count: number }>(base, 'GET', `/${index}/_count`)).count);
  return counts;
}
