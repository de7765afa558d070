// ClusterIP Service over a workload's named ports.
import type { IService } from 'kubernetes-models/v1/Service';
import type { Manifest, ObjectMeta } from '../types.ts';
import { type NamedPort, servicePorts } from './ports.ts';

export interface ServiceOptions {
  selector: Record<string, string>;
  ports: NamedPort[];
  /** How the Service targets the pods' ports (see servicePorts). */
  targetPort: 'name' | 'number';
  /** Written out when given (the API server defaults to ClusterIP). */
  type?: 'ClusterIP';
  /** Headless (clusterIP: None): DNS and EndpointSlices list the pods themselves. */
  headless?: boolean;
  /** Keep not-ready pods in the EndpointSlices. */
  publishNotReadyAddresses?: boolean;
}

export function service(metadata: ObjectMeta, o: ServiceOptions): Manifest<IService> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: {
      ...(o.type ? { type: o.type } : {}),
      selector: o.selector,
      ports: servicePorts(o.ports, o.targetPort),
      ...(o.headless ? { clusterIP: 'None' } : {}),
      ...(o.publishNotReadyAddresses ? { publishNotReadyAddresses: true } : {}),
    },
  };
}
