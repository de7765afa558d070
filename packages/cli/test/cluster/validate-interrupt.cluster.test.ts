// Ctrl-C while validate's server dry-run runs its throwaway etcd and kube-apiserver: "interrupted", exit
// 130, and both daemons stopped and their folder removed (they are in the same process group, so the
// terminal's SIGINT reaches them too; validate's own cleanup must not depend on that).
import { readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { missingTools, requireTool, tempDir } from '@meshobs/testkit';
import { describe, expect, it } from 'vitest';
import { REPO_CONFIG } from '../helpers.ts';
import { interruptValidate } from '../interrupt-kit.ts';
import { CRD_DIR } from './cluster-kit.ts';

describe.skipIf(missingTools('etcd', 'kube-apiserver', 'kubectl'))('Ctrl-C during the server dry-run', () => {
  it('stops etcd and kube-apiserver, removes their folder, says "interrupted" and exits 130', async () => {
    const tmp = tempDir('interrupt-tmp');
    const bin = tempDir('interrupt-tools');
    for (const tool of ['etcd', 'kube-apiserver', 'kubectl']) symlinkSync(requireTool(tool), join(bin, tool));
    const r = await interruptValidate({
      cwd: tmp,
      toolsBin: bin,
      args: ['--config', REPO_CONFIG, '--allow-missing', 'promtool,amtool,otelcol-contrib,istioctl,checkov'],
      env: { MESHOBS_CRDS_DIR: CRD_DIR },
      when: /kube-apiserver/,
      timeoutMs: 120_000,
    });
    expect(r.code, `${r.running}\n${r.stdout}\n${r.stderr}`).toBe(130);
    expect(r.stderr).toContain('meshobs: interrupted');
    expect(r.stdout).not.toMatch(/^(FAIL|PASS|MISSING|WARN|SKIPPED)\s/m);
    expect(readdirSync(tmp)).toEqual([]);
    expect(r.leftover).toEqual([]);
  }, 180_000);
});
