import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tempDir } from '@meshobs/testkit';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type Io, main, writeBundleAtomically } from '../src/index.ts';

const REPO = join(import.meta.dirname, '../../..');

function capture(cwd: string): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { cwd, stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

describe('meshobs build', () => {
  it('writes the bundle from the example config and prints a summary', async () => {
    const out = join(tempDir('cli'), 'bundle');
    const io = capture(REPO);
    expect(await main(['build', '--out', out], io)).toBe(0);
    expect(io.stdout.at(-1)).toMatch(/^meshobs: wrote \d+ files to .* from meshobs\.config\.ts in \d+ ms$/);
    expect(io.stdout.some((l) => /^\s+namespaces\s+\d+ files\s+\d+ objects$/.test(l))).toBe(true);
    expect(existsSync(join(out, 'kustomization.yaml'))).toBe(true);
    expect(readFileSync(join(out, 'namespaces', 'namespace-podinfo.yaml'), 'utf8')).toContain('istio-injection: enabled');
  });

  it('reads TypeScript, YAML and JSON configs through the same schema', async () => {
    const dir = tempDir('cli');
    const config = { cluster: { name: 'edge-1' }, services: [{ name: 'shop', namespace: 'shop', port: 8080 }] };
    writeFileSync(join(dir, 'm.yaml'), stringify(config));
    writeFileSync(join(dir, 'm.json'), JSON.stringify(config));
    writeFileSync(
      join(dir, 'm.ts'),
      `import { defineConfig } from '${join(REPO, 'packages/config/src/index.ts')}';\nexport default defineConfig(${JSON.stringify(config)});\n`,
    );
    const trees = [];
    for (const f of ['m.yaml', 'm.json', 'm.ts']) {
      expect(await main(['build', '--config', f, '--out', `out-${f}`], capture(dir))).toBe(0);
      trees.push(readTree(join(dir, `out-${f}`)));
    }
    expect(trees[1]).toEqual(trees[0]);
    expect(trees[2]).toEqual(trees[0]);
    // The user's namespace is labelled by the script, never declared (delete -k would remove it).
    expect(Object.keys(trees[0]!)).not.toContain('namespaces/namespace-shop.yaml');
    expect(trees[0]!['namespaces/label-existing-namespaces.sh']).toContain('shop');
  });
});

describe('errors and exit codes', () => {
  it('exits 1 with the field path on an invalid config and leaves the previous bundle untouched', async () => {
    const dir = tempDir('cli');
    writeFileSync(join(dir, 'good.yaml'), stringify({ services: [{ name: 'a', namespace: 'a' }] }));
    expect(await main(['build', '--config', 'good.yaml', '--out', 'bundle'], capture(dir))).toBe(0);
    const before = readTree(join(dir, 'bundle'));
    writeFileSync(join(dir, 'bad.yaml'), stringify({ services: [{ name: 'a', namespace: 'a', versions: [{ name: 'v1', weight: 140 }] }] }));
    const io = capture(dir);
    expect(await main(['build', '--config', 'bad.yaml', '--out', 'bundle'], io)).toBe(1);
    expect(io.stderr.join('\n')).toContain('services[0].versions[0].weight: 140 is not between 0 and 100');
    expect(readTree(join(dir, 'bundle'))).toEqual(before);
    expect(readdirSync(dir).filter((f) => f.startsWith('.bundle'))).toEqual([]);
  });

  it('keeps the previous bundle when writing fails half-way', async () => {
    const dir = tempDir('cli');
    const out = join(dir, 'bundle');
    await writeBundleAtomically(out, new Map([['a.yaml', 'old\n']]), { cwd: dir });
    const before = readTree(out);
    // The second entry needs `x` to be a folder after the first wrote it as a file: fails mid-write.
    const failing = new Map([
      ['x', 'new\n'],
      ['x/b.yaml', 'new\n'],
    ]);
    await expect(writeBundleAtomically(out, failing, { cwd: dir })).rejects.toThrow(/cannot write the bundle/);
    expect(readTree(out)).toEqual(before);
    expect(readdirSync(dir)).toEqual(['bundle']);
  });

  it('refuses file names that leave the bundle before writing anything', async () => {
    const dir = tempDir('cli');
    await expect(writeBundleAtomically(join(dir, 'b'), new Map([['../escape.yaml', 'x']]), { cwd: dir })).rejects.toThrow(
      /outside the bundle/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('exits 2 on usage errors', async () => {
    for (const argv of [[], ['frobnicate'], ['build', '--bogus'], ['build', '--config', 'missing.yaml'], ['build', 'extra']]) {
      const io = capture(tempDir('cli'));
      expect(await main(argv, io), argv.join(' ')).toBe(2);
      expect(io.stderr.join('\n')).toMatch(/^meshobs: .+\nrun 'meshobs (\w+ )?--help' for the usage$/);
    }
  });

  it('exits 1 on a config file that cannot be parsed, naming the file', async () => {
    const dir = tempDir('cli');
    writeFileSync(join(dir, 'broken.yaml'), 'services: [\n');
    const io = capture(dir);
    expect(await main(['build', '--config', 'broken.yaml'], io)).toBe(1);
    // At the file, line and column of the fault, never at "(root)".
    expect(io.stderr.join('\n')).toMatch(/^invalid meshobs config \(.*broken\.yaml\):\n {2}broken\.yaml:2:1: invalid YAML: /);
    expect(existsSync(join(dir, 'dist'))).toBe(false);
  });
});

describe('the meshobs executable', () => {
  it('runs through the npm bin link and returns the exit code', async () => {
    const { spawnSync } = await import('node:child_process');
    const bin = join(REPO, 'node_modules', '.bin', 'meshobs');
    const help = spawnSync(bin, ['--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: meshobs');
    const dir = tempDir('cli');
    writeFileSync(join(dir, 'bad.yaml'), stringify({ cluster: { name: 'Bad Name' } }));
    const bad = spawnSync(bin, ['build', '--config', 'bad.yaml'], { cwd: dir, encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('cluster.name: "Bad Name" is not a DNS-1123 label');
    expect(existsSync(join(dir, 'dist'))).toBe(false);
    expect(spawnSync(bin, ['nope'], { encoding: 'utf8' }).status).toBe(2);
  });
});
