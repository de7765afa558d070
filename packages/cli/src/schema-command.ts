// `meshobs schema`: writes the JSON Schema editors read for meshobs.config.yaml, the one of this meshobs
// version. `init` writes it once and never overwrites; after an upgrade this command rewrites it (and
// `build` says when the file beside a YAML config is not this version's).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { configJsonSchemaText, JSON_SCHEMA_FILE } from '@meshobs/config';
import type { Io } from './commands.ts';
import { OutputError } from './write.ts';

/** The command that rewrites the schema, as the messages name it. */
export const SCHEMA_COMMAND = 'npx --no-install meshobs schema';

/** A file meshobs wrote as its config schema (any version): what `schema` may overwrite. */
function isMeshobsSchema(text: string): boolean {
  try {
    const json = JSON.parse(text) as { title?: unknown };
    return json.title === 'meshobs config';
  } catch {
    return false;
  }
}

export function schemaCommand(io: Io, opts: { out?: string }): number {
  const text = configJsonSchemaText();
  if (opts.out === '-') {
    io.out(text.trimEnd());
    return 0;
  }
  const target = resolve(io.cwd, opts.out ?? JSON_SCHEMA_FILE);
  const shown = relative(io.cwd, target) || basename(target);
  if (existsSync(target)) {
    const current = readFileSync(target, 'utf8');
    if (current === text) {
      io.out(`meshobs: ${shown} is up to date`);
      return 0;
    }
    if (!isMeshobsSchema(current))
      throw new OutputError(`${shown} exists and is not a meshobs config schema; schema overwrites only its own file: nothing was written`);
  } else if (!existsSync(dirname(target))) {
    throw new OutputError(`cannot write ${shown}: the folder ${relative(io.cwd, dirname(target)) || '.'} does not exist`);
  }
  writeFileSync(target, text);
  io.out(`meshobs: wrote ${shown}`);
  return 0;
}

/**
 * The note `build` and `validate` print when a YAML config names a schema file beside it (the line `init`
 * writes: `# yaml-language-server: $schema=./meshobs.config.schema.json`) that is a meshobs schema of
 * another version; undefined otherwise.
 */
export function staleSchemaNote(cwd: string, configPath: string): string | undefined {
  if (!/\.ya?ml$/.test(configPath)) return undefined;
  const ref = /^#\s*yaml-language-server:\s*\$schema=(\S+)\s*$/m.exec(readFileSync(configPath, 'utf8'))?.[1];
  if (!ref || /^[a-z]+:/i.test(ref)) return undefined;
  const file = resolve(dirname(configPath), ref);
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  if (text === configJsonSchemaText() || !isMeshobsSchema(text)) return undefined;
  const shown = relative(cwd, file);
  const out = shown === JSON_SCHEMA_FILE ? '' : ` --out ${shown}`;
  return `note: ${shown} is the config schema of another meshobs version (editors check the config against it): \`${SCHEMA_COMMAND}${out}\` rewrites it`;
}
