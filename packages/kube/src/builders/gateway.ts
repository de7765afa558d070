// The one shape of every Gateway the bundle emits on the ingress gateway: port 80 only redirects to
// HTTPS, port 443 terminates TLS 1.3 (minimum) with the certificate of the Secret the config names.
// Fields: istio.io/api networking/v1alpha3/gateway.proto (ServerTLSSettings https_redirect,
// credential_name, min_protocol_version TLSV1_3) at the version the pinned istio.io/istio module uses
// (v1.31.0-rc.0.0.20260824154656-b943409680a7). credentialName names a Secret in the namespace of the
// gateway *workload*, wherever the Gateway object lives: istiod turns it into the SDS resource
// `kubernetes://<name>` (pilot/pkg/model/credentials/resource.go ToResourceName, ParseResourceName: no
// namespace = the proxy's), and serves it only from the proxy's own namespace
// (pilot/pkg/xds/sds.go filterAuthorizedResources: KubernetesSecretType needs sameNamespace); istioctl
// analyze looks for it there too (pkg/config/analysis/analyzers/gateway/secret.go, the namespace of the
// pods the Gateway selects). TLS 1.3 reaches Envoy as common_tls_context.tls_params
// .tls_minimum_protocol_version (pilot/pkg/networking/core/listener.go applyServerTLSSettings).
import type { MeshobsConfig } from '@meshobs/config';
import { gatewayPodLabelValue } from '../labels.ts';
import type { KubeObject } from '../types.ts';

export const HTTP_PORT = 80;
export const HTTPS_PORT = 443;

export interface TlsGatewayOptions {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  hosts: string[];
}

/** A Gateway on the configured ingress gateway serving `hosts` over HTTPS only (HTTP redirects). */
export function tlsGateway(config: MeshobsConfig, o: TlsGatewayOptions): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name: o.name, namespace: o.namespace, labels: o.labels },
    spec: {
      // The configured ingress gateway's pods: istio.gatewayLabel, valued like Istio's `istio` label (the install snippets set it).
      selector: { [config.istio.gatewayLabel]: gatewayPodLabelValue(config.istio.gateways.ingress.name) },
      servers: [
        { port: { number: HTTP_PORT, name: 'http', protocol: 'HTTP' }, hosts: o.hosts, tls: { httpsRedirect: true } },
        {
          port: { number: HTTPS_PORT, name: 'https', protocol: 'HTTPS' },
          hosts: o.hosts,
          tls: { mode: 'SIMPLE', credentialName: config.ingress.tls.credentialName, minProtocolVersion: 'TLSV1_3' },
        },
      ],
    },
  };
}

/** Why a rendered Gateway is not HTTPS-only with TLS 1.3 minimum, one line per server, or none. */
export function gatewayTlsProblems(gw: KubeObject): string[] {
  const id = `Gateway ${gw.metadata.namespace}/${gw.metadata.name}`;
  // biome-ignore lint/suspicious/noExplicitAny: reads a rendered Gateway's servers
  const servers: any[] = (gw as any).spec?.servers ?? [];
  const out: string[] = [];
  servers.forEach((s, i) => {
    const protocol = String(s.port?.protocol ?? '').toUpperCase();
    const where = `${id} servers[${i}] (port ${s.port?.number} ${protocol})`;
    if (protocol === 'HTTP' && s.tls?.httpsRedirect !== true) out.push(`${where}: plain HTTP without tls.httpsRedirect: true`);
    else if (protocol === 'HTTPS' && s.tls?.minProtocolVersion !== 'TLSV1_3')
      out.push(`${where}: tls.minProtocolVersion is ${s.tls?.minProtocolVersion ?? 'unset (TLS 1.2 allowed)'}, not TLSV1_3`);
    else if (protocol === 'HTTPS' && s.tls?.mode !== 'SIMPLE' && s.tls?.mode !== 'MUTUAL')
      out.push(`${where}: tls.mode is ${s.tls?.mode}, not a terminating mode`);
    else if (protocol !== 'HTTP' && protocol !== 'HTTPS')
      out.push(`${where}: protocol ${protocol} is neither HTTPS nor a redirecting HTTP`);
  });
  if (!servers.length) out.push(`${id}: no servers`);
  return out;
}

/** Name of the VirtualService that serves one UI on the edge Gateway. */
export const uiRouteName = (ui: string) => `${ui}-ui`;

/** The edge Gateway as a VirtualService in any namespace names it (`<namespace>/<name>`). */
export const edgeGatewayRef = (config: MeshobsConfig) => `${config.namespaces.observability}/${config.ingress.gatewayName}`;

/**
 * One observability UI on the edge Gateway (ingress.ui): its host routed to its in-cluster Service. Lives in
 * the Gateway's namespace (namespaces.observability, owned by the bundle); the Service may be anywhere.
 * Sign-in is not here: the CUSTOM AuthorizationPolicy on the ingress gateway matches these hosts.
 */
export function uiVirtualService(
  config: MeshobsConfig,
  o: { ui: string; host: string; service: string; port: number; labels: Record<string, string> },
): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: uiRouteName(o.ui), namespace: config.namespaces.observability, labels: o.labels },
    spec: {
      hosts: [o.host],
      gateways: [edgeGatewayRef(config)],
      http: [{ name: o.ui, route: [{ destination: { host: o.service, port: { number: o.port } } }] }],
    },
  };
}
