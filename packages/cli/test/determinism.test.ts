// Two builds of the same config, from different working directories and time zones, are byte-identical.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, tempDir } from '@meshobs/testkit';
import { describe, expect, it } from 'vitest';
import { readBundleDir } from '../src/diff.ts';

const CLI = join(REPO_ROOT, 'packages', 'cli', 'src', 'main.ts');

function build(cwd: string, tz: string, configPath: string) {
  const r = spawnSync(process.execPath, [CLI, 'build', '--config', configPath, '--out', 'out/bundle'], {
    cwd,
    env: { ...process.env, TZ: tz, LANG: tz === 'UTC' ? 'C' : 'de_DE.UTF-8' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return readBundleDir(join(cwd, 'out', 'bundle'));
}

describe('deterministic build', () => {
  it('writes byte-identical bundles from different folders and time zones', () => {
    const root = tempDir('determinism');
    const a = join(root, 'a');
    const b = join(root, 'deeper', 'b');
    mkdirSync(a, { recursive: true });
    mkdirSync(b, { recursive: true });
    const config = join(REPO_ROOT, 'meshobs.config.ts');
    const first = build(a, 'UTC', config);
    const second = build(b, 'Pacific/Kiritimati', config);
    expect(first.size).toBeGreaterThan(0);
    expect([...second.keys()]).toEqual([...first.keys()]);
    for (const [path, content] of first) expect(second.get(path), path).toBe(content);
  });
});
