import { describe, expect, it } from 'vitest';
import { parseImage } from '../src/image.ts';
import { cpuMillis, memoryBytesOf, parseConfig, scheduleProblem } from '../src/index.ts';
import { formatDuration } from '../src/primitives.ts';

describe('the parsers behind the schema', () => {
  it('accepts the schedules Kubernetes runs and refuses the rest', () => {
    for (const s of ['55 23 * * *', '@daily', '@Midnight', '0 0 * * MON-FRI', '15 0 1 JAN,JUL *', '*/5 1-3 * * 0', '0 0 29 2 *'])
      expect(scheduleProblem(s), s).toBeUndefined();
    for (const s of [
      '@every 1h',
      '0 0 31 2 *',
      '0 0 30 2 *',
      '* * * *',
      '0 0 L * *',
      '0 0 * * 1#2',
      '0 0 ? * *',
      'TZ=UTC 0 0 * * *',
      '0 24 * * *',
      '5-1 * * * *',
    ])
      expect(scheduleProblem(s), s).toBeDefined();
  });

  it('compares quantities by value, not by spelling', () => {
    expect(cpuMillis('0.5')).toBe(500);
    expect(cpuMillis('500m')).toBe(500);
    expect(memoryBytesOf('1Gi')).toBe(1024 ** 3);
    expect(memoryBytesOf('1G')).toBe(1e9);
    expect(memoryBytesOf('1000Mi')! > memoryBytesOf('1G')!).toBe(true);
    expect(() => parseConfig({ kiali: { resources: { requests: { memory: '1G' }, limits: { memory: '1000Mi' } } } })).not.toThrow();
    expect(() => parseConfig({ kiali: { resources: { requests: { cpu: '0.5' }, limits: { cpu: '500m' } } } })).not.toThrow();
  });

  it('reads image references like the container runtimes', () => {
    expect(parseImage('localhost:5000/team/app:1.2')).toEqual({ name: 'localhost:5000/team/app', tag: '1.2' });
    expect(parseImage(`app@sha256:${'a'.repeat(64)}`)).toMatchObject({ name: 'app', digest: `sha256:${'a'.repeat(64)}` });
    expect(parseImage('Team/App:1')).toBeUndefined();
  });

  it('spells durations the way messages show them', () => {
    expect(formatDuration(60)).toBe('1m');
    expect(formatDuration(90)).toBe('1m30s');
    expect(formatDuration(0)).toBe('0s');
  });
});
