// `promtool tsdb create-blocks-from rules` cannot backfill a rule that reads another rule being
// backfilled in the same run. So recording rules are split into dependency levels and each level is
// backfilled over the blocks of the levels before it.
import { parse, stringify } from 'yaml';

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  [key: string]: unknown;
}
interface Group {
  name: string;
  interval?: string;
  rules: Rule[];
  [key: string]: unknown;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Rule files (YAML text, `groups:`) holding only recording rules, one per dependency level. */
export function recordingRuleLevels(rulesYaml: string): string[] {
  const doc = parse(rulesYaml) as { groups?: Group[] };
  const groups = doc.groups ?? [];
  const recorded = new Set(groups.flatMap((g) => g.rules.flatMap((r) => (r.record ? [r.record] : []))));
  const matchers = [...recorded].map((name) => ({ name, re: new RegExp(`(^|[^a-zA-Z0-9_:])${escapeRegExp(name)}($|[^a-zA-Z0-9_:])`) }));
  const depsOf = (expr: string) => matchers.filter((m) => m.re.test(expr)).map((m) => m.name);
  const level = new Map<string, number>();
  const exprOf = new Map<string, string[]>();
  for (const g of groups) for (const r of g.rules) if (r.record) exprOf.set(r.record, [...(exprOf.get(r.record) ?? []), r.expr]);
  const levelOf = (name: string, stack: string[] = []): number => {
    const known = level.get(name);
    if (known !== undefined) return known;
    if (stack.includes(name)) throw new Error(`recording rules form a cycle: ${[...stack, name].join(' -> ')}`);
    const deps = (exprOf.get(name) ?? []).flatMap(depsOf).filter((d) => d !== name);
    const l = deps.length ? 1 + Math.max(...deps.map((d) => levelOf(d, [...stack, name]))) : 0;
    level.set(name, l);
    return l;
  };
  const maxLevel = Math.max(-1, ...[...recorded].map((n) => levelOf(n)));
  const files: string[] = [];
  for (let l = 0; l <= maxLevel; l++) {
    const levelGroups = groups
      .map((g) => ({ ...g, rules: g.rules.filter((r) => r.record && level.get(r.record) === l) }))
      .filter((g) => g.rules.length);
    files.push(stringify({ groups: levelGroups }, { lineWidth: 0 }));
  }
  return files;
}
