// Component 'demo': the podinfo-compatible demo service (a front end with its versions, and its
// backend tier, in the demo's own namespace) with the Istio routing and policies around it. Only when
// demo.enabled: the tiers come from the model (workloads.demo), empty otherwise.
import { type ComponentBundle, component, type KubeObject } from '@meshobs/kube';
import type { MeshModel } from '@meshobs/model';
import { requestAuthentication } from './authn.ts';
import { authorizationPolicy, tierNetworkPolicy } from './security.ts';
import { destinationRule, ingressVirtualService, virtualService } from './traffic.ts';
import { workloadObjects } from './workload.ts';

export { RETRIES, TIMEOUT } from './traffic.ts';

export function renderDemo(model: MeshModel): ComponentBundle {
  const config = model.config;
  const objects: KubeObject[] = [];
  for (const tier of model.workloads.demo) {
    objects.push(
      ...workloadObjects(config, tier),
      destinationRule(tier),
      virtualService(tier, undefined, tier.exposed ? config.demo.routing : undefined),
    );
    if (tier.exposed) objects.push(ingressVirtualService(config, tier));
    objects.push(authorizationPolicy(config, tier), ...requestAuthentication(config, tier), tierNetworkPolicy(config, tier));
  }
  return component('demo', { objects });
}
