// No config is an internal error: every leaf of the default config, replaced by values of every
// shape (empty, huge, negative, wrong type, look-alikes of other fields' formats), either parses or
// fails with a ConfigError whose every problem names a path.
import { describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, parseConfig } from '../src/index.ts';

const ODD_VALUES: unknown[] = [
  '',
  'x'.repeat(5000),
  '-1',
  '0s',
  '99999999999999999999s',
  '@daily',
  '1Gi',
  'http://u:p@h',
  'a..b',
  '__x',
  -1,
  0,
  1e308,
  true,
  null,
  [],
  {},
];

function leaves(v: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(v)) return [path, ...v.flatMap((x, i) => leaves(x, [...path, i]))];
  if (v && typeof v === 'object') return [path, ...Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, k]))];
  return [path];
}

function withValue(base: unknown, path: (string | number)[], value: unknown): unknown {
  if (!path.length) return value;
  const copy: any = Array.isArray(base) ? [...base] : { ...(base as object) };
  copy[path[0]!] = withValue(copy[path[0]!], path.slice(1), value);
  return copy;
}

describe('no config makes parseConfig throw anything but a ConfigError', () => {
  const base = defaultConfig();
  const paths = leaves(base).filter((p) => p.length > 0);

  it(`holds for ${ODD_VALUES.length} odd values at each of the default config's fields`, () => {
    expect(paths.length).toBeGreaterThan(100);
    const internal: string[] = [];
    for (const path of paths)
      for (const value of ODD_VALUES) {
        try {
          parseConfig(withValue(base, path, value));
        } catch (e) {
          if (!(e instanceof ConfigError) || e.problems.some((p) => !p.path || p.message.length > 600))
            internal.push(`${path.join('.')} = ${JSON.stringify(value)?.slice(0, 40)}: ${(e as Error).message.slice(0, 200)}`);
        }
      }
    expect(internal).toEqual([]);
    // Thousands of parses: CPU-bound, so its wall time follows the machine's load. The verdict does not.
  }, 600_000);
});
