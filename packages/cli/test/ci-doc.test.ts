// docs/ci.md's pipelines must work as written: every meshobs command in them is one meshobs accepts, and
// strict validate finds every tool it needs, because the pipeline installs it from its official release
// (at the version meshobs is tested with) or names it in --allow-missing. The table lists each tool.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@meshobs/testkit';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHECKOV_VERSION, COLLECTOR_VERSION, TOOL_SOURCES, type ToolName } from '../src/tool-sources.ts';
import { type COMMANDS, isCommand, optionsOf } from '../src/usage.ts';

const DOC = readFileSync(join(REPO_ROOT, 'docs', 'ci.md'), 'utf8');

/** The tools strict validate needs for the default profile (the server dry-run is optional). */
const NEEDED: ToolName[] = ['promtool', 'amtool', 'otelcol-contrib', 'istioctl', 'checkov'];

/** How a pipeline step installs each tool from its official release or distribution package. */
const INSTALLS: Record<string, RegExp> = {
  promtool: /apt-get install -y[^\n]*\sprometheus(\s|$)/m,
  amtool: /apt-get install -y[^\n]*\sprometheus-alertmanager(\s|$)/m,
  'otelcol-contrib': new RegExp(
    `/opentelemetry-collector-releases/releases/download/v${COLLECTOR_VERSION}/otelcol-contrib_${COLLECTOR_VERSION}_linux_amd64\\.tar\\.gz( \\\\\\n)?\\s*\\| *(sudo )?tar -xz -C /usr/local/bin otelcol-contrib`,
  ),
  istioctl: /istioctl-[\d.]+-linux-amd64\.tar\.gz/,
  checkov: new RegExp(`pipx install checkov==${CHECKOV_VERSION.replaceAll('.', '\\.')}(\\s|$)`, 'm'),
};

/** Each pipeline of the document: its name and the shell it runs, in order. */
function pipelines(): { name: string; shell: string }[] {
  const sections = DOC.split(/^## /m).slice(1);
  const blocks = sections.flatMap((sec) => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(sec);
    return yaml ? [[sec.split('\n')[0]!, yaml[1]!] as const] : [];
  });
  return blocks.map(([name, text]) => {
    const doc = parse(text) as Record<string, any>;
    const steps = doc.jobs
      ? Object.values(doc.jobs as Record<string, { steps: { run?: string }[] }>).flatMap((j) => j.steps.map((s) => s.run ?? ''))
      : Object.values(doc).flatMap((job: any) => [...(job.before_script ?? []), ...(job.script ?? [])]);
    return { name, shell: steps.join('\n') };
  });
}

describe('docs/ci.md', () => {
  const found = pipelines();

  it('has the GitHub Actions and GitLab CI pipelines', () => {
    expect(found.map((p) => p.name)).toEqual(['GitHub Actions', 'GitLab CI']);
  });

  it.each(found.map((p) => [p.name, p.shell]))('%s: every meshobs command is one meshobs accepts', (_name, shell) => {
    const calls = [...shell.matchAll(/npx --no-install meshobs (\S+)([^\n>|&;)]*)/g)];
    expect(calls.length).toBeGreaterThanOrEqual(4);
    for (const [call, command, rest] of calls) {
      expect(isCommand(command), call).toBe(true);
      for (const [, flag] of rest!.matchAll(/--([a-z-]+)/g)) expect(optionsOf(command as keyof typeof COMMANDS), call).toContain(flag);
    }
  });

  it.each(found.map((p) => [p.name, p.shell]))(
    '%s: strict validate finds every tool it needs, from its official release',
    (_name, shell) => {
      const validate = /npx --no-install meshobs validate([^\n]*)/.exec(shell)?.[1] ?? '';
      const allowed = (/--allow-missing (\S+)/.exec(validate)?.[1] ?? '').split(',');
      for (const tool of NEEDED) {
        const installed = INSTALLS[tool]!.test(shell);
        expect(installed || allowed.includes(tool), `${tool}: neither installed nor in --allow-missing`).toBe(true);
        // An installed tool is not also excused: the pipeline would hide its absence.
        if (installed) expect(allowed, tool).not.toContain(tool);
      }
      // Installed before the validate step runs.
      for (const tool of NEEDED.filter((t) => INSTALLS[t]!.test(shell)))
        expect(shell.search(INSTALLS[tool]!), tool).toBeLessThan(shell.indexOf('meshobs validate'));
    },
  );

  it('lists every program validate runs, with where it comes from, and never a script of this repository', () => {
    const table = DOC.slice(DOC.indexOf('| validator | program | where from |'));
    for (const tool of Object.keys(TOOL_SOURCES).filter((t) => t !== 'crds')) expect(table, tool).toContain(`\`${tool}\``);
    expect(DOC).not.toMatch(/install-tools|scripts\//);
  });

  it('pins the versions meshobs is tested with: checkov of tools/versions.env, the collector of the bundle', () => {
    const env = readFileSync(join(REPO_ROOT, 'tools', 'versions.env'), 'utf8');
    expect(/^CHECKOV_VERSION=(\S+)$/m.exec(env)?.[1]).toBe(CHECKOV_VERSION);
    expect(DOC).toContain(`otel/opentelemetry-collector-contrib:${COLLECTOR_VERSION}`);
  });
});
