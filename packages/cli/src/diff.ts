// `meshobs diff --against DIR`: what a rebuilt bundle changes, object by object, for review.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { parseAllDocuments } from 'yaml';

export type ChangeKind = 'added' | 'removed' | 'changed';

export interface ObjectChange {
  kind: ChangeKind;
  /** "Deployment observability/jaeger-query" for Kubernetes objects, else the file path. */
  id: string;
  oldPath?: string;
  newPath?: string;
  patch: string;
  /** Lines added and removed. */
  plus: number;
  minus: number;
  /** A generated promtool rule-test file: follows from the rules, folded into one line unless asked for. */
  ruleTest: boolean;
}

export interface BundleDiff {
  changes: ObjectChange[];
  unchanged: number;
}

/** Every file below dir (dot-files skipped), relative path -> content. */
export function readBundleDir(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      if (name.startsWith('.')) continue;
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(dir, path).split('\\').join('/'), readFileSync(path, 'utf8'));
    }
  };
  if (existsSync(dir)) walk(dir);
  return files;
}

/**
 * A promtool rule unit-test file: a YAML file whose top level has `rule_files` and `tests` (the format of
 * `promtool test rules`, prometheus/prometheus docs/configuration/unit_testing_rules.md). Known by its
 * content, not its path, so the diff of an older bundle with another layout folds them too.
 */
export const isRuleTestFile = (path: string, content: string): boolean =>
  /\.ya?ml$/.test(path) && /^rule_files:/m.test(content) && /^tests:/m.test(content);

/** The identity of what a file holds: its one Kubernetes object, or the path itself. */
export function identityOf(path: string, content: string): string {
  if (!/\.ya?ml$/.test(path)) return path;
  try {
    const docs = parseAllDocuments(content);
    if (Array.isArray(docs) && docs.length === 1) {
      const obj = docs[0]!.toJS() as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null;
      if (obj && typeof obj.kind === 'string' && obj.kind !== 'Kustomization' && typeof obj.metadata?.name === 'string') {
        const ns = typeof obj.metadata.namespace === 'string' ? `${obj.metadata.namespace}/` : '';
        return `${obj.kind} ${ns}${obj.metadata.name}`;
      }
    }
  } catch {
    // not YAML after all: keyed by path
  }
  return path;
}

const byIdentity = (files: Map<string, string>) => {
  const out = new Map<string, { path: string; content: string }>();
  for (const [path, content] of files) {
    let id = identityOf(path, content);
    if (out.has(id)) id = `${id} (${path})`;
    out.set(id, { path, content });
  }
  return out;
};

/** Pairs the objects of two bundles by identity (so a moved file is a change, not a remove + add) and diffs each pair. */
export function diffBundles(oldFiles: Map<string, string>, newFiles: Map<string, string>, context = 3): BundleDiff {
  const before = byIdentity(oldFiles);
  const after = byIdentity(newFiles);
  const ids = [...new Set([...before.keys(), ...after.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const changes: ObjectChange[] = [];
  let unchanged = 0;
  for (const id of ids) {
    const o = before.get(id);
    const n = after.get(id);
    if (o && n && o.content === n.content && o.path === n.path) {
      unchanged++;
      continue;
    }
    const kind: ChangeKind = !o ? 'added' : !n ? 'removed' : 'changed';
    const patch = createTwoFilesPatch(
      o ? `a/${o.path}` : '/dev/null',
      n ? `b/${n.path}` : '/dev/null',
      o?.content ?? '',
      n?.content ?? '',
      undefined,
      undefined,
      { context },
    );
    const hunks = hunksOnly(patch);
    const changed = hunks.split('\n').filter((l) => !l.startsWith('@@'));
    changes.push({
      kind,
      id,
      oldPath: o?.path,
      newPath: n?.path,
      patch: hunks,
      plus: changed.filter((l) => l.startsWith('+')).length,
      minus: changed.filter((l) => l.startsWith('-')).length,
      ruleTest: isRuleTestFile(n?.path ?? o!.path, n?.content ?? o!.content),
    });
  }
  return { changes, unchanged };
}

/** Drops the file headers of a unified diff: the object header printed above it already names both files. */
const hunksOnly = (patch: string) => {
  const lines = patch.split('\n');
  const first = lines.findIndex((l) => l.startsWith('@@'));
  return first < 0 ? '' : lines.slice(first).join('\n').trimEnd();
};

const SIGN: Record<ChangeKind, string> = { added: '+', removed: '-', changed: '~' };

export interface DiffFormat {
  /** One line per changed object or file, with its added and removed line counts; no hunks. */
  summary?: boolean;
  /** Show the generated rule-test files one by one too (by default they are one line). */
  all?: boolean;
}

const counts = (c: { plus: number; minus: number }) => `+${c.plus} -${c.minus}`;

export function formatDiff(d: BundleDiff, opts: DiffFormat = {}): string[] {
  const count = (k: ChangeKind) => d.changes.filter((c) => c.kind === k).length;
  const lines = [`${count('changed')} changed, ${count('added')} added, ${count('removed')} removed, ${d.unchanged} unchanged`];
  const folded = opts.all ? [] : d.changes.filter((c) => c.ruleTest);
  for (const c of d.changes.filter((x) => !folded.includes(x))) {
    const where = c.oldPath && c.newPath && c.oldPath !== c.newPath ? `${c.oldPath} -> ${c.newPath}` : (c.newPath ?? c.oldPath);
    const head = `${SIGN[c.kind]} ${c.id}${where !== c.id ? `  (${where})` : ''}`;
    if (opts.summary) lines.push(`${head}  ${counts(c)}`);
    else {
      lines.push('', head);
      if (c.patch) lines.push(c.patch);
    }
  }
  if (folded.length) {
    const total = { plus: folded.reduce((n, c) => n + c.plus, 0), minus: folded.reduce((n, c) => n + c.minus, 0) };
    const paths = folded.map((c) => c.newPath ?? c.oldPath);
    const named = paths.length > 4 ? `${paths.slice(0, 3).join(', ')} and ${paths.length - 3} more` : paths.join(', ');
    const plural = folded.length > 1 ? 's' : '';
    const line = `~ ${folded.length} generated promtool rule-test file${plural}  ${counts(total)}  (${named}; --all shows them)`;
    lines.push(...(opts.summary ? [line] : ['', line]));
  }
  return lines;
}
