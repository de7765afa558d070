import { z } from 'zod';
import { dnsHost, dnsLabel, dnsSubdomain, port } from '../primitives.ts';

const onOff = () => z.boolean({ error: 'must be true or false' });

/**
 * The mesh edge for requests from outside, the Istio way: Gateways on the ingress gateway that terminate
 * TLS (TLS 1.3 minimum) and redirect HTTP to HTTPS, the demo's routes and the observability UIs as
 * VirtualServices on them, and sign-in for the UIs through an ext_authz provider (oauth2-proxy) and a
 * CUSTOM AuthorizationPolicy on the ingress gateway. docs/edge-ingress.md has what is rendered where.
 */
export const ingress = z
  .strictObject({
    /** TLS of every HTTPS server of the bundle's Gateways. */
    tls: z
      .strictObject({
        /**
         * Name of the Secret (type kubernetes.io/tls, or with tls.crt/tls.key) holding the certificate for every
         * host below. It must be in the ingress gateway's namespace (namespaces.istio): Istio resolves a
         * credentialName in the namespace of the gateway workload, not of the Gateway object.
         */
        credentialName: dnsSubdomain().default('meshobs-ingress-tls'),
        /**
         * A cert-manager Certificate that issues that Secret for every host (needs profile.operators.certManager;
         * otherwise it goes to the cert-manager overlay). Unset: the Secret is yours to create.
         */
        certManager: z
          .strictObject({
            /** Name of the Issuer or ClusterIssuer that signs the certificate. */
            issuer: dnsSubdomain(),
            /** "ClusterIssuer" (default) or "Issuer" (then in namespaces.istio). */
            issuerKind: z.enum(['ClusterIssuer', 'Issuer'], { error: 'must be "ClusterIssuer" or "Issuer"' }).default('ClusterIssuer'),
          })
          .optional(),
      })
      .prefault({}),
    /**
     * Name of the one Gateway of the bundle on the ingress gateway (in namespaces.observability, which the bundle
     * owns), serving the UIs' and the demo's hosts. One Gateway, because one certificate on two Gateways of one
     * gateway workload makes browsers that reuse an HTTP/2 connection across hosts get 404s (istioctl analyze
     * IST0138 GatewayDuplicateCertificate).
     */
    gatewayName: dnsLabel().default('meshobs-ingress'),
    /** Host names the Gateway serves. */
    hosts: z
      .strictObject({
        /** Hosts of the demo front end (only with demo.enabled); "*" for any, as in the kind demo. */
        demo: z
          .array(
            z.union([z.literal('*'), dnsHost({ wildcard: true })], { error: 'is not a host name or wildcard such as "*.example.com"' }),
          )
          .min(1)
          .default(['*']),
        /** Host of the Jaeger UI. Kiali's and Grafana's hosts are those of kiali.externalUrl and grafana.externalUrl. */
        jaeger: dnsHost().default('jaeger.example.com'),
      })
      .prefault({}),
    /** The observability UIs behind the ingress gateway, each behind sign-in. */
    ui: z
      .strictObject({
        /** Serve the UIs on the edge Gateway, with their VirtualServices and the sign-in policy. */
        enabled: onOff().default(true),
        /** Expose the Jaeger UI (at hosts.jaeger). */
        jaeger: onOff().default(true),
        /** Expose Kiali (at the host of kiali.externalUrl) when kiali.enabled. */
        kiali: onOff().default(true),
        /**
         * Expose Grafana (at the host of grafana.externalUrl). Off by default: kube-prometheus-stack's Grafana
         * runs in the monitoring namespace, outside the mesh, with a login of its own.
         */
        grafana: onOff().default(false),
      })
      .prefault({}),
    /**
     * Sign-in for the UIs: an `envoyExtAuthzHttp` extension provider in the mesh config pointing at an
     * oauth2-proxy you run, and a CUSTOM AuthorizationPolicy on the ingress gateway for the UI hosts. Requests
     * to a UI host reach it only when that oauth2-proxy answers 2xx; when it is unreachable, Envoy denies.
     */
    signIn: z
      .strictObject({
        /** Name of the extension provider in meshConfig.extensionProviders. */
        provider: dnsLabel().default('meshobs-oauth2-proxy'),
        /** Cluster host name of the oauth2-proxy Service (the bundle does not deploy it). */
        service: dnsHost().default('oauth2-proxy.oauth2-proxy.svc.cluster.local'),
        /** Port of that Service (oauth2-proxy listens on 4180). */
        port: port().default(4180),
      })
      .prefault({}),
  })
  .prefault({});
