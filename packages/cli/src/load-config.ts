import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, formatPath, type MeshobsConfig, parseConfig } from '@meshobs/config';
import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, parse as parseYaml, YAMLError } from 'yaml';

/** Config files found without --config, in this order. */
export const DEFAULT_CONFIG_FILES = [
  'meshobs.config.ts',
  'meshobs.config.mts',
  'meshobs.config.cts',
  'meshobs.config.js',
  'meshobs.config.mjs',
  'meshobs.config.cjs',
  'meshobs.config.yaml',
  'meshobs.config.yml',
  'meshobs.config.json',
];

/** Configs Node loads as modules (with its TypeScript type stripping for the first three). */
const MODULE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];
const DATA_EXTENSIONS = ['.yaml', '.yml', '.json'];

/**
 * The nearest package.json at or above `dir`, and whether it makes .ts/.js files ES modules. Node reads
 * a .ts or .js file as CommonJS unless that package.json says `"type": "module"` (nodejs.org/api/packages.html,
 * "Determining module system"; `npm init -y` writes `"type": "commonjs"`); .mts/.mjs are ES modules anywhere.
 */
export function nearestPackageJson(dir: string): { path: string; esm: boolean } | undefined {
  for (let at = resolve(dir); ; at = dirname(at)) {
    const path = join(at, 'package.json');
    if (existsSync(path)) {
      try {
        return { path, esm: (JSON.parse(readFileSync(path, 'utf8')) as { type?: unknown }).type === 'module' };
      } catch {
        return { path, esm: false };
      }
    }
    if (dirname(at) === at) return undefined;
  }
}

/** A meshobs config is a few kilobytes; this bound keeps a runaway file from making a build take minutes. */
export const MAX_CONFIG_BYTES = 2 * 1024 * 1024;
/** The schema is at most 7 levels deep; anything deeper is not a meshobs config. */
export const MAX_CONFIG_DEPTH = 32;

/** A problem with how the command was called (exit code 2), as opposed to an invalid config (exit 1). */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function findConfig(cwd: string, explicit?: string): string {
  if (explicit !== undefined) {
    if (explicit.trim() === '') throw new UsageError('--config is empty: name the config file, for example --config meshobs.config.yaml');
    const path = resolve(cwd, explicit);
    if (!existsSync(path)) throw new UsageError(`config file not found: ${explicit}`);
    if (statSync(path).isDirectory()) throw new UsageError(`--config names a folder, not a file: ${explicit}`);
    return path;
  }
  const found = DEFAULT_CONFIG_FILES.map((f) => resolve(cwd, f)).find((p) => existsSync(p));
  if (!found) throw new UsageError(`no config found: create one of ${DEFAULT_CONFIG_FILES.join(', ')} or pass --config`);
  return found;
}

const fail = (path: string, message: string): never => {
  throw new ConfigError([{ path: '', message }], path);
};

/** Where in the config file a thrown error points: `file.ts:3:7`, from the first stack frame in it. */
function locationIn(path: string, e: unknown): string {
  const url = pathToFileURL(path).href;
  const stack = e instanceof Error ? (e.stack ?? '') : '';
  const frame = stack.split('\n').find((l) => l.includes(url) || l.startsWith(`${path}:`));
  const m = frame && /:(\d+)(?::(\d+))?\)?\s*$/.exec(frame.trim());
  return m ? `${basename(path)}:${m[1]}${m[2] ? `:${m[2]}` : ''}` : basename(path);
}

/** Why an ES-module config failed as CommonJS, and the two ways out: the usual first error of a .ts config in an `npm init` project. */
function commonJsHint(path: string, err: Error): string {
  const ext = extname(path);
  if ((ext !== '.ts' && ext !== '.js') || !/Cannot use import statement outside a module|Unexpected token 'export'/.test(err.message))
    return '';
  const pkg = nearestPackageJson(dirname(path));
  if (pkg?.esm) return '';
  const why = pkg ? `${pkg.path} does not say "type": "module"` : 'no package.json says "type": "module"';
  return ` (Node loaded it as CommonJS because ${why}: rename it to ${basename(path, ext)}.m${ext.slice(1)}, which is an ES module anywhere, or add "type": "module" to package.json)`;
}

