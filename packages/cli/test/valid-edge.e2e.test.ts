// The valid-edge configs through every validator `meshobs validate` runs, the slow ones included
// (promtool unit tests of every alert at its longest `for`, checkov). E2E tier: a few minutes.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@meshobs/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { meshobs } from './helpers.ts';

const VALID_EDGE = join(import.meta.dirname, 'fixtures', 'valid-edge');
const edgeConfigs = readdirSync(VALID_EDGE)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

describe('valid-edge configs pass meshobs validate', () => {
  const work = tempDir('valid-edge-validate');
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it.each(edgeConfigs)('%s', async (file) => {
    const started = Date.now();
    const r = await meshobs(work, 'validate', '--config', join(VALID_EDGE, file));
    expect(r.stdout).toMatch(/^config ok/m);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('FAIL'))).toEqual([]);
    expect(r.code).toBe(0);
    console.log(`${file}: validate in ${Math.round((Date.now() - started) / 1000)} s`);
  });
});
