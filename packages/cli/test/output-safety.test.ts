// `--out` may replace only what meshobs wrote: every refusal leaves the disk exactly as it was.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { REPO_ROOT, tempDir } from '@meshobs/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { MARKER } from '../src/output-guard.ts';
import { meshobs } from './helpers.ts';

const BIN = join(REPO_ROOT, 'packages/cli/bin/meshobs.js');
const CONFIG = stringify({ services: [{ name: 'shop', namespace: 'shop' }] });

/** Every file and folder below dir with its content (folders as ''), to prove nothing changed. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const rel = relative(dir, p);
      if (e.isSymbolicLink()) out[rel] = '<link>';
      else if (e.isDirectory()) {
        out[`${rel}/`] = '';
        walk(p);
      } else out[rel] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

function project(): string {
  const dir = tempDir('out-safety');
  writeFileSync(join(dir, 'meshobs.config.yaml'), CONFIG);
  return dir;
}

async function expectRefused(cwd: string, out: string, reason: RegExp, config = 'meshobs.config.yaml') {
  const before = snapshot(cwd);
  const r = await meshobs(cwd, 'build', '--config', config, '--out', out);
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toMatch(reason);
  expect(snapshot(cwd)).toEqual(before);
}

describe('build --out refuses what meshobs did not write', () => {
  const home = process.env.HOME;
  afterEach(() => {
    process.env.HOME = home;
  });

  it('refuses an empty --out, the current folder and its parents', async () => {
    const dir = project();
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'keep.txt'), 'mine');
    await expectRefused(dir, '', /--out is empty/);
    await expectRefused(dir, '.', /current folder or contains it/);
    await expectRefused(join(dir, 'sub'), '..', /current folder or contains it/, '../meshobs.config.yaml');
  });

  it('refuses the root of the file system and the home folder, even an empty one', async () => {
    const rootBefore = readdirSync('/');
    const r = await meshobs(project(), 'build', '--out', '/');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/root of the file system/);
    expect(readdirSync('/')).toEqual(rootBefore);

    const emptyHome = tempDir('out-safety-home');
    process.env.HOME = emptyHome;
    const cwd = project();
    const res = await meshobs(cwd, 'build', '--out', emptyHome);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/your home folder/);
    expect(readdirSync(emptyHome)).toEqual([]);
  });

  it('refuses the root of the repository it runs in, and any git checkout', async () => {
    const repo = project();
    mkdirSync(join(repo, '.git'));
    mkdirSync(join(repo, 'deploy'));
    await expectRefused(join(repo, 'deploy'), '..', /current folder|root of the current repository/, '../meshobs.config.yaml');
    await expectRefused(join(repo, 'deploy'), repo, /current folder|root of the current repository/, '../meshobs.config.yaml');
    const other = join(repo, 'deploy', 'vendored');
    mkdirSync(join(other, '.git'), { recursive: true });
    await expectRefused(repo, 'deploy/vendored', /git checkout/);
  });

  it('refuses a file, a symbolic link and a folder with foreign content', async () => {
    const dir = project();
    writeFileSync(join(dir, 'notes.md'), 'my notes');
    await expectRefused(dir, 'notes.md', /is a file, not a folder/);
    mkdirSync(join(dir, 'real'));
    symlinkSync(join(dir, 'real'), join(dir, 'link'));
    await expectRefused(dir, 'link', /symbolic link/);
    mkdirSync(join(dir, 'manifests'));
    writeFileSync(join(dir, 'manifests', 'app.yaml'), 'kind: ConfigMap');
    await expectRefused(dir, 'manifests', /not empty and is not a meshobs bundle/);
    mkdirSync(join(dir, 'fake'));
    writeFileSync(join(dir, 'fake', MARKER), 'just a file with that name\n');
    await expectRefused(dir, 'fake', /was not written by meshobs/);
  });

  it('replaces a previous bundle, but not once a foreign file was added to it', async () => {
    const dir = project();
    expect((await meshobs(dir, 'build', '--out', 'bundle')).code).toBe(0);
    expect(readFileSync(join(dir, 'bundle', MARKER), 'utf8')).toMatch(/^generator: meshobs$/m);
    expect((await meshobs(dir, 'build', '--out', 'bundle')).code).toBe(0);
    writeFileSync(join(dir, 'bundle', 'alerts', 'my-extra-rules.yml'), 'groups: []\n');
    await expectRefused(dir, 'bundle', /files meshobs did not write \(alerts\/my-extra-rules\.yml\)/);
  });

  it('writes into an absent or empty folder and leaves no temporary folder beside it', async () => {
    const dir = project();
    mkdirSync(join(dir, 'empty'));
    for (const out of ['empty', 'new/nested/bundle']) {
      const r = await meshobs(dir, 'build', '--out', out);
      expect(r.code, r.stderr).toBe(0);
      expect(existsSync(join(dir, out, 'kustomization.yaml'))).toBe(true);
    }
    expect(readdirSync(dir).sort()).toEqual(['empty', 'meshobs.config.yaml', 'new']);
    expect(readdirSync(join(dir, 'new', 'nested'))).toEqual(['bundle']);
  });
});

describe('build --out under failure', () => {
  it('exits 1 naming the reason when the parent folder is read-only, and touches nothing', () => {
    const dir = project();
    chmodSync(dir, 0o755);
    const parent = join(dir, 'ro');
    mkdirSync(parent);
    const r0 = spawnSync(process.execPath, [BIN, 'build', '--out', 'ro/bundle'], { cwd: dir, encoding: 'utf8' });
    expect(r0.status, r0.stderr).toBe(0);
    const before = snapshot(dir);
    chmodSync(parent, 0o555);
    // root ignores permission bits: run the build as an unprivileged user then, who must be able to
    // reach the project through the temp folder (a `mktemp -d` TMPDIR is 0700).
    const asRoot = process.getuid?.() === 0;
    const tmpMode = statSync(tmpdir()).mode & 0o777;
    if (asRoot) chmodSync(tmpdir(), tmpMode | 0o111);
    try {
      const asUser = asRoot ? { uid: 65534, gid: 65534 } : {};
      const r = spawnSync(process.execPath, [BIN, 'build', '--out', 'ro/bundle'], { cwd: dir, encoding: 'utf8', ...asUser });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/cannot write the bundle to ro\/bundle: permission denied; nothing was changed/);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(snapshot(dir)).toEqual(before);
    } finally {
      chmodSync(parent, 0o755);
      if (asRoot) chmodSync(tmpdir(), tmpMode);
    }
  });

  /** Starts a build of many files and sends `signal` once its temporary folder appears. */
  async function killMidWrite(dir: string, signal: NodeJS.Signals) {
    const child = spawn(process.execPath, [BIN, 'build', '--config', 'big.yaml', '--out', 'bundle'], { cwd: dir, stdio: 'ignore' });
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) =>
      child.on('exit', (code, sig) => r({ code, signal: sig })),
    );
    let sawTmp = false;
    const watcher = watch(dir, (_event, name) => {
      if (!sawTmp && name?.startsWith('.bundle.tmp-')) {
        sawTmp = true;
        child.kill(signal);
      }
    });
    try {
      return { ...(await exited), sawTmp };
    } finally {
      watcher.close();
    }
  }

  function bigProject() {
    const dir = project();
    const services = Array.from({ length: 30 }, (_, i) => ({ name: `svc-${i}`, namespace: `team-${i % 6}` }));
    writeFileSync(join(dir, 'big.yaml'), stringify({ services }));
    const first = spawnSync(process.execPath, [BIN, 'build', '--out', 'bundle'], { cwd: dir, encoding: 'utf8' });
    expect(first.status, first.stderr).toBe(0);
    return dir;
  }

  /**
   * A project whose build is killed mid-write: the signal must land before the build is done, which on
   * a slow machine it may not (the build can finish while the signal is on its way). Such a run proves
   * nothing and is repeated on a fresh project, a bounded number of times.
   */
  async function projectKilledMidWrite(signal: NodeJS.Signals) {
    for (let attempt = 1; ; attempt++) {
      const dir = bigProject();
      const before = snapshot(join(dir, 'bundle'));
      const r = await killMidWrite(dir, signal);
      const finishedFirst = r.code === 0 && r.signal === null;
      if (!finishedFirst || attempt === 5) return { dir, before, r };
    }
  }

  it('removes its temporary folder and keeps the previous bundle when terminated mid-write', async () => {
    const { dir, before, r } = await projectKilledMidWrite('SIGTERM');
    expect(r.sawTmp).toBe(true);
    expect(r.code).toBe(143);
    expect(snapshot(join(dir, 'bundle'))).toEqual(before);
    expect(readdirSync(dir).sort()).toEqual(['big.yaml', 'bundle', 'meshobs.config.yaml']);
  }, 300_000);

  it('after a SIGKILL mid-write, the next build cleans up what the killed one left', async () => {
    const { dir, before, r } = await projectKilledMidWrite('SIGKILL');
    expect(r.sawTmp).toBe(true);
    expect(r.signal).toBe('SIGKILL');
    // Killed before its final rename: the previous bundle is in place, or parked as .bundle.old-* when
    // the kill fell between the two renames; never a half-written bundle.
    if (existsSync(join(dir, 'bundle'))) {
      const now = snapshot(join(dir, 'bundle'));
      if (JSON.stringify(now) !== JSON.stringify(before)) expect(Object.keys(now).length).toBeGreaterThan(Object.keys(before).length);
    } else {
      expect(readdirSync(dir).some((n) => n.startsWith('.bundle.old-'))).toBe(true);
    }
    const again = spawnSync(process.execPath, [BIN, 'build', '--out', 'bundle'], { cwd: dir, encoding: 'utf8' });
    expect(again.status, again.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['big.yaml', 'bundle', 'meshobs.config.yaml']);
    expect(snapshot(join(dir, 'bundle'))).toEqual(before);
    expect(statSync(join(dir, 'bundle')).isDirectory()).toBe(true);
  }, 300_000);
});
