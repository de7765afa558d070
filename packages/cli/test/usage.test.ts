// The command line as a user meets it: --version, help per command, and one-line hints for typos
// (the error stays on screen instead of scrolling away under the whole usage).

import { tempDir } from '@meshobs/testkit';
import { describe, expect, it } from 'vitest';
import { MESHOBS_VERSION } from '../src/version.ts';
import { meshobs } from './helpers.ts';

describe('meshobs usage', () => {
  const cwd = tempDir('usage');

  it('prints its version', async () => {
    for (const flag of ['--version', '-v']) expect(await meshobs(cwd, flag)).toMatchObject({ code: 0, stdout: MESHOBS_VERSION });
    expect(MESHOBS_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('lists the commands, and each command its own options', async () => {
    const all = await meshobs(cwd, '--help');
    expect(all.code).toBe(0);
    for (const c of ['init', 'build', 'validate', 'diff', 'verify']) expect(all.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    const diff = await meshobs(cwd, 'diff', '--help');
    expect(diff.stdout).toContain('usage: meshobs diff');
    expect(diff.stdout).toContain('--against DIR');
    expect(diff.stdout).not.toContain('--out');
    expect((await meshobs(cwd, 'help', 'init')).stdout).toContain('--kubernetes-version MINOR');
  });

  it.each([
    [['biuld'], 'unknown command: biuld (did you mean build?)'],
    [['valdate'], 'unknown command: valdate (did you mean validate?)'],
    [['frobnicate'], 'unknown command: frobnicate'],
    [['build', '--ot', 'x'], 'unknown option --ot (did you mean out?)'],
    [['diff', '--agaist', 'x'], 'unknown option --agaist (did you mean against?)'],
    [['diff', '--out', 'x'], '--out is not an option of diff'],
    [['build', '--allow-missing', 'checkov'], '--allow-missing is not an option of build'],
    [['init', '--format', 'json'], '--format: must be ts or yaml, got "json"'],
    [['init', '--operators', 'grafana,kialli'], '--operators: unknown operator kialli'],
  ])('%j: exit 2 with one line and a pointer to help', async (argv, message) => {
    const r = await meshobs(cwd, ...argv);
    expect(r.code).toBe(2);
    const [first, second, ...more] = r.stderr.split('\n');
    expect(first).toBe(`meshobs: ${message}${message.startsWith('--operators') ? ' (known: grafana, kiali, opentelemetry)' : ''}`);
    expect(second).toMatch(/^run 'meshobs (\w+ )?--help' for the usage$/);
    expect(more).toEqual([]);
  });
});
