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
    changes.push({ kind, id, oldPath: o?.path, newPath: n?.path, patch: hunksOnly(patch) });
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

export function formatDiff(d: BundleDiff): string[] {
  const count = (k: ChangeKind) => d.changes.filter((c) => c.kind === k).length;
  const lines = [`${count('changed')} changed, ${count('added')} added, ${count('removed')} removed, ${d.unchanged} unchanged`];
  for (const c of d.changes) {
    const where = c.oldPath && c.newPath && c.oldPath !== c.newPath ? `${c.oldPath} -> ${c.newPath}` : (c.newPath ?? c.oldPath);
    lines.push('', `${SIGN[c.kind]} ${c.id}${where !== c.id ? `  (${where})` : ''}`);
    if (c.patch) lines.push(c.patch);
  }
  return lines;
}
