// The leaves of the config schema (every field a user can set), and candidate values for each that
// differ from its default: the render-coverage test (fields-rendered.test.ts) sets one leaf at a time.
import type { z } from 'zod';

export interface Leaf {
  /** Path in the config input; array elements are index 0. */
  path: Array<string | number>;
  /** The zod type name of the leaf: string, number, boolean, enum, array, record, union... */
  type: string;
  /** Enum options, when the leaf is an enum. */
  options?: string[];
}

type Def = { type: string; [k: string]: any };
const defOf = (s: z.ZodType): Def => (s as any)._zod.def;

/** Every leaf under `schema` (objects are walked into, wrappers unwrapped; a list of objects is walked at index 0). */
export function leavesOf(schema: z.ZodType, path: Array<string | number> = []): Leaf[] {
  const d = defOf(schema);
  switch (d.type) {
    case 'default':
    case 'prefault':
    case 'optional':
    case 'nullable':
    case 'readonly':
    case 'catch':
      return leavesOf(d.innerType, path);
    case 'pipe':
      return leavesOf(d.in, path);
    case 'object':
      return Object.entries(d.shape as Record<string, z.ZodType>).flatMap(([k, v]) => leavesOf(v, [...path, k]));
    case 'array':
      if (unwrap(d.element).type === 'object') return leavesOf(d.element, [...path, 0]);
      return [{ path, type: 'array' }];
    case 'enum':
      return [{ path, type: 'enum', options: Object.values(d.entries as Record<string, string>) }];
    default:
      return [{ path, type: d.type }];
  }
}

function unwrap(s: z.ZodType): Def {
  const d = defOf(s);
  return 'innerType' in d ? unwrap(d.innerType) : d.type === 'pipe' ? unwrap(d.in) : d;
}

export const getPath = (o: unknown, path: Array<string | number>): unknown =>
  path.reduce<unknown>((v, k) => (v == null ? undefined : (v as Record<string | number, unknown>)[k]), o);

/** A copy of `base` with `value` at `path` (objects and lists created as needed). */
export function setPath(base: unknown, path: Array<string | number>, value: unknown): unknown {
  const root = structuredClone(base ?? {}) as Record<string | number, unknown>;
  let node = root;
  path.forEach((k, i) => {
    if (i === path.length - 1) node[k] = value;
    else {
      node[k] ??= typeof path[i + 1] === 'number' ? [] : {};
      node = node[k] as Record<string | number, unknown>;
    }
  });
  return root;
}

const DURATION = /^(\d+)(ms|s|m|h|d|w|y)$/;
const QUANTITY = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti|k|M|G)?$/;

/** Candidate values for a string, from its default: scaled durations and quantities, edited names, sample URLs. */
function stringCandidates(d: unknown): unknown[] {
  const out: unknown[] = [];
  if (typeof d === 'string') {
    const dur = DURATION.exec(d);
    if (dur)
      out.push(
        `${Number(dur[1]) * 2}${dur[2]}`,
        `${Math.max(1, Math.floor(Number(dur[1]) / 2))}${dur[2]}`,
        `${Number(dur[1]) + 1}${dur[2]}`,
      );
    const q = QUANTITY.exec(d);
    if (q) out.push(`${Number(q[1]) * 2}${q[2] ?? ''}`, `${Number(q[1]) / 2}${q[2] ?? ''}`);
    const minor = /^(\d+)\.(\d+)$/.exec(d);
    if (minor) out.push(`${minor[1]}.${Number(minor[2]) + 1}`, `${minor[1]}.${Number(minor[2]) - 1}`);
    if (/^https?:\/\//.test(d)) out.push(d.replace(/^(https?:\/\/)([^/:]+)/, '$1alt-$2'));
    out.push(`${d}-x`, `x-${d}`, `${d}x`, d.slice(0, -1), d.toUpperCase());
  }
  out.push(
    '30m',
    '5m',
    'meshobs-x',
    'https://alt.example.com',
    'alt.example.com',
    '15 4 * * *',
    '*/30 * * * *',
    'registry.example.com/team/image:1.2.3',
    '1.26',
    '1.33',
    'canary',
  );
  return out;
}

/** Candidate values for a leaf, in order of preference; the caller keeps the first valid one that changes the parsed value. */
export function candidates(leaf: Leaf, defaultValue: unknown): unknown[] {
  const d = defaultValue;
  switch (leaf.type) {
    case 'boolean':
      return [!d];
    case 'enum':
      return (leaf.options ?? []).filter((o) => o !== d);
    case 'number': {
      const n = typeof d === 'number' ? d : 1;
      return [n + 1, n - 1, n * 2, n / 2, n + 0.1, n - 0.1, Math.round(n * 990) / 1000, n + 10, 1, 3, 50, 0.5, 0.9];
    }
    case 'array': {
      const list = Array.isArray(d) ? d : [];
      const more =
        list.length && typeof list[0] === 'string'
          ? [`${list[0]}-x`, `/x${list[0]}`, 'meshobs-x', 'example.com', '/extra']
          : ['meshobs-x', '/extra', 'x-auth-request-user'];
      return [...more.map((x) => [...list, x]), list.slice(1), list.slice(0, -1), []];
    }
    case 'record':
      return [
        { ...(d as object), meshobs_test: 'x' },
        { ...(d as object), 'meshobs-test': 'x' },
      ];
    default:
      return stringCandidates(d);
  }
}
