// A workload's ports, listed once: the container ports, the Service ports and the NetworkPolicy
// ports are all derived from the same list (kube-prometheus style), never kept in sync by hand.
import type { IContainerPort } from 'kubernetes-models/v1/ContainerPort';
import type { IServicePort } from 'kubernetes-models/v1/ServicePort';

export interface NamedPort {
  /** IANA service name (at most 15 characters), prefixed with the protocol Istio selects on (grpc-, http-). */
  name: string;
  port: number;
  /** Service appProtocol (e.g. "grpc", "http"). */
  appProtocol?: string;
}

export const containerPorts = (ports: NamedPort[]): IContainerPort[] =>
  ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: 'TCP' }));

/**
 * Service ports of the same list. `targetPort: 'name'` targets the container port by name (the pod
 * template lists it), `'number'` by number (pods whose port names the bundle does not control).
 */
export const servicePorts = (ports: NamedPort[], targetPort: 'name' | 'number'): IServicePort[] =>
  ports.map((p) => ({
    name: p.name,
    port: p.port,
    targetPort: targetPort === 'name' ? p.name : p.port,
    protocol: 'TCP',
    ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
  }));

/** The port numbers of the list, for a NetworkPolicy rule. */
export const policyPorts = (ports: NamedPort[]): { port: number }[] => ports.map((p) => ({ port: p.port }));
