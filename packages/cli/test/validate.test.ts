import { describe, expect, it } from 'vitest';
import { tempDir } from '@meshobs/testkit';
import { VALIDATORS } from '../src/validators.ts';
import { REPO_CONFIG, meshobs } from './helpers.ts';

describe('meshobs validate', () => {
  it('reports a verdict for every validator, the security lint and the posture audit among them', async () => {
    expect(VALIDATORS.map((v) => v.name)).toEqual(expect.arrayContaining(['kubernetes schemas', 'workload posture', 'checkov security lint']));
    const r = await meshobs(tempDir('validate'), 'validate', '--config', REPO_CONFIG);
    for (const v of VALIDATORS) expect(r.stdout).toMatch(new RegExp(`^(PASS|FAIL|MISSING|SKIPPED)\\s+${v.name}`, 'm'));
    expect(r.code).toBe(/^FAIL/m.test(r.stdout) ? 1 : 0);
  });
});
