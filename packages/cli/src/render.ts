// The composition root: every component package, called with the one validated config.

import { renderAlerts } from '@meshobs/alerts';
import type { MeshobsConfig } from '@meshobs/config';
import { renderDashboards } from '@meshobs/dashboards';
import { renderDemo } from '@meshobs/demo-service/manifests';
import { renderIstio } from '@meshobs/istio';
import { renderJaeger } from '@meshobs/jaeger';
import { KIALI_VALIDATOR, renderKiali } from '@meshobs/kiali';
import {
  type ComponentBundle,
  type KindValidator,
  type KubeObject,
  placeByProfile,
  renderNamespaces,
  validateObjects,
} from '@meshobs/kube';
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
 * The schema checks of the custom kinds the renderers emit that no kubernetes-models package covers.
 * Every other kind is checked against its model; a kind with neither fails validation.
 */
export const KIND_VALIDATORS: KindValidator[] = [KIALI_VALIDATOR];

/** Every object against its schema, with the kinds above. */
export const validateRendered = (objects: KubeObject[]) => validateObjects(objects, KIND_VALIDATORS);

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
