import type { MeshobsConfig } from '@meshobs/spec';
import { component, type ComponentBundle } from '@meshobs/kube';

export * from './queries.ts';

/** Placeholder until this component is implemented. */
export function renderAlerts(_config: MeshobsConfig): ComponentBundle {
  return component('alerts');
}