async function importModule(path: string): Promise<unknown> {
  let mod: Record<string, unknown>;
  try {
    mod = await import(pathToFileURL(path).href);
  } catch (e) {
    const err = e as Error & { code?: string };
    const kind = err instanceof SyntaxError ? 'syntax error' : 'threw an error while loading';
    return fail(path, `${kind} at ${locationIn(path, e)}: ${err.message}${commonJsHint(path, err)}`);
  }
  if (!('default' in mod)) fail(path, `has no default export (use: export default defineConfig({...}))`);
  // A CommonJS config (.cts/.cjs, or .ts/.js in a CommonJS package) is its module.exports: empty when it assigns nothing.
  const cjs = mod['module.exports'] !== undefined || ['.cts', '.cjs'].includes(extname(path));
  if (cjs && isEmptyObject(mod.default)) fail(path, 'exports nothing (use: module.exports = defineConfig({...}))');
  return mod.default;
}

const isEmptyObject = (v: unknown) =>
  v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype && Object.keys(v).length === 0;

/** Max nesting of brackets outside strings: a cheap bound checked before a parser recurses into it. */
function bracketDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') max = Math.max(max, ++depth);
    else if (c === ']' || c === '}') depth--;
  }
  return max;
}

/** The line before, the line itself and a caret under the column: what an editor would show. */
function excerpt(text: string, line: number, col: number): string[] {
  const lines = text.split(/\r?\n/);
  const shown = lines.slice(Math.max(0, line - 2), line).map((l) => (l.length > 120 ? `${l.slice(0, 120)}…` : l));
  return [...shown, `${' '.repeat(Math.min(Math.max(col - 1, 0), 120))}^`].map((l) => `    ${l}`);
}

/** A problem of the file's text itself (syntax, a repeated key), reported at `file:line:column`. */
const textError = (path: string, text: string, line: number, col: number, reason: string): never => {
  const message = [reason, ...excerpt(text, line, col)].join('\n');
  throw new ConfigError([{ path: '', at: `${basename(path)}:${line}:${col}`, message }], path);
};

/** 1-based line and column of an offset in text. */
const lineCol = (text: string, offset: number) => {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: before.at(-1)!.length + 1 };
};

function parseText(path: string, text: string, ext: string): unknown {
  if (bracketDepth(text) > MAX_CONFIG_DEPTH)
    fail(path, `is nested more than ${MAX_CONFIG_DEPTH} levels deep; this is not a meshobs config`);
  if (ext === '.json') {
    // strict JSON syntax first; YAML below only finds duplicate keys. V8 says where: "... at position 17 (line 2 column 16)".
    try {
      JSON.parse(text);
    } catch (e) {
      const reason = (e as Error).message;
      const m = /\(line (\d+) column (\d+)\)/.exec(reason);
      const short = reason.replace(/,? ?(in JSON )?at position \d+.*$/, '').replace(/ ?\(line \d+ column \d+\)/, '');
      if (m) textError(path, text, Number(m[1]), Number(m[2]), `invalid JSON: ${short}`);
      return fail(path, `cannot be read: invalid JSON: ${reason}`);
    }
  }
  const kind = ext === '.json' ? 'JSON' : 'YAML';
  try {
    // YAML 1.2 is a superset of JSON, and `uniqueKeys` makes a repeated key an error in both.
    return parseYaml(text, { uniqueKeys: true, merge: true, prettyErrors: true, maxAliasCount: 100 });
  } catch (e) {
    const message = (e as Error).message;
    // prettyErrors: the first line ends in " at line L, column C:", the lines around it follow.
    if (e instanceof YAMLError && e.linePos) {
      const reason = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      return textError(path, text, e.linePos[0].line, e.linePos[0].col, `invalid ${kind}: ${reason}`);
    }
    // Raised while converting to data, without a position: found by its name instead.
    const alias = /^Unresolved alias.*: (\S+)$/.exec(message)?.[1];
    const offset = alias ? text.search(new RegExp(`\\*${alias.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`)) : -1;
    if (offset >= 0) {
      const { line, col } = lineCol(text, offset);
      return textError(path, text, line, col, `invalid ${kind}: ${message}`);
    }
    return fail(path, `cannot be read: ${message}`);
  }
}

