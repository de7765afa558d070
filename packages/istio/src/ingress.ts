// The edge on the ingress gateway (config `ingress`, docs/edge-ingress.md): the one edge Gateway (HTTPS
// only, TLS 1.3) for the UIs' and the demo's hosts, Grafana's route (Jaeger's, Kiali's and the demo's
// are rendered by their own components), the UIs' sign-in policy and the optional cert-manager Certificate.
// One Gateway for every host: the same certificate on two Gateways of one gateway workload gives each its
// own filter chain and route table, and a browser that reuses an HTTP/2 connection for the other host
// gets 404s (istioctl analyze IST0138, pkg/config/analysis/analyzers/gateway/certificate.go).
//
// Where each object lives, and why:
// * Gateway and VirtualServices: namespaces.observability, which the bundle owns. A Gateway selects
//   gateway pods in any namespace unless istiod runs with PILOT_SCOPE_GATEWAY_TO_NAMESPACE=true
//   (istio/istio pilot/pkg/features/pilot.go, default false, at the pinned commit eed52ebb66ad).
// * The TLS Secret (and so the Certificate that issues it): the ingress gateway's namespace, the only
//   namespace the gateway proxy may read it from (packages/kube builders/gateway.ts has the sources).
// * The CUSTOM AuthorizationPolicy: the ingress gateway's namespace too, as a policy applies only to
//   workloads of its own namespace (or of every namespace from the root namespace)
//   (pilot/pkg/model/authorization.go ListAuthorizationPolicies). The bundle already keeps Kiali and the
//   mesh Telemetry there; it never creates or deletes that namespace.
import { type MeshobsConfig, uiHosts } from '@meshobs/config';
import { gatewayPodLabelValue, type KubeObject, standardLabels, tlsGateway, uiVirtualService, withComment } from '@meshobs/kube';

const labels = standardLabels({ name: 'meshobs-ingress', component: 'edge' });

/**
 * Hosts a CUSTOM policy matches for a UI host: the name as browsers send it in :authority, and with an
 * explicit port (`host:*`), which a client may add. istiod renders `hosts` as a case-insensitive
 * :authority header matcher, `x*` a prefix (pilot/pkg/security/authz/model/generator.go hostGenerator,
 * matcher/header.go HostMatcher), so both forms are needed to leave no way around the sign-in.
 */
export const signInHosts = (config: MeshobsConfig): string[] => uiHosts(config).flatMap(({ host }) => [host, `${host}:*`]);

/**
 * The gateway pod's plain-HTTP listener ports, which the sign-in leaves to the redirect: 80 with Istio's
 * gateway Helm chart (manifests/charts/gateway/values.yaml, targetPort 80), 8080 with istioctl's ingress
 * gateway (manifests/charts/gateways/istio-ingress/values.yaml, targetPort 8080). Every port-80 host of the
 * edge Gateway redirects to HTTPS (require_tls ALL, applied by Envoy's router, after ext_authz), so nothing
 * is served there; asking the sign-in on plain HTTP would instead send the browser through oauth2-proxy
 * over http://, where its Secure session cookie is never sent back, and round again. A gateway with other
 * HTTP ports gets the sign-in on them too: the safe side.
 */
const PLAIN_HTTP_PORTS = ['80', '8080'] as const;

/** The ingress gateway pods' labels, as the edge Gateway and the sign-in policy select them. */
const ingressSelector = (config: MeshobsConfig) => ({
  [config.istio.gatewayLabel]: gatewayPodLabelValue(config.istio.gateways.ingress.name),
});

/**
 * The ext_authz provider of the sign-in (meshConfig.extensionProviders). Envoy's HTTP ext_authz lets a
 * request through only on a 200 from the provider; oauth2-proxy answers 200 for a signed-in user when
 * run with `--upstream=static://200`, and redirects to sign-in otherwise (docs/edge-ingress.md). Fields:
 * istio.io/api mesh/v1alpha1/config.proto EnvoyExternalAuthorizationHttpProvider.
 */
export function signInProvider(config: MeshobsConfig) {
  const s = config.ingress.signIn;
  return {
    name: s.provider,
    envoyExtAuthzHttp: {
      service: s.service,
      port: s.port,
      // The session cookie and a bearer token are what oauth2-proxy decides on.
      includeRequestHeadersInCheck: ['authorization', 'cookie'],
      // Who signed in, for the UI behind it.
      headersToUpstreamOnAllow: ['authorization', 'path', 'x-auth-request-user', 'x-auth-request-email', 'x-auth-request-access-token'],
      // The sign-in redirect (Location is always added) and the session cookie it sets.
      headersToDownstreamOnDeny: ['content-type', 'set-cookie'],
    },
  };
}

export function edgeObjects(config: MeshobsConfig): KubeObject[] {
  const cm = config.ingress.tls.certManager;
  const dnsNames = [...new Set([...uiHosts(config).map((h) => h.host), ...demoHosts(config).filter((h) => h !== '*')])];
  const hosts = [...new Set([...demoHosts(config), ...uiHosts(config).map((h) => h.host)])];
  const gateway = hosts.length
    ? [
        withComment(
          tlsGateway(config, { name: config.ingress.gatewayName, namespace: config.namespaces.observability, labels, hosts }),
          `Every host of the edge: HTTPS only (TLS 1.3 minimum) with the Secret ${config.ingress.tls.credentialName} of ${config.namespaces.istio}; port 80 redirects.`,
        ),
      ]
    : [];
  return [...gateway, ...uiEdgeObjects(config), ...(cm && dnsNames.length ? [certificate(config, cm, dnsNames)] : [])];
}

function uiEdgeObjects(config: MeshobsConfig): KubeObject[] {
  const hosts = uiHosts(config);
  if (!hosts.length) return [];
  const istioNs = config.namespaces.istio;
  const out: KubeObject[] = [
    withComment(
      {
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name: `${config.ingress.gatewayName}-sign-in`, namespace: istioNs, labels },
        spec: {
          selector: { matchLabels: ingressSelector(config) },
          action: 'CUSTOM',
          provider: { name: config.ingress.signIn.provider },
          rules: [{ to: [{ operation: { hosts: signInHosts(config), notPorts: [...PLAIN_HTTP_PORTS] } }] }],
        },
      },
      `Every request to a UI host goes to ${config.ingress.signIn.provider} (${config.ingress.signIn.service}) first; without a session it never reaches the UI.`,
    ),
  ];
  const grafana = hosts.find((h) => h.ui === 'grafana');
  if (grafana) {
    const url = new URL(config.grafana.url);
    out.push(
      uiVirtualService(config, {
        ui: 'grafana',
        host: grafana.host,
        service: url.hostname,
        port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
        labels,
      }),
    );
  }
  return out;
}

/** The demo front end's hosts, when the demo is on. */
const demoHosts = (config: MeshobsConfig) => (config.demo.enabled ? config.ingress.hosts.demo : []);

/** cert-manager's Certificate for the ingress TLS Secret (cert-manager.io/v1 Certificate: secretName, dnsNames, issuerRef). */
function certificate(config: MeshobsConfig, cm: { issuer: string; issuerKind: string }, dnsNames: string[]): KubeObject {
  return withComment(
    {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: config.ingress.tls.credentialName, namespace: config.namespaces.istio, labels },
      spec: {
        secretName: config.ingress.tls.credentialName,
        dnsNames,
        issuerRef: { name: cm.issuer, kind: cm.issuerKind, group: 'cert-manager.io' },
      },
    },
    'Issues the ingress TLS Secret in the ingress gateway namespace, where the gateway reads it.',
  );
}
