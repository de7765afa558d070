// Names of the plain config files the component renders, and how to read one back.
import type { ComponentBundle } from '@meshobs/kube';

/** The plain collector config (the load-balancing tier's in two-tier mode). */
export const COLLECTOR_CONFIG_FILE = 'config.yaml';
/** The sampling tier's plain config (two-tier mode only). */
export const SAMPLER_CONFIG_FILE = 'sampler-config.yaml';

/** The OpenTelemetry Operator variant: ServiceAccount, RBAC and the OpenTelemetryCollector CRs. */
export const OPERATOR_FILE = 'operator/opentelemetrycollector.yaml';

/** The content of one of the plain config files of a rendered collector bundle. */
export function collectorConfigFile(bundle: Pick<ComponentBundle, 'files'>, path = COLLECTOR_CONFIG_FILE): string {
  const file = bundle.files.find((f) => f.path === path);
  if (!file) throw new Error(`the otel-collector component renders no ${path}`);
  return file.content;
}
