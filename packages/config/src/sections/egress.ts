import { z } from 'zod';
import { dnsHost, dnsLabel, port, uniqueBy } from '../primitives.ts';

/** Protocols an external host is declared with (the ServiceEntry port protocol). */
export const EGRESS_PROTOCOLS = ['HTTPS', 'TLS', 'HTTP', 'TCP'] as const;

const externalHost = z.strictObject({
  /** Name of the ServiceEntry (and of the egress routes) for this host, unique in the list. */
  name: dnsLabel(),
  /** The external DNS name the mesh's workloads call, such as `api.github.com` (no wildcards: resolution DNS needs one name). */
  host: dnsHost(),
  /** Port the workloads call it on (443 for HTTPS). */
  port: port().default(443),
  /**
   * How the workloads speak to it. HTTPS and TLS: the client's own TLS goes through the egress gateway untouched
   * (TLS passthrough, routed by SNI). HTTP: routed through the egress gateway by Host header. TCP: a ServiceEntry
   * only, called directly from the sidecar (plain TCP has neither SNI nor Host to route by on the gateway's
   * shared port).
   */
  protocol: z.enum(EGRESS_PROTOCOLS, { error: 'must be "HTTPS", "TLS", "HTTP" or "TCP"' }).default('HTTPS'),
  /**
   * The host's IP addresses or CIDR ranges (ServiceEntry `addresses`). Required for TCP: plain TCP carries no
   * name, so without them Istio would send every TCP connection on this port to this host (istioctl IST0134).
   */
  addresses: z
    .array(
      z.string({ error: 'must be a string' }).regex(/^(\d{1,3}\.){3}\d{1,3}(\/\d{1,2})?$|^[0-9a-fA-F:]+:[0-9a-fA-F:]*(\/\d{1,3})?$/, {
        error: 'is not an IP address or CIDR range',
      }),
      { error: 'must be a list of IP addresses or CIDR ranges' },
    )
    .optional(),
});

export const egress = z
  .strictObject({
    /**
     * External hosts the mesh may call, each a ServiceEntry (MESH_EXTERNAL, resolution DNS; NONE for TCP) visible to every
     * namespace. HTTPS, TLS and HTTP hosts are routed through the egress gateway (`istio.gateways.egress`).
     */
    hosts: z
      .array(externalHost, { error: 'must be a list of external hosts' })
      .default([])
      .superRefine(uniqueBy((h) => h.name, 'name'))
      .superRefine(uniqueBy((h) => `${h.host}:${h.port}`, 'host and port')),
    /**
     * Route the HTTPS, TLS and HTTP hosts through the egress gateway (mesh -> egress gateway -> host). Needs
     * `istio.gateways.egress.enabled`. Off: the sidecars call the listed hosts directly.
     */
    viaGateway: z.boolean({ error: 'must be true or false' }).default(true),
    /**
     * The mesh's outbound traffic policy (meshConfig.outboundTrafficPolicy.mode). `ALLOW_ANY` (Istio's default):
     * a call to a host no ServiceEntry lists passes through. `REGISTRY_ONLY`: it is refused (BlackHoleCluster),
     * for every workload of the mesh: list every external host your services call before turning it on.
     */
    outboundTrafficPolicy: z.enum(['ALLOW_ANY', 'REGISTRY_ONLY'], { error: 'must be "ALLOW_ANY" or "REGISTRY_ONLY"' }).default('ALLOW_ANY'),
    /**
     * Sidecar resources in the namespaces the bundle owns (the demo's, when on): each namespace's
     * proxies get routes only to what its workloads call. Never in a namespace the user owns.
     */
    sidecars: z.boolean({ error: 'must be true or false' }).default(true),
  })
  .prefault({});
