// "One grep proves it": every raw metric name the bundle queries is written in exactly one source
// file of the tree, the one that defines it (this package, or @meshobs/otel-collector for the
// collector's own names). Alerts, recording rules, dashboards, benchmarks and rule tests compose the
// constants instead of retyping them.
//
// Scanned: packages/*/src and apps/*/src, comment lines skipped (prose may name a metric).
// Not scanned: packages/synthetic-mesh, the stand-in for the upstream exporters (Istio's proxies,
// istiod, kube-state-metrics, cAdvisor, the collector). It spells the names as upstream does on
// purpose: were it built from these constants, a misspelt name here would be emitted and queried
// alike, and the real-Prometheus tests that run every query on it could no longer catch it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '@meshobs/testkit';
import { describe, expect, it } from 'vitest';
import { RAW_METRICS } from '../src/index.ts';

const EXCLUDED = new Set(['packages/synthetic-mesh']);
const HOMES = ['packages/signals/src/', 'packages/otel-collector/src/'];

function* sourceFiles(dir: string): Iterable<string> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (entry === 'node_modules') continue;
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|js|mjs)$/.test(entry)) yield path;
  }
}

function scannedFiles(): Array<{ path: string; code: string }> {
  const out: Array<{ path: string; code: string }> = [];
  for (const top of ['packages', 'apps'])
    for (const pkg of readdirSync(join(REPO_ROOT, top))) {
      const root = `${top}/${pkg}`;
      const src = join(REPO_ROOT, root, 'src');
      if (EXCLUDED.has(root) || !statSync(join(REPO_ROOT, root)).isDirectory()) continue;
      try {
        statSync(src);
      } catch {
        continue;
      }
      for (const file of sourceFiles(src)) {
        const code = readFileSync(file, 'utf8')
          .split('\n')
          .filter((line) => !/^\s*(\/\/|\/\*|\*)/.test(line))
          .join('\n');
        out.push({ path: relative(REPO_ROOT, file), code });
      }
    }
  return out;
}

const word = (name: string) => new RegExp(`(?<![A-Za-z0-9_:])${name}(?![A-Za-z0-9_])`);

describe('raw metric names', () => {
  const files = scannedFiles();

  it('scans the tree (sanity: the homes are found)', () => {
    expect(files.some((f) => f.path.startsWith('packages/signals/src/'))).toBe(true);
    expect(files.some((f) => f.path.startsWith('packages/alerts/src/'))).toBe(true);
    expect(RAW_METRICS.length).toBeGreaterThan(40);
  });

  it('each appears in exactly one source file, its home', () => {
    const where = Object.fromEntries(RAW_METRICS.map((name) => [name, files.filter((f) => word(name).test(f.code)).map((f) => f.path)]));
    const wrong = Object.entries(where).filter(([, paths]) => paths.length !== 1 || !HOMES.some((h) => paths[0]!.startsWith(h)));
    expect(Object.fromEntries(wrong)).toEqual({});
  });

  it('the check sees a retyped name', () => {
    const retyped = [{ path: 'x.ts', code: 'const q = `sum(rate(istio_requests_total{reporter="source"}[5m]))`;' }];
    expect(retyped.filter((f) => word('istio_requests_total').test(f.code))).toHaveLength(1);
    expect(word('istio_requests_total').test('service:istio_requests:rate5m')).toBe(false);
    expect(word('pilot_xds').test('pilot_xds_pushes{type="cds"}')).toBe(false);
  });
});
