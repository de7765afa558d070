// One model of scrape-target labels: the synthetic series and the bundle's rendered rule tests both
// carry the labels the bundle's monitors produce (Envoy on its stats port, istiod on its monitoring
// port, the operator's container/endpoint labels). Both sources are checked against the scrape config.
import { PassThrough } from 'node:stream';
import { renderRuleTests } from '@meshobs/alerts';
import { parseConfig } from '@meshobs/config';
import { ENVOY_PROM_PORT, ISTIOD_MONITORING_PORT, resolveModel } from '@meshobs/model';
import { describe, expect, it } from 'vitest';
import { buildMesh, writeOpenMetrics } from '../src/index.ts';

type Labels = Record<string, string>;
const parseLabels = (body: string): Labels => Object.fromEntries([...body.matchAll(/([a-zA-Z_]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));

let cached: Promise<Array<{ name: string; labels: Labels }>> | undefined;
const syntheticSeries = () => (cached ??= readSynthetic());

async function readSynthetic(): Promise<Array<{ name: string; labels: Labels }>> {
  const out = new PassThrough();
  let s = '';
  out.on('data', (d) => (s += d));
  await writeOpenMetrics(buildMesh({ spanSeconds: 60, endSeconds: 1_700_000_000 }), out);
  return s
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(l)!;
      return { name: m[1]!, labels: parseLabels(m[2] ?? '') };
    });
}

function ruleTestSeries(): Array<{ name: string; labels: Labels }> {
  const { suites } = renderRuleTests(resolveModel(parseConfig({})));
  return suites.flatMap((s) =>
    s.tests.flatMap((t) =>
      t.input_series.map((i) => {
        const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\}$/.exec(i.series)!;
        return { name: m[1]!, labels: parseLabels(m[2]!) };
      }),
    ),
  );
}

const jobs = parseConfig({}).prometheus.jobs;

function checkTargets(source: string, series: Array<{ name: string; labels: Labels }>) {
  const envoy = series.filter((s) => s.labels.job === jobs.envoy);
  const istiod = series.filter((s) => s.labels.job === jobs.istiod);
  expect(envoy.length, source).toBeGreaterThan(0);
  expect(istiod.length, source).toBeGreaterThan(0);
  for (const s of envoy) {
    expect(s.labels.instance, `${source} ${s.name}`).toMatch(new RegExp(`:${ENVOY_PROM_PORT.number}$`));
    expect({ container: s.labels.container, endpoint: s.labels.endpoint }, `${source} ${s.name}`).toEqual({
      container: 'istio-proxy',
      endpoint: ENVOY_PROM_PORT.name,
    });
    for (const l of ['namespace', 'pod', 'app']) expect(s.labels[l], `${source} ${s.name} ${l}`).toBeTruthy();
  }
  for (const s of istiod) {
    expect(s.labels.instance, `${source} ${s.name}`).toMatch(new RegExp(`:${ISTIOD_MONITORING_PORT.number}$`));
    expect({ container: s.labels.container, endpoint: s.labels.endpoint }, `${source} ${s.name}`).toEqual({
      container: 'discovery',
      endpoint: ISTIOD_MONITORING_PORT.name,
    });
  }
}

describe('scrape-target labels', () => {
  it('the synthetic mesh carries what the bundle scrapes', async () => {
    checkTargets('synthetic mesh', await syntheticSeries());
  });

  it('the rendered rule tests carry the same', () => {
    checkTargets('rule tests', ruleTestSeries());
  });

  it('gateway pods carry the istio label and no version, in both', async () => {
    const gw = (s: Array<{ name: string; labels: Labels }>) =>
      s.filter((x) => x.labels.job === jobs.envoy && x.labels.namespace === 'istio-system' && x.name === 'up');
    for (const [source, series] of [
      ['synthetic mesh', await syntheticSeries()],
      ['rule tests', ruleTestSeries()],
    ] as const) {
      expect(gw(series).length, source).toBeGreaterThan(0);
      for (const s of gw(series)) {
        expect(s.labels.istio, source).toBe(s.labels.app!.replace(/^istio-/, ''));
        expect(s.labels.version, source).toBeUndefined();
      }
    }
  });
});
