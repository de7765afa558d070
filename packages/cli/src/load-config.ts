import { existsSync, readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { parseConfig, type MeshobsConfig } from '@meshobs/spec';

export const DEFAULT_CONFIG_FILES = ['meshobs.config.ts', 'meshobs.config.yaml', 'meshobs.config.yml', 'meshobs.config.json'];

/** A problem with how the command was called (exit code 2), as opposed to an invalid config (exit 1). */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function findConfig(cwd: string, explicit?: string): string {
  if (explicit) {
    const path = resolve(cwd, explicit);
    if (!existsSync(path)) throw new UsageError(`config file not found: ${explicit}`);
    return path;
  }
  const found = DEFAULT_CONFIG_FILES.map((f) => resolve(cwd, f)).find((p) => existsSync(p));
  if (!found) throw new UsageError(`no config found: create one of ${DEFAULT_CONFIG_FILES.join(', ')} or pass --config`);
  return found;
}

async function readRaw(path: string): Promise<unknown> {
  switch (extname(path)) {
    case '.ts':
    case '.mts':
    case '.js':
    case '.mjs': {
      const mod = await import(pathToFileURL(path).href);
      if (!('default' in mod)) throw new UsageError(`${path} has no default export (use: export default defineConfig({...}))`);
      return mod.default;
    }
    case '.yaml':
    case '.yml':
      return parseYaml(readFileSync(path, 'utf8'), { uniqueKeys: true, prettyErrors: true });
    case '.json':
      return JSON.parse(readFileSync(path, 'utf8'));
    default:
      throw new UsageError(`unsupported config type "${extname(path)}" (use .ts, .yaml, .yml or .json)`);
  }
}

/** Reads a config file of any supported kind and validates it with the one schema. */
export async function loadConfig(path: string): Promise<MeshobsConfig> {
  let raw: unknown;
  try {
    raw = await readRaw(path);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const { ConfigError } = await import('@meshobs/spec');
    throw new ConfigError([{ path: '', message: `cannot be read: ${e instanceof Error ? e.message : String(e)}` }], path);
  }
  return parseConfig(raw, path);
}
