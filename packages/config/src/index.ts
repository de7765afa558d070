import { ConfigError, reasonFor, toProblems } from './errors.ts';
import { legacyProblems } from './legacy.ts';
import { configSchema, type MeshobsConfig, type MeshobsConfigInput } from './schema.ts';

export {
  COLLECTOR_RECEIVER_PORTS,
  type Endpoints,
  endpointsOf,
  type HostPort,
  hostPort,
  httpUrl,
  type UiName,
  uiExposed,
  uiHosts,
} from './endpoints.ts';
export { ConfigError, type ConfigProblem, formatPath } from './errors.ts';
export { imageVersion, parseImage } from './image.ts';
export { GRPC_DEFAULT_MAX_RECV_BYTES, OTLP_TRANSPORT, otlpBatch, otlpTransportProblems } from './otlp-transport.ts';
export { durationSeconds } from './primitives.ts';
export type { MeshobsConfig, MeshobsConfigInput, ServiceConfig } from './schema.ts';
export { configSchema } from './schema.ts';

/** Typed helper for `meshobs.config.ts`: `export default defineConfig({...})`. */
export function defineConfig(config: MeshobsConfigInput): MeshobsConfigInput {
  return config;
}

/** Validates raw config data (from TypeScript, YAML or JSON) and fills in every default. */
export function parseConfig(raw: unknown, source?: string): MeshobsConfig {
  const legacy = legacyProblems(raw);
  if (legacy.length) throw new ConfigError(legacy, source);
  const result = configSchema.safeParse(raw ?? {}, { error: reasonFor, reportInput: true });
  if (!result.success) throw new ConfigError(toProblems(result.error, configSchema), source);
  return result.data;
}

/** The config with nothing overridden: every default from the product requirements. */
export const defaultConfig = (): MeshobsConfig => parseConfig({});
export { ALERT_GROUP_BY, fastBurnFactor, ROUTING_LABELS } from './checks.ts';
export { configJsonSchema, configJsonSchemaText, JSON_SCHEMA_FILE } from './json-schema.ts';
export { type DerivedObject, derivedObjects, NAME_LIMITS } from './names.ts';
export { cpuMillis, memoryBytesOf } from './quantity.ts';
export { CRON_MACROS, scheduleProblem } from './schedule.ts';
export { SLO_LONGEST_WINDOW } from './sections/monitoring.ts';
