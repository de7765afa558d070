// The composition root: every component package, called with the one validated config.

import { renderAlerts } from '@meshobs/alerts';
import type { MeshobsConfig } from '@meshobs/config';
import { cardinalityPlan, cardinalityWarnings, renderDashboards } from '@meshobs/dashboards';
import { renderDemo } from '@meshobs/demo-service/manifests';
import { renderIstio } from '@meshobs/istio';
import { renderJaeger } from '@meshobs/jaeger';
import { renderKiali } from '@meshobs/kiali';
import { type ComponentBundle, placeByProfile, renderNamespaces } from '@meshobs/kube';
import { renderCollector } from '@meshobs/otel-collector';
import { withProfileWarnings } from './profile-checks.ts';

export type Renderer = (config: MeshobsConfig) => ComponentBundle;

/** The config's cardinality profile, derived once per config from the bundle's own queries. */
const plans = new WeakMap<MeshobsConfig, ReturnType<typeof cardinalityPlan>>();
const planOf = (config: MeshobsConfig) => {
  if (!plans.has(config)) plans.set(config, cardinalityPlan(config));
  return plans.get(config)!;
};

export const RENDERERS: Renderer[] = [
  renderNamespaces,
  (config) => renderAlerts(config, planOf(config)),
  renderDashboards,
  renderCollector,
  (config) => {
    const b = renderIstio(config, planOf(config));
    return { ...b, warnings: [...b.warnings, ...cardinalityWarnings(planOf(config))] };
  },
  renderJaeger,
  renderKiali,
  renderDemo,
];

/**
 * Every component, laid out for the cluster profile: CRs the cluster cannot accept go to overlays.
 * Their warnings include the profile mismatches no single component sees (profile-checks.ts).
 */
export function renderComponents(config: MeshobsConfig): ComponentBundle[] {
  return withProfileWarnings(
    placeByProfile(
      RENDERERS.map((render) => render(config)),
      config,
    ),
    config,
  );
}
