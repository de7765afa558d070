// Every workload the bundle runs (trace pipeline, Jaeger, the demo) and the Istio gateways it addresses:
// names, labels, selectors and ports, computed once so the component that runs a workload and the
// components that select it (Istio policies and Telemetry, NetworkPolicies, monitors) agree.
import type { MeshobsConfig } from '@meshobs/config';
import { tierName, tierSelector } from './collector.ts';
import { demoTiers, type Tier } from './demo.ts';
import { type GatewayInstall, gatewayInstalls } from './gateways.ts';
import { type JaegerLayout, layoutOf } from './jaeger.ts';

export interface PipelineWorkload {
  /** Deployment or StatefulSet name. */
  name: string;
  /** Labels selecting its pods. */
  selector: Record<string, string>;
}

export interface Workloads {
  /** The trace pipeline's workloads in the observability namespace: collector tiers and Jaeger roles. */
  pipeline: {
    collector: PipelineWorkload;
    /** The sampling tier (two-tier mode only). */
    sampler?: PipelineWorkload;
    jaegerCollector: PipelineWorkload;
    jaegerQuery: PipelineWorkload;
  };
  jaeger: JaegerLayout;
  gateways: GatewayInstall[];
  /** The demo's tiers (none unless demo.enabled). */
  demo: Tier[];
}

export function workloadsOf(config: MeshobsConfig): Workloads {
  const jaeger = layoutOf(config);
  const tier = (component: 'collector' | 'sampler'): PipelineWorkload => ({
    name: tierName(config, component),
    selector: tierSelector(config, { component }),
  });
  return {
    pipeline: {
      collector: tier('collector'),
      ...(config.tracing.collector.mode === 'two-tier' ? { sampler: tier('sampler') } : {}),
      jaegerCollector: { name: jaeger.collector.name, selector: jaeger.collector.selector },
      jaegerQuery: { name: jaeger.query.name, selector: jaeger.query.selector },
    },
    jaeger,
    gateways: gatewayInstalls(config),
    demo: demoTiers(config),
  };
}
