// The config as a JSON Schema (draft 2020-12), generated from the zod schema so editors can complete and
// check meshobs.config.yaml (`# yaml-language-server: $schema=...`). It describes the input: defaults are
// hints, every field is optional where the config may leave it out. Cross-field rules (collisions, name
// lengths derived from several fields, request <= limit, ...) cannot be said in JSON Schema: meshobs
// validate still checks those.
import { z } from 'zod';
import { configSchema } from './schema.ts';

export const JSON_SCHEMA_FILE = 'meshobs.config.schema.json';

export function configJsonSchema(): Record<string, unknown> {
  // `unrepresentable: 'any'`: a custom check becomes "any value" instead of failing the generation.
  const generated = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: 'meshobs config',
    description: 'One Istio mesh, described for meshobs: every field is optional and takes its documented default.',
    ...rest,
  };
}

/** The schema file as shipped and as `meshobs init` writes it: stable, two-space JSON with a final newline. */
export const configJsonSchemaText = (): string => `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
