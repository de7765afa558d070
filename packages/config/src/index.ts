import { configSchema, type MeshobsConfig, type MeshobsConfigInput } from './schema.ts';
import { ConfigError, reasonFor, toProblems } from './errors.ts';

export { configSchema } from './schema.ts';
export type { MeshobsConfig, MeshobsConfigInput, ServiceConfig } from './schema.ts';
export { ConfigError, formatPath, type ConfigProblem } from './errors.ts';
export { endpointsOf, type Endpoints } from './endpoints.ts';
export { durationSeconds } from './primitives.ts';

/** Typed helper for `meshobs.config.ts`: `export default defineConfig({...})`. */
export function defineConfig(config: MeshobsConfigInput): MeshobsConfigInput {
  return config;
}

/** Validates raw config data (from TypeScript, YAML or JSON) and fills in every default. */
export function parseConfig(raw: unknown, source?: string): MeshobsConfig {
  const result = configSchema.safeParse(raw ?? {}, { error: reasonFor, reportInput: true });
  if (!result.success) throw new ConfigError(toProblems(result.error, configSchema), source);
  return result.data;
}

/** The config with nothing overridden: every default from the product requirements. */
export const defaultConfig = (): MeshobsConfig => parseConfig({});
export { ALERT_GROUP_BY, ROUTING_LABELS, fastBurnFactor } from './checks.ts';
export { derivedObjects, NAME_LIMITS, type DerivedObject } from './names.ts';
export { SLO_LONGEST_WINDOW } from './sections/monitoring.ts';
export { scheduleProblem, CRON_MACROS } from './schedule.ts';
export { cpuMillis, memoryBytesOf } from './quantity.ts';
export { configJsonSchema, configJsonSchemaText, JSON_SCHEMA_FILE } from './json-schema.ts';
