import { PassThrough } from 'node:stream';
import { missingTools, stopAll } from '@meshobs/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMesh, countSeries, loadMesh, type Mesh, PRESETS, recordingRuleLevels, writeOpenMetrics } from '../src/index.ts';

async function text(mesh: Mesh): Promise<string> {
  const out = new PassThrough();
  let s = '';
  out.on('data', (d) => (s += d));
  await writeOpenMetrics(mesh, out);
  return s;
}

const small = { spanSeconds: 300, endSeconds: 1_700_000_000 };

describe('synthetic mesh', () => {
  it('is deterministic for a size and seed', async () => {
    expect(await text(buildMesh(small))).toBe(await text(buildMesh(small)));
  });

  it('writes valid OpenMetrics: counters never decrease, buckets are cumulative', async () => {
    const lines = (await text(buildMesh(small))).trim().split('\n');
    expect(lines.at(-1)).toBe('# EOF');
    const last = new Map<string, number>();
    const buckets = new Map<string, number>();
    for (const line of lines) {
      if (line.startsWith('#')) continue;
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+) (\d+)$/.exec(line);
      expect(m, line).not.toBeNull();
      const [, name, labels = '', value, ts] = m!;
      const v = Number(value);
      expect(Number.isFinite(v)).toBe(true);
      const id = name + labels;
      if (/_total$|_bucket$|_count$|_sum$/.test(name!)) expect(v).toBeGreaterThanOrEqual(last.get(id) ?? 0);
      last.set(id, v);
      if (name!.endsWith('_bucket')) {
        const le = /le="([^"]+)"/.exec(labels)![1]!;
        const key = `${name}${labels.replace(/,?le="[^"]+"/, '')}@${ts}`;
        expect(v, `${id} at le=${le}`).toBeGreaterThanOrEqual(buckets.get(key) ?? 0);
        buckets.set(key, v);
      }
    }
  });

  it('has both reporters, stable and canary, 2xx/4xx/5xx and a plaintext caller', async () => {
    const t = await text(buildMesh(small));
    for (const s of [
      'reporter="source"',
      'reporter="destination"',
      'destination_version="canary"',
      'response_code="404"',
      'response_code="503"',
      'connection_security_policy="none"',
    ])
      expect(t).toContain(s);
  });

  it('presets reach their advertised sizes', () => {
    const total = (p: string) => countSeries(buildMesh({ ...PRESETS[p], ...small })).total;
    expect(total('10k')).toBeGreaterThan(8_000);
    expect(total('10k')).toBeLessThan(15_000);
    expect(total('100k')).toBeGreaterThan(80_000);
    expect(total('100k')).toBeLessThan(150_000);
  });
});

describe('recordingRuleLevels', () => {
  it('splits rules that read other rules into later levels and drops alerts', () => {
    const levels = recordingRuleLevels(`groups:
  - name: g
    rules:
      - record: a:x:rate5m
        expr: sum(rate(x[5m]))
      - record: a:y:ratio_rate5m
        expr: a:x:rate5m / 2
      - alert: A
        expr: a:y:ratio_rate5m > 1
`);
    expect(levels).toHaveLength(2);
    expect(levels[0]).toContain('record: a:x:rate5m');
    expect(levels[0]).not.toContain('a:y:ratio_rate5m');
    expect(levels[1]).toContain('record: a:y:ratio_rate5m');
    expect(levels.join()).not.toContain('alert:');
  });
});

describe.skipIf(missingTools('promtool', 'prometheus'))('loadMesh', () => {
  afterAll(stopAll);
  it('serves the mesh and backfilled rules from a real Prometheus', async () => {
    const mesh = buildMesh({ spanSeconds: 900, endSeconds: 1_700_000_000 });
    const prom = await loadMesh(mesh, {
      rulesYaml: `groups:
  - name: t
    rules:
      - record: service:req:rate5m
        expr: sum by (destination_service_name) (rate(istio_requests_total{reporter="destination"}[5m]))
      - record: mesh:req:rate5m
        expr: sum(service:req:rate5m)
`,
    });
    try {
      const raw = await prom.query('sum(rate(istio_requests_total{reporter="destination"}[5m]))');
      const rule = await prom.query('mesh:req:rate5m');
      expect(raw).toHaveLength(1);
      expect(rule).toHaveLength(1);
      // The rule was evaluated on its own 15 s grid, up to one interval before the instant queried.
      expect(Math.abs(Number(rule[0]!.value[1]) / Number(raw[0]!.value[1]) - 1)).toBeLessThan(0.02);
      const services = await prom.query('count(service:req:rate5m)');
      expect(Number(services[0]!.value[1])).toBe(mesh.topology.services.length);
    } finally {
      await prom.stop();
    }
  });
});
