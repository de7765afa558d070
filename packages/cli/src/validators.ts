// `meshobs validate`: every real program that consumes a bundle artifact, run against a built bundle.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type ComponentBundle, operatorOf, overlayOf, placedProfile } from '@meshobs/kube';
import { auditWorkloads, formatViolation } from './audit.ts';
import { SERVER_DRY_RUN, serverDryRun } from './cluster-check.ts';
import { istioctlAnalyze, istioctlValidate } from './istio-check.ts';
import { validateRendered } from './render.ts';
import { formatFinding, lintBundle } from './security-lint.ts';
import { yieldToSignals } from './signals.ts';
import { COLLECTORS, missingTool, type ToolName } from './tool-sources.ts';
import { findTool, run } from './tools.ts';

export type Verdict = {
  validator: string;
  /** warn: findings to read (printed in full) that do not fail validate. */
  status: 'pass' | 'fail' | 'warn' | 'missing' | 'skipped';
  detail: string;
  /** With status missing: the program that was not found (what --allow-missing names). */
  tool?: string;
};

export interface BundleValidator {
  name: string;
  /**
   * Runs against the bundle folder; components are the in-memory objects of the same build; scratch is
   * an empty folder of its own that the caller removes afterwards (and on a signal).
   */
  check(bundleDir: string, components: ComponentBundle[], scratch: string): Promise<Verdict> | Verdict;
}

const PROMTOOL_TEST_TIMEOUT_MS = 600_000;

/**
 * A validator that runs one program on one bundle file. `tools`: the programs that can do it, first found
 * wins; the first one is what a missing verdict names (and what --allow-missing takes).
 */
const toolCheck = (
  name: string,
  tools: readonly [ToolName, ...string[]],
  file: string,
  args: (path: string) => string[],
): BundleValidator => ({
  name,
  check(bundleDir) {
    const path = join(bundleDir, file);
    if (!existsSync(path)) return { validator: name, status: 'skipped', detail: `${file} is not in this bundle` };
    const found = tools.map((t) => ({ tool: t, bin: findTool(t) })).find((t) => t.bin);
    if (!found) return missingTool(name, tools[0], tools.length > 1 ? `none of ${tools.join(', ')} found` : undefined);
    const r = run(found.bin!, args(path));
    const output = r.output.trim().split('\n').slice(-15).join('\n');
    // Which of several programs did it, when there is a choice.
    const detail = tools.length > 1 ? `checked with ${found.tool}${output ? `: ${output}` : ''}` : output;
    return { validator: name, status: r.code === 0 ? 'pass' : 'fail', detail };
  },
});

