// `meshobs init`: a starter config in the current folder, with the cluster profile answered by flags.
// It never overwrites: if any meshobs config (or the schema file) is already there, nothing is written.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, configJsonSchemaText, JSON_SCHEMA_FILE, parseConfig } from '@meshobs/config';
import type { Io } from './commands.ts';
import { DEFAULT_CONFIG_FILES, UsageError } from './load-config.ts';
import { OutputError } from './write.ts';

/** Where `defineConfig` comes from in a TypeScript config. */
export const CONFIG_MODULE = '@meshobs/cli/config';

export interface InitOptions {
  format?: string;
  prometheus?: string;
  operators?: string;
  kubernetesVersion?: string;
  cluster?: string;
}

const OPERATORS = ['grafana', 'kiali', 'opentelemetry'] as const;
/** The config field each init flag fills, so a bad flag value is reported under the flag's name. */
const FLAG_OF: Record<string, string> = {
  'cluster.name': '--cluster',
  'profile.prometheus': '--prometheus',
  'profile.kubernetesVersion': '--kubernetes-version',
};

function starter(opts: InitOptions) {
  const named = (opts.operators ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = named.filter((o) => !(OPERATORS as readonly string[]).includes(o));
  if (unknown.length) throw new UsageError(`--operators: unknown operator ${unknown.join(', ')} (known: ${OPERATORS.join(', ')})`);
  const raw = {
    cluster: { name: opts.cluster ?? 'my-cluster', environment: 'production' },
    profile: {
      prometheus: opts.prometheus ?? 'kube-prometheus-stack',
      operators: Object.fromEntries(OPERATORS.map((o) => [o, named.includes(o)])),
      kubernetesVersion: opts.kubernetesVersion ?? '1.33',
    },
  };
  try {
    parseConfig(raw);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const p = e.problems[0]!;
    throw new UsageError(`${FLAG_OF[p.path] ?? p.path}: ${p.message}`);
  }
  return raw;
}

const yamlText = (raw: ReturnType<typeof starter>) => `# yaml-language-server: $schema=./${JSON_SCHEMA_FILE}
# A meshobs config: every field left out takes its documented default. Editors that read the schema line
# above complete and check the fields; \`meshobs validate\` checks everything, cross-field rules included.
cluster:
  name: ${raw.cluster.name}
  environment: ${raw.cluster.environment}
# What the target cluster already has: the bundle emits only what that cluster accepts.
profile:
  prometheus: ${raw.profile.prometheus}
  operators:
${OPERATORS.map((o) => `    ${o}: ${raw.profile.operators[o]}`).join('\n')}
  kubernetesVersion: "${raw.profile.kubernetesVersion}"
# The services of the mesh (the default is the podinfo demo: replace it with yours).
services:
  - name: podinfo
    namespace: podinfo
    port: 9898
`;

const tsText = (raw: ReturnType<typeof starter>) => `// A meshobs config: every field left out takes its documented default.
import { defineConfig } from '${CONFIG_MODULE}';

export default defineConfig({
  cluster: { name: '${raw.cluster.name}', environment: '${raw.cluster.environment}' },
  // What the target cluster already has: the bundle emits only what that cluster accepts.
  profile: {
    prometheus: '${raw.profile.prometheus}',
    operators: { ${OPERATORS.map((o) => `${o}: ${raw.profile.operators[o]}`).join(', ')} },
    kubernetesVersion: '${raw.profile.kubernetesVersion}',
  },
  // The services of the mesh (the default is the podinfo demo: replace it with yours).
  services: [{ name: 'podinfo', namespace: 'podinfo', port: 9898 }],
});
`;

export function initCommand(io: Io, opts: InitOptions): number {
  const format = opts.format ?? 'yaml';
  if (format !== 'yaml' && format !== 'ts') throw new UsageError(`--format: must be ts or yaml, got ${JSON.stringify(format)}`);
  const raw = starter(opts);
  const configFile = format === 'ts' ? 'meshobs.config.ts' : 'meshobs.config.yaml';
  const files: [string, string][] = [[configFile, format === 'ts' ? tsText(raw) : yamlText(raw)]];
  if (format === 'yaml') files.push([JSON_SCHEMA_FILE, configJsonSchemaText()]);

  const present = [...new Set([...DEFAULT_CONFIG_FILES, ...files.map(([f]) => f)])].filter((f) => existsSync(join(io.cwd, f)));
  if (present.length) throw new OutputError(`${present.join(', ')} already exists here; init never overwrites: nothing was written`);
  const written: string[] = [];
  try {
    // 'wx': fails instead of overwriting a file that appeared since the check above.
    for (const [file, content] of files) {
      writeFileSync(join(io.cwd, file), content, { flag: 'wx' });
      written.push(file);
    }
  } catch (e) {
    for (const f of written) rmSync(join(io.cwd, f), { force: true });
    throw new OutputError(`cannot write ${files.map(([f]) => f).join(', ')}: ${(e as Error).message}; nothing was written`);
  }
  io.out(`meshobs: wrote ${written.join(' and ')}`);
  io.out('next:');
  io.out('  npx meshobs build      # writes the bundle to dist/bundle');
  io.out('  npx meshobs validate   # runs every real validator found on PATH');
  return 0;
}
