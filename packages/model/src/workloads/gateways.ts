// The Istio gateways of the config (istio.gateways.*, istio.gatewayLabel): names and the labels their pods
// carry as Istio's gateway chart sets them, which the Gateway objects, policies and alerts select on.
import type { MeshobsConfig } from '@meshobs/config';
import { gatewayPodLabelValue } from '@meshobs/kube';

/** An enabled or disabled gateway of the config, with the labels its pods carry. */
export interface GatewayInstall {
  kind: 'ingress' | 'egress';
  name: string;
  enabled: boolean;
  replicas: { min: number; max: number };
  /** The chart's selector labels (app, istio) plus `istio.gatewayLabel`. */
  labels: Record<string, string>;
  /** The labels a selector of these pods uses. */
  selector: Record<string, string>;
}

export function gatewayInstalls(config: MeshobsConfig): GatewayInstall[] {
  return (['ingress', 'egress'] as const).map((kind) => {
    const g = config.istio.gateways[kind];
    const value = gatewayPodLabelValue(g.name);
    const selector = { app: g.name, istio: value };
    return {
      kind,
      name: g.name,
      enabled: g.enabled,
      replicas: g.replicas,
      labels: { ...selector, [config.istio.gatewayLabel]: value },
      selector,
    };
  });
}