export const VALIDATORS: BundleValidator[] = [
  {
    name: 'cluster profile',
    check(_dir, components) {
      const profile = placedProfile(components);
      if (!profile) return { validator: this.name, status: 'fail', detail: 'components were not laid out for a cluster profile' };
      const objects = components.flatMap((c) => c.objects);
      const misplaced = objects.filter((o) => {
        const op = operatorOf(o);
        return op && !overlayOf(o) && !profile.operators.includes(op);
      });
      if (misplaced.length)
        return {
          validator: this.name,
          status: 'fail',
          detail: `${profile.description}\n${misplaced.map((o) => `${o.kind} ${o.metadata.name} needs a CRD this cluster lacks`).join('\n')}`,
        };
      const moved = new Map<string, number>();
      for (const o of objects) {
        const op = overlayOf(o);
        if (op) moved.set(op, (moved.get(op) ?? 0) + 1);
      }
      const overlays = [...moved].map(([op, n]) => `overlays/${op} (${n})`).join(', ');
      return {
        validator: this.name,
        status: 'pass',
        detail: `checked for: ${profile.description}; opt-in ${overlays || 'overlays: none'}`,
      };
    },
  },
  {
    // The components' warnings: insecure choices made explicitly and profile mismatches (profile-checks.ts).
    name: 'profile checks',
    check(_dir, components) {
      const findings = components.flatMap((c) => c.warnings.map((w) => `${c.name}: ${w}`));
      return findings.length
        ? {
            validator: this.name,
            status: 'warn',
            detail: `${findings.length} findings (validate still passes: each is a choice the config can make)\n${findings.join('\n')}`,
          }
        : { validator: this.name, status: 'pass', detail: 'no mismatch between the config and its cluster profile found' };
    },
  },
  {
    name: 'kubernetes schemas',
    async check(_dir, components) {
      const objects = components.flatMap((c) => c.objects);
      const failures = await validateRendered(objects);
      return failures.length
        ? { validator: this.name, status: 'fail', detail: failures.map((f) => `${f.object}: ${f.error}`).join('\n') }
        : { validator: this.name, status: 'pass', detail: `${objects.length} objects valid` };
    },
  },
  { name: SERVER_DRY_RUN, check: (dir, components, scratch) => serverDryRun(dir, components, scratch) },
  toolCheck('promtool check rules', ['promtool'], 'alerts/rules.yml', (p) => ['check', 'rules', '--lint=all', '--lint-fatal', p]),
  {
    name: 'promtool test rules',
    check(bundleDir) {
      const dir = join(bundleDir, 'alerts', 'tests');
      if (!existsSync(dir)) return { validator: this.name, status: 'skipped', detail: 'no rule tests in this bundle' };
      const bin = findTool('promtool');
      if (!bin) return missingTool(this.name, 'promtool');
      const files = readdirSync(dir)
        .filter((f) => f.endsWith('.yml'))
        .sort()
        .map((f) => join(dir, f));
      // The bound stops a hung promtool; it does not time it. The unit tests of every alert at its longest
      // `for` take minutes for a config at the bounds (the valid-edge bounds.yaml: 143 s measured on a
      // busy 2-core machine), so the default 2 minutes failed a valid bundle there.
      const r = run(bin, ['test', 'rules', ...files], { timeoutMs: PROMTOOL_TEST_TIMEOUT_MS });
      return { validator: this.name, status: r.code === 0 ? 'pass' : 'fail', detail: r.output.trim().split('\n').slice(-15).join('\n') };
    },
  },
  toolCheck('amtool check-config', ['amtool'], 'alerts/alertmanager.yml', (p) => ['check-config', p]),
  toolCheck('otelcol validate', COLLECTORS, 'otel-collector/config.yaml', (p) => ['validate', `--config=${p}`]),
  {
    name: 'workload posture',
    check(_dir, components) {
      const violations = auditWorkloads(components);
      return violations.length
        ? { validator: this.name, status: 'fail', detail: `${violations.length} violations\n${violations.map(formatViolation).join('\n')}` }
        : { validator: this.name, status: 'pass', detail: 'every workload is hardened, replicated safely and policed; no secret values' };
    },
  },
  { name: 'istioctl validate', check: (_dir, components) => istioctlValidate(components) },
  { name: 'istioctl analyze', check: (dir, components, scratch) => istioctlAnalyze(dir, components, scratch) },
  {
    name: 'checkov security lint',
    check(bundleDir) {
      const report = lintBundle(bundleDir);
      if (!report) return missingTool(this.name, 'checkov');
      if (report.findings.length || report.parsingErrors) {
        const lines = report.findings.map(formatFinding);
        if (report.parsingErrors) lines.unshift(`${report.parsingErrors} files could not be parsed`);
        return { validator: this.name, status: 'fail', detail: `${report.findings.length} findings\n${lines.join('\n')}` };
      }
      return { validator: this.name, status: 'pass', detail: `${report.passed} checks passed, exceptions in checkov.yaml` };
    },
  },
];

/**
 * Runs every validator in turn; each gets a fresh folder under `scratch`. After each one (and before its
 * error propagates) the event loop turns once, so a Ctrl-C that also stopped the validator's program is
 * handled as an interruption, never reported as that validator's verdict.
 */
export async function runValidators(bundleDir: string, components: ComponentBundle[], scratch: string): Promise<Verdict[]> {
  const verdicts: Verdict[] = [];
  for (const [i, v] of VALIDATORS.entries()) {
    const dir = join(scratch, String(i));
    mkdirSync(dir, { recursive: true });
    let verdict: Verdict;
    try {
      verdict = await v.check(bundleDir, components, dir);
    } finally {
      await yieldToSignals();
    }
    verdicts.push(verdict);
  }
  return verdicts;
}
