// Controlled egress (egress.*, the model's `egress`): one ServiceEntry per external host, routed through the
// egress gateway, and a Sidecar resource per namespace the bundle owns. Istio semantics, istio/istio at the
// pinned commit eed52ebb66ad (ISTIO_MODULE_VERSION of tools/versions.env):
// - The egress gateway runs in the control plane's namespace, which is never the bundle's, so its Gateway,
//   VirtualServices and ServiceEntries live in the trace pipeline's namespace, beside the bundle's other
//   objects (model.egress.namespace). A Gateway selects gateway pods of
//   any namespace unless PILOT_SCOPE_GATEWAY_TO_NAMESPACE is on (pilot/pkg/features/pilot.go, default false);
//   ServiceEntries and VirtualServices are seen by every namespace with `exportTo: ["*"]`.
// - TLS passthrough: the sidecar matches the client's SNI (`tls` route, sniHosts) and forwards the client's own
//   TLS to the egress gateway, whose PASSTHROUGH server routes it by SNI again to the host. Auto mTLS does not
//   wrap it: the gateway pods lack the `security.istio.io/tlsMode` label the sidecar template sets
//   (manifests/charts/istio-control/istio-discovery/files/gateway-injection-template.yaml vs injection-template.yaml;
//   pilot/pkg/xds/endpoints/mtls_checker.go), so no DestinationRule is needed.
// - The gateway chart's Service listens on 80 (http2) and 443 (https) (manifests/charts/gateway/values.yaml
//   service.ports): HTTP hosts go through 80, HTTPS/TLS hosts through 443, whatever port the host uses.
// - A namespace has one Sidecar without workloadSelector; its egress hosts are the only services whose
//   routes and clusters the namespace's proxies get (networking/v1alpha3/sidecar.proto). The tracer's
//   collector cluster is one of them, so the collector is listed wherever spans leave a proxy.
import { type KubeObject, standardLabels, withComment } from '@meshobs/kube';
import type { ExternalHost, MeshModel } from '@meshobs/model';

const labels = standardLabels({ name: 'istio-egress', component: 'egress' });
/** Name of the Gateway object on the egress gateway. */
export const EGRESS_GATEWAY_OBJECT = 'meshobs-egress';
/** The gateway chart's Service ports (manifests/charts/gateway/values.yaml). */
export const EGRESS_GATEWAY_PORTS = { http: 80, tls: 443 } as const;

const passthrough = (h: ExternalHost) => h.protocol === 'HTTPS' || h.protocol === 'TLS';

function serviceEntry(namespace: string, h: ExternalHost): KubeObject {
  return withComment(
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { name: h.name, namespace, labels },
      spec: {
        hosts: [h.host],
        ...(h.addresses?.length ? { addresses: h.addresses } : {}),
        exportTo: ['*'],
        location: 'MESH_EXTERNAL',
        // TCP: the connection goes to the address the client dialled, admitted by `addresses` (CIDRs are only
        // allowed with NONE/STATIC, istioctl IST0106); the others are resolved by name.
        resolution: h.protocol === 'TCP' ? 'NONE' : 'DNS',
        ports: [{ number: h.port, name: `${h.protocol.toLowerCase()}-${h.port}`, protocol: h.protocol }],
      },
    },
    `${h.host}:${h.port} (${h.protocol}) is a known external host${h.viaGateway ? ', reached through the egress gateway' : ''}.`,
  );
}

function gateway(model: MeshModel, namespace: string, routed: ExternalHost[]): KubeObject {
  const tls = routed.filter(passthrough).map((h) => h.host);
  const http = routed.filter((h) => h.protocol === 'HTTP').map((h) => h.host);
  const g = model.egress.gateway;
  return withComment(
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: EGRESS_GATEWAY_OBJECT, namespace, labels },
      spec: {
        selector: g.selector,
        servers: [
          ...(tls.length
            ? [
                {
                  port: { number: EGRESS_GATEWAY_PORTS.tls, name: 'tls', protocol: 'TLS' },
                  hosts: [...new Set(tls)],
                  tls: { mode: 'PASSTHROUGH' },
                },
              ]
            : []),
          ...(http.length
            ? [{ port: { number: EGRESS_GATEWAY_PORTS.http, name: 'http', protocol: 'HTTP' }, hosts: [...new Set(http)] }]
            : []),
        ],
      },
    },
    `The egress gateway (${g.namespace}/${g.name}) accepts the listed hosts: TLS passed through untouched, routed by SNI.`,
  );
}

function virtualService(model: MeshModel, namespace: string, h: ExternalHost): KubeObject {
  const g = model.egress.gateway;
  const gw = `${namespace}/${EGRESS_GATEWAY_OBJECT}`;
  const toGateway = (port: number) => ({ destination: { host: g.serviceHost, port: { number: port } } });
  const toHost = { destination: { host: h.host, port: { number: h.port } } };
  const spec = passthrough(h)
    ? {
        tls: [
          { match: [{ gateways: ['mesh'], port: h.port, sniHosts: [h.host] }], route: [toGateway(EGRESS_GATEWAY_PORTS.tls)] },
          { match: [{ gateways: [gw], port: EGRESS_GATEWAY_PORTS.tls, sniHosts: [h.host] }], route: [toHost] },
        ],
      }
    : {
        http: [
          { name: 'mesh-to-egress-gateway', match: [{ gateways: ['mesh'], port: h.port }], route: [toGateway(EGRESS_GATEWAY_PORTS.http)] },
          { name: 'egress-gateway-to-host', match: [{ gateways: [gw], port: EGRESS_GATEWAY_PORTS.http }], route: [toHost] },
        ],
      };
  return withComment(
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: `${h.name}-egress`, namespace, labels },
      spec: { hosts: [h.host], gateways: ['mesh', gw], exportTo: ['*'], ...spec },
    },
    `Calls to ${h.host} leave the mesh through the egress gateway: sidecar -> ${g.name} -> ${h.host}:${h.port}.`,
  );
}

function sidecar(namespace: string, hosts: { host: string; why: string }[]): KubeObject {
  return withComment(
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'Sidecar',
      metadata: { name: 'default', namespace, labels },
      spec: { egress: [{ hosts: hosts.map((h) => h.host) }] },
    },
    `The proxies of ${namespace} reach only: ${hosts.map((h) => `${h.host} (${h.why})`).join('; ')}.`,
  );
}

/** ServiceEntries, the egress Gateway and routes, and the owned namespaces' Sidecar resources. */
export function egressObjects(model: MeshModel): KubeObject[] {
  const e = model.egress;
  const out: KubeObject[] = [];
  if (e.hosts.length) {
    const ns = e.namespace;
    const routed = e.hosts.filter((h) => h.viaGateway);
    out.push(...e.hosts.map((h) => serviceEntry(ns, h)));
    if (routed.length) out.push(gateway(model, ns, routed), ...routed.map((h) => virtualService(model, ns, h)));
  }
  out.push(...e.sidecars.map((s) => sidecar(s.namespace, s.hosts)));
  return out;
}

/** What the build tells the user about egress. */
export function egressWarnings(model: MeshModel): string[] {
  const e = model.egress;
  const out: string[] = [];
  if (e.outboundTrafficPolicy === 'REGISTRY_ONLY')
    out.push(
      'egress.outboundTrafficPolicy is REGISTRY_ONLY: every call from any workload of the mesh to an external host that no ServiceEntry lists (egress.hosts, or your own) is refused (BlackHoleCluster) once the mesh config is applied',
    );
  return out;
}
