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
    // Which cluster it checked for, and where the CRs that cluster cannot take went.
    expect(r.stdout).toMatch(
      /^PASS\s+cluster profile: checked for: kube-prometheus-stack, Istio 1\.27, Kubernetes 1\.33, no extra operators; opt-in overlays\/grafana-operator \(3\), overlays\/kiali-operator \(1\)$/m,
    );
  });

  it('names the profile it checked when the config picks another one', async () => {
    const dir = tempDir('validate-profile');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${dir}/m.yaml`, 'profile:\n  prometheus: plain\n  operators: { kiali: true }\n  kubernetesVersion: "1.34"\n');
    const r = await meshobs(dir, 'validate', '--config', 'm.yaml');
    expect(r.stdout).toMatch(/^PASS\s+cluster profile: checked for: plain Prometheus \(no operator\), Istio 1\.27, Kubernetes 1\.34, operators: kiali-operator; opt-in overlays\/prometheus-operator \(\d+\), overlays\/grafana-operator \(3\)$/m);
  });
});
