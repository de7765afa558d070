// Every config in fixtures/invalid must be rejected as a config error with its own message (field path,
// value, reason), and nothing written. The CLI runs in-process (helpers.ts), so 100+ cases stay fast.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@meshobs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meshobs } from './helpers.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'invalid');
const cases = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((file) => {
    const text = readFileSync(join(FIXTURES, file), 'utf8');
    const expected = [...text.matchAll(/^# expect: (.+)$/gm)].map((m) => m[1]!);
    return { file, expected };
  });

const snapshot = (dir: string) =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .sort()
    .map((p) => [p, existsSync(join(dir, p)) && !p.endsWith('/') ? safeRead(join(dir, p)) : ''] as const);
const safeRead = (p: string) => {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '<dir>';
  }
};

describe('invalid configs', () => {
  it('has at least 100 cases, each expecting a message that starts with the field path (or the file position of a syntax fault)', () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
    for (const c of cases) {
      expect(c.expected, c.file).not.toHaveLength(0);
      expect(
        c.expected.some((m) => /^([A-Za-z(][^:]*|[\w.-]+:\d+:\d+): /.test(m)),
        `${c.file} names no field path`,
      ).toBe(true);
    }
  });

  let work: string;
  beforeAll(() => {
    work = tempDir('invalid');
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it.each(cases)('$file is rejected with its message and writes no bundle', async ({ file, expected }) => {
    const out = join(work, file.replace(/\.yaml$/, ''), 'bundle');
    const r = await meshobs(work, 'build', '--config', join(FIXTURES, file), '--out', out);
    expect(r.code).toBe(1);
    // a config error, never an internal error or a stack trace
    expect(r.stderr).toMatch(/^invalid meshobs config \(/);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    for (const message of expected) expect(r.stderr).toContain(message);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(out, '..'))).toBe(false);
  });

  it('leaves an existing bundle untouched', async () => {
    const out = join(work, 'existing', 'bundle');
    mkdirSync(join(out, 'kiali'), { recursive: true });
    writeFileSync(join(out, 'kustomization.yaml'), 'resources: [kiali]\n');
    writeFileSync(join(out, 'kiali', 'keep.yaml'), 'kind: Keep\n');
    const before = snapshot(join(work, 'existing'));
    for (const { file } of cases) {
      const r = await meshobs(work, 'build', '--config', join(FIXTURES, file), '--out', out);
      expect(r.code, file).toBe(1);
    }
    expect(snapshot(join(work, 'existing'))).toEqual(before);
  });
});
