// Security lint of a built bundle with checkov (kubernetes + secrets frameworks), configured by the
// package's checkov.yaml, where every skipped check is written down with its reason.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { throwIfInterrupted } from './signals.ts';
import { findTool } from './tools.ts';

/** Shipped in the package beside its sources (src/ in this repository, dist/ once packed). */
export const CHECKOV_CONFIG = fileURLToPath(new URL('../checkov.yaml', import.meta.url));

export interface LintFinding {
  check: string;
  title: string;
  resource: string;
  file: string;
}

export interface LintReport {
  passed: number;
  findings: LintFinding[];
  parsingErrors: number;
}

interface CheckovResult {
  check_type: string;
  results?: { failed_checks?: Array<{ check_id: string; check_name: string; resource: string; file_path: string }> };
  summary?: { passed?: number; failed?: number; parsing_errors?: number };
}

export function parseCheckovJson(output: string): LintReport {
  const parsed = JSON.parse(output) as CheckovResult | CheckovResult[];
  const results = Array.isArray(parsed) ? parsed : [parsed];
  const report: LintReport = { passed: 0, findings: [], parsingErrors: 0 };
  for (const r of results) {
    report.passed += r.summary?.passed ?? 0;
    report.parsingErrors += r.summary?.parsing_errors ?? 0;
    for (const f of r.results?.failed_checks ?? [])
      report.findings.push({ check: f.check_id, title: f.check_name, resource: f.resource, file: f.file_path });
  }
  report.findings.sort((a, b) => `${a.file}${a.check}`.localeCompare(`${b.file}${b.check}`));
  return report;
}

/** Runs checkov on the bundle folder; undefined when checkov is not installed. */
export function lintBundle(bundleDir: string, bin = findTool('checkov')): LintReport | undefined {
  if (!bin) return undefined;
  const args = ['-d', bundleDir, '--skip-download', '--quiet', '--compact', '-o', 'json'];
  if (existsSync(CHECKOV_CONFIG)) args.push('--config-file', CHECKOV_CONFIG);
  else args.push('--framework', 'kubernetes', 'secrets');
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
  throwIfInterrupted(r);
  // checkov exits 1 when it has findings; the JSON report on stdout is the verdict.
  if (!r.stdout?.trim()) throw new Error(`checkov printed no report (exit ${r.status}):\n${(r.stderr ?? String(r.error)).slice(-2000)}`);
  return parseCheckovJson(r.stdout);
}

export const formatFinding = (f: LintFinding) => `${f.check} ${f.title}: ${f.resource} (${f.file})`;
