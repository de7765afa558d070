// checkov (kubernetes + secrets frameworks) on the built bundle, with the package's checkov.yaml.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { containerSecurityContext, objectToYaml } from '@meshobs/kube';
import { missingTools, tempDir, toolPath } from '@meshobs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHECKOV_CONFIG, formatFinding, lintBundle } from '../src/security-lint.ts';
import { meshobs, REPO_CONFIG } from './helpers.ts';
import { KNOWN } from './known-findings.ts';

describe('checkov exceptions', () => {
  it('gives every skipped check a reason in checkov.yaml', () => {
    const lines = readFileSync(CHECKOV_CONFIG, 'utf8').split('\n');
    const start = lines.findIndex((l) => l.startsWith('skip-check:'));
    expect(start).toBeGreaterThan(-1);
    let reasoned = false;
    for (const line of lines.slice(start + 1)) {
      if (/^\S/.test(line)) break;
      if (/^\s+# reason: \S/.test(line)) reasoned = true;
      else if (/^\s+- CKV/.test(line)) {
        expect(reasoned, `${line.trim()} has no "# reason:" comment above it`).toBe(true);
        reasoned = false;
      }
    }
  });
});

describe.skipIf(missingTools('checkov'))('checkov security lint', () => {
  let bundle: string;
  beforeAll(async () => {
    const dir = tempDir('lint');
    bundle = join(dir, 'bundle');
    expect((await meshobs(dir, 'build', '--config', REPO_CONFIG, '--out', bundle)).code).toBe(0);
  });

  it('finds nothing in the built bundle beyond the known, owned findings', () => {
    const report = lintBundle(bundle, toolPath('checkov'))!;
    expect(report.parsingErrors).toBe(0);
    expect(report.passed).toBeGreaterThan(0);
    const unknown = report.findings.filter((f) => !KNOWN.checkov.some((k) => k.check === f.check && k.resource === f.resource));
    expect(unknown.map(formatFinding)).toEqual([]);
  });

  it('reports a workload that is not hardened (the lint can fail)', () => {
    const dir = tempDir('lint-bad');
    mkdirSync(join(dir, 'bad'));
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'bad', namespace: 'default' },
      spec: {
        selector: { matchLabels: { app: 'bad' } },
        template: {
          metadata: { labels: { app: 'bad' } },
          spec: {
            containers: [
              {
                name: 'bad',
                image: 'bad:1',
                securityContext: { ...containerSecurityContext(), privileged: true, readOnlyRootFilesystem: false },
              },
            ],
          },
        },
      },
    };
    writeFileSync(join(dir, 'bad', 'deployment.yaml'), objectToYaml(deployment));
    const checks = lintBundle(dir, toolPath('checkov'))!.findings.map((f) => f.check);
    expect(checks).toEqual(
      expect.arrayContaining(['CKV_K8S_16', 'CKV_K8S_22', 'CKV_K8S_8', 'CKV_K8S_9', 'CKV_K8S_11', 'CKV_K8S_13', 'CKV2_K8S_6']),
    );
  });
});
