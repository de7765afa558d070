// Span and resource attribute names. Stable ones come from @opentelemetry/semantic-conventions;
// the incubating ones are copied here, as that package recommends.
export {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';

/**
 * The request-id header (Envoy generates it and every hop must forward it), recorded as the HTTP
 * conventions record captured headers: a list of strings (`http.request.header.<key>`).
 */
export const ATTR_REQUEST_ID = 'http.request.header.x-request-id';
export const ATTR_DEPLOYMENT_ENVIRONMENT_NAME = 'deployment.environment.name';
export const ATTR_K8S_CLUSTER_NAME = 'k8s.cluster.name';
export const ATTR_K8S_POD_NAME = 'k8s.pod.name';
export const ATTR_K8S_NAMESPACE_NAME = 'k8s.namespace.name';
export const ATTR_K8S_NODE_NAME = 'k8s.node.name';
export const ATTR_SERVICE_INSTANCE_ID = 'service.instance.id';
