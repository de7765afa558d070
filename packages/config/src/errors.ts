import type { core, z } from 'zod';

/** Type error message that still says "is required" when the field is missing altogether. */
export const typeError = (expected: string) => (iss: { input?: unknown }) => (iss.input === undefined ? 'is required' : expected);

/** One problem in a config, addressed by its field path. */
export interface ConfigProblem {
  path: string;
  message: string;
  /** Where in the file, when the problem is the file's syntax rather than a field: `meshobs.config.yaml:3:7`. */
  at?: string;
  /** The field path as keys and indices (what `path` spells), for finding the field in a YAML file. */
  segments?: readonly PropertyKey[];
}

export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[], source?: string) {
    const head = `invalid meshobs config${source ? ` (${source})` : ''}:`;
    super([head, ...problems.map((p) => `  ${p.at ?? (p.path || '(root)')}: ${p.message}`)].join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** `services[1].canaryWeight` */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, seg) => {
    if (typeof seg === 'number') return `${acc}[${seg}]`;
    const key = String(seg);
    const plain = key.length <= MAX_SHOWN && /^[A-Za-z_$][\w$-]*$/.test(key);
    if (!plain) return `${acc}[${showString(key)}]`;
    return acc ? `${acc}.${key}` : key;
  }, '');
}

/** Values longer than this are shown as their start and "…", so one bad value cannot flood the terminal. */
export const MAX_SHOWN = 80;

/** A string as the user wrote it (JSON-quoted), cut to its first MAX_SHOWN characters when longer. */
export const showString = (v: string): string =>
  v.length > MAX_SHOWN ? `${JSON.stringify(v.slice(0, MAX_SHOWN)).slice(0, -1)}…" (${v.length} characters)` : JSON.stringify(v);

export function renderValue(v: unknown): string {
  if (typeof v === 'string') return showString(v);
  if (v === undefined) return 'undefined';
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (Array.isArray(v)) return `a list of ${v.length}`;
  return 'an object';
}

const TYPE_NAMES: Record<string, string> = {
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object (a mapping of keys)',
};

/** Reason phrases for zod's built-in checks; schema-level messages take precedence over these. */
export const reasonFor = (iss: core.$ZodRawIssue): string | undefined => {
  switch (iss.code) {
    case 'invalid_type':
      return iss.input === undefined ? 'is required' : `must be ${TYPE_NAMES[iss.expected] ?? iss.expected}`;
    case 'too_small':
      return iss.origin === 'array' ? `must have at least ${iss.minimum} entries` : `must be at least ${iss.minimum}`;
    case 'too_big':
      return iss.origin === 'array' ? `must have at most ${iss.maximum} entries` : `must be at most ${iss.maximum}`;
    case 'invalid_key':
      // a record key failed its own schema: report that schema's reason, not zod's generic one
      return iss.issues.map((i) => i.message).join('; ') || 'is not a valid key';
    case 'invalid_value':
      return `must be one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return undefined;
  }
};

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

export function closest(key: string, candidates: readonly string[]): string | undefined {
  if (key.length > MAX_SHOWN) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = levenshtein(key, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** The keys an object schema accepts at `path`, walking through defaults, optionals, arrays and records. */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  // biome-ignore lint/suspicious/noExplicitAny: walks zod's internal schema definitions
  let node: any = schema;
  const unwrap = () => {
    for (;;) {
      const def = node?._zod?.def;
      if (!def) return;
      if (['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch'].includes(def.type)) node = def.innerType;
      else if (def.type === 'pipe') node = def.in;
      else return;
    }
  };
  unwrap();
  for (const seg of path) {
    const def = node?._zod?.def;
    if (def?.type === 'object') node = def.shape[String(seg)];
    else if (def?.type === 'array') node = def.element;
    else if (def?.type === 'record') node = def.valueType;
    else return [];
    unwrap();
  }
  const def = node?._zod?.def;
  return def?.type === 'object' ? Object.keys(def.shape) : [];
}

export function toProblems(error: z.ZodError, schema: z.ZodType): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const iss of error.issues) {
    if (iss.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, iss.path);
      for (const key of iss.keys) {
        const hint = closest(key, known);
        problems.push({
          path: formatPath([...iss.path, key]),
          segments: [...iss.path, key],
          message: hint ? `unknown key (did you mean "${hint}"?)` : `unknown key (allowed: ${known.join(', ')})`,
        });
      }
      continue;
    }
    const input = (iss as { input?: unknown }).input;
    problems.push({
      path: formatPath(iss.path),
      segments: iss.path,
      message: input === undefined ? iss.message : `${renderValue(input)} ${iss.message}`,
    });
  }
  return problems;
}
