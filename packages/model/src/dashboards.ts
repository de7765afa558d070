// The bundle's Grafana dashboards as the rest of the bundle refers to them: uid, title and the template
// variables a link can fill in. Kiali links to them by title with these variables; the dashboards component
// builds them with exactly these (its structure test holds the two together).
import { CLUSTER_VARIABLE } from '@meshobs/signals';

export interface DashboardIdentity {
  uid: string;
  title: string;
  /** Template variables in order: the data source first, then the query variables. */
  variables: readonly string[];
}

export const DASHBOARD_UIDS = {
  overview: 'meshobs-mesh-overview',
  service: 'meshobs-service',
  tracing: 'meshobs-tracing',
} as const;

/** The dashboards' variable names, also the `var-<name>` URL parameters of links into them. */
export const DASHBOARD_VARIABLES = {
  datasource: 'datasource',
  /** The cluster selection (signals' CLUSTER_VARIABLE: every selector of the dashboards filters on it). */
  cluster: CLUSTER_VARIABLE,
  namespace: 'namespace',
  service: 'service',
  version: 'version',
} as const;

const V = DASHBOARD_VARIABLES;

export const DASHBOARDS: readonly DashboardIdentity[] = [
  { uid: DASHBOARD_UIDS.overview, title: 'Istio Service Mesh Overview', variables: [V.datasource, V.cluster] },
  { uid: DASHBOARD_UIDS.service, title: 'Istio Service', variables: [V.datasource, V.cluster, V.namespace, V.service, V.version] },
  { uid: DASHBOARD_UIDS.tracing, title: 'Distributed Tracing', variables: [V.datasource, V.cluster, V.service] },
];
