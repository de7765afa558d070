// Component 'demo': the podinfo-compatible demo service (front ends with stable and canary
// versions, and their shared backend tier) with the Istio routing and policies around it.
import type { MeshobsConfig } from '@meshobs/config';
import { type ComponentBundle, component, type KubeObject } from '@meshobs/kube';
import { authorizationPolicy, tierNetworkPolicy } from './security.ts';
import { canaryWeight, tiersOf } from './tiers.ts';
import { destinationRule, gateway, ingressVirtualService, virtualService } from './traffic.ts';
import { workloadObjects } from './workload.ts';

export { type Tier, tiersOf } from './tiers.ts';
export { RETRIES, TIMEOUT } from './traffic.ts';

export function renderDemo(config: MeshobsConfig): ComponentBundle {
  if (!config.demo.enabled) return component('demo');
  const objects: KubeObject[] = [];
  for (const tier of tiersOf(config)) {
    objects.push(...workloadObjects(config, tier), destinationRule(tier), virtualService(tier));
    if (tier.exposed) objects.push(gateway(config, tier), ingressVirtualService(config, tier));
    objects.push(authorizationPolicy(config, tier), tierNetworkPolicy(config, tier));
  }
  const warnings = config.services
    .filter((s) => canaryWeight(s) !== s.canaryWeight)
    .map((s) => `services.${s.name}.canaryWeight ${s.canaryWeight} rounded to ${canaryWeight(s)}: Istio route weights are whole numbers`);
  return component('demo', { objects, warnings });
}
