// The cluster profile (config.profile): which operators' CRDs the target cluster has, and so which
// custom resources may go into the base kustomization. The rest go to opt-in overlays.
import type { MeshobsConfig } from '@meshobs/config';
import type { ComponentBundle, KubeObject } from './types.ts';

export type Operator = 'prometheus-operator' | 'grafana-operator' | 'kiali-operator' | 'opentelemetry-operator' | 'cert-manager';

/** API group -> the operator that installs its CRDs. Istio's and Kubernetes' own groups are always present. */
const OPERATOR_OF_GROUP: Record<string, Operator> = {
  'monitoring.coreos.com': 'prometheus-operator',
  'grafana.integreatly.org': 'grafana-operator',
  'kiali.io': 'kiali-operator',
  'opentelemetry.io': 'opentelemetry-operator',
  'cert-manager.io': 'cert-manager',
};

/** The operator whose CRD an object needs, or undefined for built-in and Istio kinds. */
export function operatorOf(obj: Pick<KubeObject, 'apiVersion'>): Operator | undefined {
  const group = obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0]! : '';
  return OPERATOR_OF_GROUP[group];
}

/** Operators the profile says the cluster runs. */
export function profileOperators(config: MeshobsConfig): Operator[] {
  const p = config.profile;
  const out: Operator[] = [];
  if (p.prometheus === 'kube-prometheus-stack') out.push('prometheus-operator');
  if (p.operators.grafana) out.push('grafana-operator');
  if (p.operators.kiali) out.push('kiali-operator');
  if (p.operators.opentelemetry) out.push('opentelemetry-operator');
  if (p.operators.certManager) out.push('cert-manager');
  return out;
}

/** One line naming the profile, for `meshobs validate` and build summaries. */
export function describeProfile(config: MeshobsConfig): string {
  const p = config.profile;
  const extra = profileOperators(config).filter((o) => o !== 'prometheus-operator');
  return [
    p.prometheus === 'kube-prometheus-stack' ? 'kube-prometheus-stack' : 'plain Prometheus (no operator)',
    `Istio ${config.istio.version}`,
    `Kubernetes ${p.kubernetesVersion}`,
    extra.length ? `operators: ${extra.join(', ')}` : 'no extra operators',
    p.metricsServer ? 'metrics-server (replica ranges autoscaled)' : 'no metrics-server (each replica range fixed at its minimum)',
  ].join(', ');
}

const overlays = new WeakMap<object, Operator>();
const profiles = new WeakMap<ComponentBundle, { description: string; operators: Operator[] }>();

/** The profile placeByProfile laid these components out for (undefined if it never ran on them). */
export function placedProfile(components: ComponentBundle[]): { description: string; operators: Operator[] } | undefined {
  return components.length ? profiles.get(components[0]!) : undefined;
}

/** The opt-in overlay an object was moved to (its operator is not in the profile), if any. */
export const overlayOf = (obj: object): Operator | undefined => overlays.get(obj);

/**
 * Marks every custom resource whose operator the profile lacks for its overlay
 * (overlays/<operator>/ in the bundle). The objects stay in their components, so schema checks
 * still see them; only the layout changes.
 */
export function placeByProfile(components: ComponentBundle[], config: MeshobsConfig): ComponentBundle[] {
  const present = new Set(profileOperators(config));
  const placed = { description: describeProfile(config), operators: [...present] };
  for (const c of components) {
    profiles.set(c, placed);
    for (const obj of c.objects) {
      const op = operatorOf(obj);
      if (op && !present.has(op)) overlays.set(obj, op);
    }
  }
  return components;
}
