// The composition root: the validated config resolved once into the mesh model, then every component
// package, a peer of the others, rendered from that model.

import { renderAlerts } from '@meshobs/alerts';
import { ConfigError, type MeshobsConfig } from '@meshobs/config';
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
import { type MeshModel, resolveModel } from '@meshobs/model';
import { renderCollector } from '@meshobs/otel-collector';
import { InternalError } from './errors.ts';
import { withProfileWarnings } from './profile-checks.ts';

export type Renderer = (model: MeshModel) => ComponentBundle;

// Function declarations, so an internal error names the renderer that failed.
function renderNamespacesOf(model: MeshModel): ComponentBundle {
  return renderNamespaces(model.namespaces);
}

export const RENDERERS: Renderer[] = [
  renderNamespacesOf,
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
 * Runs each renderer on the validated config. The schema admits only configs every renderer can
 * render, so a renderer that throws is a bug in meshobs: reported as an InternalError naming the
 * renderer, never as an invalid config (a ConfigError, which names a field, passes through as it is).
 */
export function renderAll(renderers: readonly Renderer[], config: MeshobsConfig): ComponentBundle[] {
  let model: MeshModel;
  try {
    model = resolveModel(config);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new InternalError(`resolving the mesh model failed on a valid config: ${message}`, { cause: e });
  }
  return renderers.map((render) => {
    try {
      return render(model);
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
      throw new InternalError(`${render.name || 'a renderer'} failed on a valid config: ${message}`, { cause: e });
    }
  });
}

/**
 * Every component, laid out for the cluster profile: CRs the cluster cannot accept go to overlays.
 * Their warnings include the profile mismatches no single component sees (profile-checks.ts).
 */
export function renderComponents(config: MeshobsConfig): ComponentBundle[] {
  return withProfileWarnings(placeByProfile(renderAll(RENDERERS, config), config), config);
}
