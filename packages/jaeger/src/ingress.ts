// The query UI from outside: TLS always, optionally behind ingress-nginx external auth.
import type { MeshobsConfig } from '@meshobs/spec';
import type { KubeObject } from '@meshobs/kube';
import { layoutOf } from './layout.ts';

export function queryIngress(config: MeshobsConfig): KubeObject[] {
  const ing = config.jaeger.query.ingress;
  if (!ing.enabled) return [];
  const l = layoutOf(config);
  const annotations: Record<string, string> = {};
  if (ing.authUrl) {
    annotations['nginx.ingress.kubernetes.io/auth-url'] = ing.authUrl;
    annotations['nginx.ingress.kubernetes.io/auth-response-headers'] = 'Authorization, X-Auth-Request-User, X-Auth-Request-Email';
  }
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
