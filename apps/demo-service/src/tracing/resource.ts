import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_DEPLOYMENT_ENVIRONMENT_NAME,
  ATTR_K8S_CLUSTER_NAME,
  ATTR_K8S_NAMESPACE_NAME,
  ATTR_K8S_NODE_NAME,
  ATTR_K8S_POD_NAME,
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from './attributes.ts';

/**
 * Resource attributes from the environment the pod spec fills in through the downward API
 * (K8S_POD_NAME, K8S_NAMESPACE_NAME, K8S_NODE_NAME) and from plain values (K8S_CLUSTER_NAME,
 * DEPLOYMENT_ENVIRONMENT). OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME still win, as the SDK's
 * env detector runs after these.
 */
export function resourceAttributesFrom(env: Record<string, string | undefined>, version: string): Attributes {
  const attributes: Attributes = {
    [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME || 'podinfo',
    [ATTR_SERVICE_VERSION]: version,
  };
  const fromEnv: Array<[string, string | undefined]> = [
    [ATTR_DEPLOYMENT_ENVIRONMENT_NAME, env.DEPLOYMENT_ENVIRONMENT],
    [ATTR_K8S_CLUSTER_NAME, env.K8S_CLUSTER_NAME],
    [ATTR_K8S_POD_NAME, env.K8S_POD_NAME],
    [ATTR_K8S_NAMESPACE_NAME, env.K8S_NAMESPACE_NAME],
    [ATTR_K8S_NODE_NAME, env.K8S_NODE_NAME],
    [ATTR_SERVICE_INSTANCE_ID, env.K8S_POD_NAME],
  ];
  for (const [key, value] of fromEnv) if (value) attributes[key] = value;
  return attributes;
}
