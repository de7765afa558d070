import type { MeshobsConfig } from '@meshobs/spec';
import { component, type ComponentBundle } from '@meshobs/kube';

/** Placeholder until this component is implemented. */
export function renderCollector(_config: MeshobsConfig): ComponentBundle {
  return component('otel-collector');
}
