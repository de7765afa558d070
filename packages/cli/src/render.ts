// The composition root: every component package, called with the one validated config.
import type { MeshobsConfig } from '@meshobs/spec';
import { renderNamespaces, type ComponentBundle } from '@meshobs/kube';

export type Renderer = (config: MeshobsConfig) => ComponentBundle;

export const RENDERERS: Renderer[] = [renderNamespaces];

export function renderComponents(config: MeshobsConfig): ComponentBundle[] {
  return RENDERERS.map((render) => render(config));
}
