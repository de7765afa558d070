// The command line's vocabulary: every command with its options and help text, one place for the
// parser (main.ts), `--help`, `<command> --help` and the one-line hints for typos.

interface Option {
  flag: string;
  type: 'string' | 'boolean';
  short?: string;
  arg?: string;
  help: string;
}

const CONFIG: Option = {
  flag: 'config',
  type: 'string',
  arg: 'FILE',
  help: 'meshobs.config.ts | .yaml | .yml | .json (default: first found in the current folder)',
};

export const COMMANDS = {
  init: {
    summary: 'write a starter config into the current folder (never overwrites)',
    options: [
      {
        flag: 'format',
        type: 'string',
        arg: 'ts|yaml',
        help: 'config format (default yaml; yaml also writes the JSON Schema editors read)',
      },
      { flag: 'cluster', type: 'string', arg: 'NAME', help: 'cluster name (default my-cluster)' },
      { flag: 'prometheus', type: 'string', arg: 'KIND', help: 'kube-prometheus-stack (default) or plain' },
      {
        flag: 'operators',
        type: 'string',
        arg: 'LIST',
        help: 'operators the cluster has, comma-separated: grafana,kiali,opentelemetry (default none)',
      },
      { flag: 'kubernetes-version', type: 'string', arg: 'MINOR', help: 'Kubernetes minor version of the cluster, e.g. 1.33 (default)' },
    ],
  },
  build: {
    summary: 'validate the config and write the bundle (default out: dist/bundle)',
    options: [
      CONFIG,
      {
        flag: 'out',
        type: 'string',
        arg: 'DIR',
        help: 'bundle folder (default dist/bundle); replaced only when absent, empty, or a bundle meshobs wrote',
      },
    ],
  },
  validate: {
    summary: 'validate the config, build in memory and run every real validator found',
    options: [
      CONFIG,
      {
        flag: 'allow-missing',
        type: 'string',
        arg: 'TOOLS',
        help: 'pass although these tools (comma-separated, e.g. istioctl,checkov) are not installed; without it, a validator that cannot run fails validate',
      },
    ],
  },
  diff: {
    summary: 'build in memory and print a per-object diff against an existing bundle',
    options: [
      CONFIG,
      { flag: 'against', type: 'string', arg: 'DIR', help: 'existing bundle folder to compare with (required)' },
      { flag: 'exit-code', type: 'boolean', help: 'exit 1 when there are differences (default: 0)' },
      { flag: 'summary', type: 'boolean', help: 'one line per changed object or file with its +/- line counts, no hunks' },
      {
        flag: 'all',
        type: 'boolean',
        help: 'also show the generated promtool rule-test files one by one (by default: one line for all of them)',
      },
    ],
  },
  schema: {
    summary: 'write the JSON Schema of this meshobs version for editors (after an upgrade; init writes it once)',
    options: [
      {
        flag: 'out',
        type: 'string',
        arg: 'FILE',
        help: 'where to write it (default meshobs.config.schema.json; - prints it); overwrites only a meshobs schema',
      },
    ],
  },
  verify: {
    summary: 'after kubectl apply -k: check the bundle runs in the cluster of the current kubeconfig context',
    options: [
      CONFIG,
      { flag: 'context', type: 'string', arg: 'NAME', help: 'kubeconfig context to check (default: the current one)' },
      {
        flag: 'timeout',
        type: 'string',
        arg: 'SECONDS',
        help: 'how long each check may wait for rollouts, scrapes and the test trace (default 180)',
      },
    ],
  },
} satisfies Record<string, { summary: string; options: Option[] }>;

export type Command = keyof typeof COMMANDS;

const GLOBAL: Option[] = [
  { flag: 'debug', type: 'boolean', help: 'print the stack of an internal error' },
  { flag: 'version', type: 'boolean', short: 'v', help: 'print the meshobs version' },
  { flag: 'help', type: 'boolean', short: 'h', help: 'show help (of a command: meshobs <command> --help)' },
];

/** Every option any command takes, for node:util parseArgs. */
export const PARSE_OPTIONS = Object.fromEntries(
  [...GLOBAL, ...Object.values(COMMANDS).flatMap((c) => c.options as Option[])].map((o) => [
    o.flag,
    { type: o.type, ...(o.short ? { short: o.short } : {}) },
  ]),
) as Record<string, { type: 'string' | 'boolean'; short?: string }>;

export const isCommand = (name: string | undefined): name is Command => name !== undefined && Object.hasOwn(COMMANDS, name);
export const optionsOf = (command: Command): string[] => [...(COMMANDS[command].options as Option[]), ...GLOBAL].map((o) => o.flag);

const optionLines = (options: Option[]) =>
  options.map((o) => {
    const name = `${o.short ? `-${o.short}, ` : ''}--${o.flag}${o.arg ? ` ${o.arg}` : ''}`;
    return `  ${name.padEnd(28)} ${o.help}`;
  });

export const USAGE = [
  'usage: meshobs <command> [options]',
  '',
  'commands:',
  ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`),
  '',
  'options:',
  ...optionLines(GLOBAL),
  '',
  'meshobs <command> --help shows the options of a command.',
  '',
  'exit codes: 0 ok, 1 invalid config, refused output folder or failed validation (or differences with',
  'diff --exit-code), 2 usage error, 3 internal error (a bug in meshobs: please report it)',
].join('\n');

export function commandUsage(command: Command): string {
  const c = COMMANDS[command];
  return [
    `usage: meshobs ${command} [options]`,
    '',
    c.summary,
    '',
    'options:',
    ...optionLines([...(c.options as Option[]), ...GLOBAL]),
  ].join('\n');
}

/** Edit distance with transpositions (optimal string alignment): `biuld` is one step from `build`. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** ` (did you mean build?)` when one known name is close enough, else nothing. */
export function suggestion(given: string, known: string[]): string {
  const best = known.map((k) => ({ k, d: distance(given, k) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(1, Math.floor(best.k.length / 3)) ? ` (did you mean ${best.k}?)` : '';
}