/** The line of the field at `segments` in a YAML/JSON text (its key's line), or of its nearest ancestor there. */
export function lineOfField(text: string, segments: readonly PropertyKey[]): number | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, merge: true });
  const lineAt = (offset: number | undefined) => (offset === undefined ? undefined : lines.linePos(offset).line);
  let node: unknown = doc.contents;
  let line = lineAt((node as Node | null)?.range?.[0]);
  for (const seg of segments) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(seg));
      if (!pair) break;
      line = lineAt((pair.key as Node).range?.[0]) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg]) {
      node = node.items[seg];
      line = lineAt((node as Node).range?.[0]) ?? line;
    } else break;
  }
  return line;
}

/** The same config error with each field's line in the file: `... (meshobs.config.yaml:12)`. */
function withLines(path: string, text: string, e: ConfigError): ConfigError {
  const problems = e.problems.map((p) => {
    const line = p.segments && !p.at ? lineOfField(text, p.segments) : undefined;
    return line === undefined ? p : { ...p, message: `${p.message} (${basename(path)}:${line})` };
  });
  return new ConfigError(problems, path);
}

async function readRaw(path: string): Promise<unknown> {
  const ext = extname(path);
  if (![...MODULE_EXTENSIONS, ...DATA_EXTENSIONS].includes(ext)) {
    throw new UsageError(`unsupported config type "${ext}" (use ${[...MODULE_EXTENSIONS, ...DATA_EXTENSIONS].join(', ')})`);
  }
  const size = statSync(path).size;
  if (size > MAX_CONFIG_BYTES) {
    fail(path, `is ${(size / 1024 / 1024).toFixed(1)} MiB; a meshobs config may be at most ${MAX_CONFIG_BYTES / 1024 / 1024} MiB`);
  }
  if (MODULE_EXTENSIONS.includes(ext)) return importModule(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return fail(path, `cannot be read: ${(e as Error).message}`);
  }
  return parseText(path, text.replace(/^\uFEFF/, ''), ext);
}

/**
 * The config as plain data, read once. Every getter of a TypeScript config runs here, so one that
 * throws is the config's error, reported at its field; the schema then reads data only, and whatever
 * else it throws is a bug in meshobs (an internal error), never an invalid config.
 */
function plainData(path: string, value: unknown): unknown {
  const read = (holder: object, key: string | number, at: (string | number)[]): unknown => {
    try {
      return (holder as Record<string | number, unknown>)[key];
    } catch (e) {
      throw new ConfigError([{ path: formatPath([...at, key]), message: `cannot be read: ${(e as Error).message}` }], path);
    }
  };
  const copy = (v: unknown, at: (string | number)[], depth: number): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (depth > MAX_CONFIG_DEPTH) fail(path, `is nested more than ${MAX_CONFIG_DEPTH} levels deep; this is not a meshobs config`);
    if (Array.isArray(v)) return Array.from({ length: v.length }, (_, i) => copy(read(v, i, at), [...at, i], depth + 1));
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return v; // a Date, a class instance: the schema says what it expects
    return Object.fromEntries(Object.keys(v).map((k) => [k, copy(read(v, k, at), [...at, k], depth + 1)]));
  };
  return copy(value, [], 1);
}

/** Reads a config file of any supported kind and validates it with the one schema. */
export async function loadConfig(path: string): Promise<MeshobsConfig> {
  const raw = await readRaw(path);
  if (raw === null || raw === undefined) {
    fail(
      path,
      MODULE_EXTENSIONS.includes(extname(path)) ? 'the default export is empty' : 'the file is empty (a config needs at least `services:`)',
    );
  }
  try {
    return parseConfig(plainData(path, raw), path);
  } catch (e) {
    // A YAML or JSON config: each field's problem also names its line.
    if (e instanceof ConfigError && DATA_EXTENSIONS.includes(extname(path))) throw withLines(path, readFileSync(path, 'utf8'), e);
    throw e;
  }
}
