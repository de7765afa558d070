// The bookkeeping of the node tier's known defects (unit tier: no node needed): a check subtracts what a
// listed defect explains, keeps everything else as a failure, and notices when a listed defect no longer
// shows, unless it is a race.
import { describe, expect, it } from 'vitest';
import { KNOWN_DEFECTS, triage } from './known-defects.ts';

describe('known defects of the node tier', () => {
  it('lists each defect with its owner and reason', () => {
    expect(KNOWN_DEFECTS.length).toBeGreaterThan(0);
    for (const d of KNOWN_DEFECTS) {
      expect(d.owner, String(d.problem)).not.toBe('');
      expect(d.reason.length, String(d.problem)).toBeGreaterThan(40);
    }
  });

  it('explains only the problems a defect of that check matches; the rest stay unexplained', () => {
    const race = KNOWN_DEFECTS.find((d) => d.check === 'restarts')!;
    const line = 'pod jaeger-query-5d9c7-abcde container jaeger: 1 restarts (dial tcp 10.0.0.9:9200: connect: connection refused)';
    expect(race.problem.test(line)).toBe(true);
    const t = triage('restarts', [line, 'pod otel-collector-0 container otelcol: not ready']);
    expect(t.explained).toEqual([line]);
    expect(t.unexplained).toEqual(['pod otel-collector-0 container otelcol: not ready']);
    // Another check's defects explain nothing here.
    expect(triage('plain', [line]).unexplained).toEqual([line]);
  });

  it('reports a listed defect that did not show as absent (fixed: remove it), never a race', () => {
    for (const check of new Set(KNOWN_DEFECTS.map((d) => d.check))) {
      const absent = triage(check, []).absent;
      expect(absent).toEqual(KNOWN_DEFECTS.filter((d) => d.check === check && !d.race));
    }
  });
});
