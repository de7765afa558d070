// The ingress-nginx Ingress of the query UI (an explicit choice, jaeger.query.ingress.enabled) is never
// open by default: Jaeger has no authentication of its own, so the Ingress asks ingress-nginx to check
// every request with an oauth2-proxy (auth-url / auth-signin), and only an explicit auth.type "none"
// leaves it open, with a build warning.

import { endpointsOf, parseConfig } from '@meshobs/config';
import { type KubeObject, validateObjects } from '@meshobs/kube';
import { resolveModel } from '@meshobs/model';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AUTH_ANNOTATIONS, OPEN_UI_WARNING, renderJaeger } from '../src/index.ts';

/** The config with the Ingress switched on (off by default: the UI's default way in is the Istio gateway). */
const withIngress = (raw: any = {}) => ({
  ...raw,
  jaeger: { ...raw.jaeger, query: { ...raw.jaeger?.query, ingress: { enabled: true, ...raw.jaeger?.query?.ingress } } },
});
const render = (raw: unknown = {}) => renderJaeger(resolveModel(parseConfig(withIngress(raw))));
const ingressOf = (bundle: ReturnType<typeof renderJaeger>) => {
  const ing = bundle.objects.find((o) => o.kind === 'Ingress');
  if (!ing) throw new Error('no Ingress rendered');
  return ing as KubeObject & { spec: any };
};
const queryService = endpointsOf(parseConfig({})).jaeger.queryService;

// ingress-nginx's annotation validation (on by default), restated from upstream: a value that fails it
// makes the controller refuse the Ingress. Regexes: kubernetes/ingress-nginx
// internal/ingress/annotations/parser/validators.go (URLWithNginxVariableRegex, HeadersVariable,
// MaliciousRegex; ValidateRegex removes spaces first). Which annotation uses which: the authreq
// annotation table (auth-url and auth-signin URLWithNginxVariableRegex, risk High;
// auth-response-headers HeadersVariable), as published in rikatz/ingress-nginx-annotations authreq.
const NGINX_VALIDATORS: Record<string, RegExp> = {
  [AUTH_ANNOTATIONS.url]: /^[-._~a-zA-Z0-9/:, ?&=$]*$/,
  [AUTH_ANNOTATIONS.signin]: /^[-._~a-zA-Z0-9/:, ?&=$]*$/,
  [AUTH_ANNOTATIONS.responseHeaders]: /^[A-Za-z0-9-_, ]*$/,
};
const refusedByNginx = (annotations: Record<string, string>) =>
  Object.entries(annotations)
    .filter(([k, v]) => !NGINX_VALIDATORS[k]!.test(v.replaceAll(' ', '')) || /\r|\n/.test(v))
    .map(([k]) => k);

describe('Jaeger query Ingress authentication', () => {
  it('when on, by default sends every request through oauth2-proxy (ingress-nginx external auth) and does not warn', async () => {
    const bundle = render();
    const ing = ingressOf(bundle);
    expect(ing.metadata.name).toBe(queryService);
    expect(ing.metadata.annotations).toEqual({
      'nginx.ingress.kubernetes.io/auth-url': 'https://$host/oauth2/auth',
      'nginx.ingress.kubernetes.io/auth-signin': 'https://$host/oauth2/start?rd=$escaped_request_uri',
      'nginx.ingress.kubernetes.io/auth-response-headers': 'X-Auth-Request-User, X-Auth-Request-Email',
    });
    expect(bundle.warnings).toEqual([]);
    expect(await validateObjects([ing])).toEqual([]);
    expect(refusedByNginx(ing.metadata.annotations!)).toEqual([]);
  });

  it('refuses at build time a URL the controller would refuse (the check can fail)', () => {
    expect(refusedByNginx({ [AUTH_ANNOTATIONS.signin]: 'https://sso.example.com/start?rd=%2F' })).toEqual([AUTH_ANNOTATIONS.signin]);
    expect(() => parseConfig({ jaeger: { query: { ingress: { auth: { signinUrl: 'https://sso.example.com/start?rd=%2F' } } } } })).toThrow(
      /ingress-nginx refuses/,
    );
    expect(() => parseConfig({ jaeger: { query: { ingress: { auth: { url: 'https://sso.example.com/auth#x' } } } } })).toThrow(
      /ingress-nginx refuses/,
    );
  });

  it('takes the auth and sign-in URLs and the passed headers from the config', async () => {
    const ing = ingressOf(
      render({
        jaeger: {
          query: {
            ingress: {
              auth: {
                url: 'http://oauth2-proxy.auth.svc.cluster.local:4180/oauth2/auth',
                signinUrl: 'https://sso.example.com/oauth2/start?rd=$scheme://$host$escaped_request_uri',
                responseHeaders: ['X-Auth-Request-User'],
              },
            },
          },
        },
      }),
    );
    expect(ing.metadata.annotations![AUTH_ANNOTATIONS.url]).toBe('http://oauth2-proxy.auth.svc.cluster.local:4180/oauth2/auth');
    expect(ing.metadata.annotations![AUTH_ANNOTATIONS.signin]).toBe(
      'https://sso.example.com/oauth2/start?rd=$scheme://$host$escaped_request_uri',
    );
    expect(ing.metadata.annotations![AUTH_ANNOTATIONS.responseHeaders]).toBe('X-Auth-Request-User');
    const noHeaders = ingressOf(render({ jaeger: { query: { ingress: { auth: { responseHeaders: [] } } } } }));
    expect(Object.keys(noHeaders.metadata.annotations!).sort()).toEqual([AUTH_ANNOTATIONS.signin, AUTH_ANNOTATIONS.url]);
    expect(await validateObjects([ing, noHeaders])).toEqual([]);
    expect(refusedByNginx(ing.metadata.annotations!)).toEqual([]);
  });

  it('opens the UI only on an explicit auth.type "none", and then warns', () => {
    const open = render({ jaeger: { query: { ingress: { auth: { type: 'none' } } } } });
    expect(ingressOf(open).metadata.annotations).toBeUndefined();
    expect(open.warnings).toEqual([OPEN_UI_WARNING]);
    expect(OPEN_UI_WARNING).toMatch(/^jaeger: jaeger\.query\.ingress\.auth\.type is "none"/);
  });

  it('does not warn about an open UI when there is no Ingress at all', () => {
    const none = render({ jaeger: { query: { ingress: { enabled: false, auth: { type: 'none' } } } } });
    expect(none.objects.some((o) => o.kind === 'Ingress')).toBe(false);
    expect(none.warnings).toEqual([]);
  });

  it('puts the same annotations on the legacy operator CR ingress', () => {
    const legacy = render({ jaeger: { legacyOperatorCr: true } });
    const cr = parse(legacy.files.find((f) => f.path === 'legacy/jaeger-operator-cr.yaml')!.content);
    expect(cr.spec.ingress.annotations).toEqual(ingressOf(legacy).metadata.annotations);
    const open = render({ jaeger: { legacyOperatorCr: true, query: { ingress: { auth: { type: 'none' } } } } });
    expect(parse(open.files.find((f) => f.path === 'legacy/jaeger-operator-cr.yaml')!.content).spec.ingress.annotations).toBeUndefined();
  });
});
