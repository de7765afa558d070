/** Standard `app.kubernetes.io/*` labels (Kubernetes recommended labels). */
export interface AppIdentity {
  /** app.kubernetes.io/name, e.g. "jaeger". */
  name: string;
  /** app.kubernetes.io/component, e.g. "query". */
  component?: string;
  /** app.kubernetes.io/instance; defaults to name(-component). */
  instance?: string;
  version?: string;
}

export function standardLabels(id: AppIdentity): Record<string, string> {
  const labels: Record<string, string> = {
    'app.kubernetes.io/name': id.name,
    'app.kubernetes.io/instance': id.instance ?? (id.component ? `${id.name}-${id.component}` : id.name),
  };
  if (id.component) labels['app.kubernetes.io/component'] = id.component;
  if (id.version) labels['app.kubernetes.io/version'] = id.version;
  labels['app.kubernetes.io/part-of'] = 'meshobs';
  labels['app.kubernetes.io/managed-by'] = 'meshobs';
  return labels;
}

/** The immutable subset used in selectors (never include version: it changes on upgrade). */
export function selectorLabels(id: AppIdentity): Record<string, string> {
  const labels: Record<string, string> = {
    'app.kubernetes.io/name': id.name,
    'app.kubernetes.io/instance': id.instance ?? (id.component ? `${id.name}-${id.component}` : id.name),
  };
  if (id.component) labels['app.kubernetes.io/component'] = id.component;
  return labels;
}

/**
 * Value of the `istio` label of an Istio gateway's pods, from its Deployment name (istio.gateways.*.name):
 * Istio's gateway chart sets `istio: <name without the "istio-" prefix>` (istio/istio
 * manifests/charts/gateway/templates/_helpers.tpl, gateway.selectorLabels: `include "gateway.name" . |
 * trimPrefix "istio-"`), so istio-ingressgateway pods carry istio=ingressgateway.
 */
export const gatewayPodLabelValue = (deployment: string): string => deployment.replace(/^istio-/, '');
