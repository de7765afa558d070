// The valid-edge configs through every validator `meshobs validate` runs, the slow ones included
// (promtool unit tests of every alert at its longest `for`, checkov). E2E tier: a few minutes.
// Two configs at a time, each in a CLI process of its own (a validator's programs run synchronously,
// so two in one process would take turns): most validators keep one core busy, and services-200
// alone takes about as long as all the others together, so it starts first.
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, tempDir } from '@meshobs/testkit';
import { afterAll, describe, expect, it } from 'vitest';

const VALID_EDGE = join(import.meta.dirname, 'fixtures', 'valid-edge');
const LONGEST = 'services-200.yaml';
const edgeConfigs = readdirSync(VALID_EDGE)
  .filter((f) => f.endsWith('.yaml'))
  .sort((a, b) => Number(b === LONGEST) - Number(a === LONGEST) || a.localeCompare(b));
const CLI = join(REPO_ROOT, 'packages', 'cli', 'bin', 'meshobs.js');

/** `meshobs validate` in a child process; its exit code and output. */
function validate(cwd: string, config: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, 'validate', '--config', config],
      { cwd, maxBuffer: 64 * 2 ** 20, timeout: 900_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr: err && typeof err.code !== 'number' ? `${stderr}\n${err.message}` : stderr });
      },
    );
  });
}

describe.concurrent('valid-edge configs pass meshobs validate', () => {
  const work = tempDir('valid-edge-validate');
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it.each(edgeConfigs)('%s', async (file) => {
    const started = Date.now();
    const cwd = join(work, file.replace(/\.yaml$/, ''));
    mkdirSync(cwd);
    const r = await validate(cwd, join(VALID_EDGE, file));
    expect(r.stdout, r.stderr).toMatch(/^config ok/m);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('FAIL'))).toEqual([]);
    expect(r.code, r.stderr).toBe(0);
    console.log(`${file}: validate in ${Math.round((Date.now() - started) / 1000)} s`);
  });
});
