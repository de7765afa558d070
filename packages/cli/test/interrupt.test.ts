// Ctrl-C during `meshobs validate`: a terminal sends SIGINT to the whole foreground process group, so the
// validator's program (promtool, checkov) dies of it too. meshobs must say "interrupted" and exit 130, never
// report the killed program as a FAIL verdict, and leave no temp folder and no process behind. (With the
// server dry-run's etcd and kube-apiserver running: test/cluster/validate-interrupt.cluster.test.ts.)
import { readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { missingTools, tempDir } from '@meshobs/testkit';
import { describe, expect, it } from 'vitest';
import { findTool } from '../src/tools.ts';
import { REPO_CONFIG } from './helpers.ts';
import { interruptValidate } from './interrupt-kit.ts';

describe.skipIf(missingTools('promtool', 'checkov'))('Ctrl-C during meshobs validate', () => {
  it('prints "interrupted", exits 130, reports no verdict of the killed tool, and leaves nothing behind', async () => {
    const tmp = tempDir('interrupt-tmp');
    const bin = tempDir('interrupt-tools');
    for (const tool of ['promtool', 'amtool', 'checkov']) symlinkSync(findTool(tool)!, join(bin, tool));
    const r = await interruptValidate({
      cwd: tmp,
      toolsBin: bin,
      args: ['--config', REPO_CONFIG, '--allow-missing', 'otelcol-contrib,istioctl'],
      // The moment a validator's program runs (promtool first, checkov later): what a user interrupts.
      when: /promtool|checkov/,
      timeoutMs: 120_000,
    });
    expect(r.code, `${r.running}\n${r.stdout}\n${r.stderr}`).toBe(130);
    expect(r.stderr).toContain('meshobs: interrupted');
    expect(r.stdout).not.toMatch(/^(FAIL|PASS|MISSING|WARN)\s/m);
    expect(r.stderr).not.toMatch(/internal error|not run/);
    // Nothing left: the temp folder of validate is gone and no process of the group runs.
    expect(readdirSync(tmp)).toEqual([]);
    expect(r.leftover).toEqual([]);
  }, 180_000);
});
