// The composition root: every component package, called with the one validated config.

import { renderAlerts } from '@meshobs/alerts';
import type { MeshobsConfig } from '@meshobs/config';
import { renderDashboards } from '@meshobs/dashboards';
import { renderDemo } from '@meshobs/demo-service/manifests';
import { renderIstio } from '@meshobs/istio';
import { renderJaeger } from '@meshobs/jaeger';
import { renderKiali } from '@meshobs/kiali';
import { type ComponentBundle, placeByProfile, renderNamespaces } from '@meshobs/kube';
import { renderCollector } from '@meshobs/otel-collector';
import { withProfileWarnings } from './profile-checks.ts';

export type Renderer = (config: MeshobsConfig) => ComponentBundle;

export const RENDERERS: Renderer[] = [
  renderNamespaces,
  renderAlerts,
  renderDashboards,
  renderCollector,
  renderIstio,
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
