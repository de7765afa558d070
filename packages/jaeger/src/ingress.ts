// The query UI from outside. The Istio way (ingress.ui.jaeger, on by default): a VirtualService on the
// edge Gateway, behind the ingress gateway's sign-in (packages/istio/src/ingress.ts). The explicit opt-in
// for clusters with ingress-nginx (jaeger.query.ingress.enabled): an Ingress with TLS always and
// ingress-nginx external auth (oauth2-proxy) unless jaeger.query.ingress.auth.type is "none": Jaeger's
// query service has no authentication of its own.
// Annotation names: kubernetes/ingress-nginx docs/user-guide/nginx-configuration/annotations.md
// (#external-authentication), read by internal/ingress/annotations/authreq/main.go.
import { endpointsOf, type MeshobsConfig, uiExposed } from '@meshobs/config';
import { type KubeObject, uiVirtualService } from '@meshobs/kube';
import { jaegerLayout as layoutOf } from '@meshobs/model';

export const AUTH_ANNOTATIONS = {
  url: 'nginx.ingress.kubernetes.io/auth-url',
  signin: 'nginx.ingress.kubernetes.io/auth-signin',
  responseHeaders: 'nginx.ingress.kubernetes.io/auth-response-headers',
} as const;

export const OPEN_UI_WARNING =
  'jaeger: jaeger.query.ingress.auth.type is "none": the Jaeger UI (every trace, with its URLs, headers and payload attributes) is open to anyone who reaches the ingress host. Use "oauth2-proxy" outside a lab.';

/** The warnings of the query Ingress: an open UI is allowed only explicitly, and never silently. */
export function ingressWarnings(config: MeshobsConfig): string[] {
  const ing = config.jaeger.query.ingress;
  return ing.enabled && ing.auth.type === 'none' ? [OPEN_UI_WARNING] : [];
}

export function authAnnotations(config: MeshobsConfig): Record<string, string> {
  const auth = config.jaeger.query.ingress.auth;
  if (auth.type === 'none') return {};
  return {
    [AUTH_ANNOTATIONS.url]: auth.url,
    [AUTH_ANNOTATIONS.signin]: auth.signinUrl,
    ...(auth.responseHeaders.length ? { [AUTH_ANNOTATIONS.responseHeaders]: auth.responseHeaders.join(', ') } : {}),
  };
}

export function queryIngress(config: MeshobsConfig): KubeObject[] {
  const ing = config.jaeger.query.ingress;
  if (!ing.enabled) return [];
  const l = layoutOf(config);
  const annotations = authAnnotations(config);
  return [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: l.query.name,
        namespace: l.namespace,
        labels: l.query.labels,
        ...(Object.keys(annotations).length ? { annotations } : {}),
      },
      spec: {
        ingressClassName: ing.className,
        tls: [{ hosts: [ing.host], secretName: ing.tlsSecretName }],
        rules: [
          {
            host: ing.host,
            http: {
              paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: l.query.name, port: { number: l.query.httpPort } } } }],
            },
          },
        ],
      },
    },
  ];
}

/** The UI on the edge Gateway (ingress.ui.jaeger), behind its sign-in. */
export function queryRoute(config: MeshobsConfig): KubeObject[] {
  if (!uiExposed(config, 'jaeger')) return [];
  const q = endpointsOf(config).jaeger.query;
  return [
    uiVirtualService(config, {
      ui: 'jaeger',
      host: config.ingress.hosts.jaeger,
      service: q.host,
      port: q.httpPort,
      labels: layoutOf(config).query.labels,
    }),
  ];
}
