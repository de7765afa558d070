// ConfigMap with the checksum that rolls the pods mounting it when its content changes.
import { createHash } from 'node:crypto';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { Manifest, ObjectMeta } from '../types.ts';

/** Pod template annotation holding the checksum of the config the pods mount (Helm's "checksum/config" idiom). */
export const CONFIG_CHECKSUM_ANNOTATION = 'checksum/config';

/** First 16 hex digits of the SHA-256 of the ConfigMap's values, in key order: changes whenever the content does. */
export function configChecksum(data: Record<string, string>): string {
  const hash = createHash('sha256');
  for (const key of Object.keys(data).sort()) hash.update(data[key]!);
  return hash.digest('hex').slice(0, 16);
}

export interface ConfigMapWithChecksum {
  configMap: Manifest<IConfigMap>;
  /** For the pod template of the workload that mounts it (podTemplate's `configChecksum`). */
  checksum: string;
}

export function configMap(metadata: ObjectMeta, data: Record<string, string>): Manifest<IConfigMap> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data };
}

export const checksummedConfigMap = (metadata: ObjectMeta, data: Record<string, string>): ConfigMapWithChecksum => ({
  configMap: configMap(metadata, data),
  checksum: configChecksum(data),
});
