// `meshobs init`: a starter config in the current folder, with the cluster profile answered by flags.
// It never overwrites: if any meshobs config (or the schema file) is already there, nothing is written.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ConfigError, configJsonSchemaText, JSON_SCHEMA_FILE, parseConfig } from '@meshobs/config';
import type { Io } from './commands.ts';
import { DEFAULT_CONFIG_FILES, nearestPackageJson, UsageError } from './load-config.ts';
import { SCHEMA_COMMAND } from './schema-command.ts';
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
# The services of your mesh: meshobs scrapes, charts and alerts on them and never changes their objects.
services: []
#  - name: reviews
#    namespace: bookinfo
#    port: 9080
#    versions: [{ name: v1, weight: 90 }, { name: v2, weight: 10 }]
# The podinfo-style demo (in a namespace of its own) proves trace propagation end to end; off by default.
demo:
  enabled: false
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
  // The services of your mesh: meshobs scrapes, charts and alerts on them and never changes their objects.
  // e.g. { name: 'reviews', namespace: 'bookinfo', port: 9080, versions: [{ name: 'v1', weight: 90 }, { name: 'v2', weight: 10 }] }
  services: [],
  // The podinfo-style demo (in a namespace of its own) proves trace propagation end to end; off by default.
  demo: { enabled: false },
});
`;

/**
 * What to run after init, as the README's *Use meshobs* block says it (test/init.test.ts holds the two
 * together). `--no-install`: npx never asks a registry for a package named meshobs.
 */
export const NEXT_STEPS = [
  'npx --no-install meshobs build                      # writes dist/bundle',
  'npx --no-install meshobs validate                   # every real validator found in MESHOBS_TOOLS_BIN or on PATH',
  'sh dist/bundle/namespaces/label-existing-namespaces.sh   # first: the pipeline namespace if missing, injection labels on namespaces meshobs does not own',
  'kubectl apply --server-side -k dist/bundle',
];

/** After an upgrade of meshobs, for a YAML config: the editors' schema of the new version (README, same block). */
export const SCHEMA_STEP = `${SCHEMA_COMMAND}                     # after an upgrade of meshobs: rewrites ${JSON_SCHEMA_FILE}`;

/**
 * The TypeScript config's file name: .ts where the nearest package.json makes .ts files ES modules, else
 * .mts, since Node would load a .ts file there as CommonJS and fail on its `import` (load-config.ts).
 */
function tsConfigFile(cwd: string): { file: string; why?: string } {
  const pkg = nearestPackageJson(cwd);
  if (pkg?.esm) return { file: 'meshobs.config.ts' };
  const where = pkg
    ? `${relative(cwd, pkg.path) || 'package.json'} does not say "type": "module"`
    : 'no package.json says "type": "module"';
  return { file: 'meshobs.config.mts', why: `.mts, an ES module anywhere: ${where}, and Node loads a .ts file there as CommonJS` };
}

export function initCommand(io: Io, opts: InitOptions): number {
  const format = opts.format ?? 'yaml';
  if (format !== 'yaml' && format !== 'ts') throw new UsageError(`--format: must be ts or yaml, got ${JSON.stringify(format)}`);
  const raw = starter(opts);
  const ts = format === 'ts' ? tsConfigFile(io.cwd) : undefined;
  const configFile = ts ? ts.file : 'meshobs.config.yaml';
  const files: [string, string][] = [[configFile, format === 'ts' ? tsText(raw) : yamlText(raw)]];
  if (format === 'yaml') files.push([JSON_SCHEMA_FILE, configJsonSchemaText()]);

  const present = [...new Set([...DEFAULT_CONFIG_FILES, ...files.map(([f]) => f)])].filter((f) => existsSync(join(io.cwd, f)));
  if (present.length) {
    const schema = present.includes(JSON_SCHEMA_FILE) ? ` (\`${SCHEMA_COMMAND}\` rewrites the schema for this meshobs version)` : '';
    throw new OutputError(`${present.join(', ')} already exists here; init never overwrites: nothing was written${schema}`);
  }
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
  io.out(`meshobs: wrote ${written.join(' and ')}${ts?.why ? ` (${ts.why})` : ''}`);
  io.out('next:');
  for (const step of NEXT_STEPS) io.out(`  ${step}`);
  if (format === 'yaml') io.out(`  ${SCHEMA_STEP}`);
  return 0;
}
