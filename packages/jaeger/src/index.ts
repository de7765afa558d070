import type { MeshobsConfig } from '@meshobs/spec';
import { component, type ComponentBundle } from '@meshobs/kube';

/** Placeholder until this component is implemented. */
export function renderJaeger(_config: MeshobsConfig): ComponentBundle {
  return component('jaeger');
}
