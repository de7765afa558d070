import { z } from 'zod';
import { image } from '../image.ts';
import {
  between,
  dnsHost,
  dnsLabel,
  dnsSubdomain,
  httpUrl,
  k8sLabelValue,
  replicaRange,
  resources,
  secretKey,
  secretKeyRef,
  selector,
  typeError,
} from '../primitives.ts';
import { cron } from '../schedule.ts';

export const elasticsearch = z
  .strictObject({
    url: httpUrl(
      'must not contain a user name or password: Jaeger reads them from the Secret named by elasticsearch.credentials (secretName, usernameKey, passwordKey)',
    ).default('https://elasticsearch-master.observability.svc.cluster.local:9200'),
    /** Which search engine the cluster runs; selects Jaeger's `elasticsearch` or `opensearch` backend. */
    flavor: z.enum(['elasticsearch', 'opensearch'], { error: 'must be "elasticsearch" or "opensearch"' }).default('elasticsearch'),
    /** Namespace of the search engine pods (NetworkPolicy peer); the observability namespace when absent. */
    namespace: dnsLabel().optional(),
    /** Credentials come only from this Secret. */
    credentials: z
      .strictObject({
        secretName: dnsSubdomain().default('jaeger-es-credentials'),
        usernameKey: secretKey().default('username'),
        passwordKey: secretKey().default('password'),
      })
      .prefault({}),
    /** Secret with the CA bundle (key ca.crt) to verify the cluster's TLS certificate. */
    caSecret: secretKeyRef('elasticsearch-ca', 'ca.crt'),
    /** Namespace and pod label of the Elasticsearch pods, for NetworkPolicies. */
    podSelector: selector().default({ app: 'elasticsearch-master' }),
    /**
     * Also police the search engine's own pods: a NetworkPolicy on `podSelector` admitting only Jaeger
     * (and the engine's own nodes). Off by default: meshobs does not run the search engine, and a policy
     * on its pods cuts off every other client it has (Kibana, other log shippers, backups). Turn it on
     * only when Jaeger is its only client.
     */
    networkPolicy: z.boolean({ error: 'must be true or false' }).default(false),
  })
  .prefault({});

// ingress-nginx external auth in front of the query UI (kubernetes/ingress-nginx
// docs/user-guide/nginx-configuration/annotations.md#external-authentication; parsed by
// internal/ingress/annotations/authreq/main.go). The defaults are the oauth2-proxy sample of
// docs/examples/auth/oauth-external-auth: oauth2-proxy served under /oauth2 on the same host.
const RESPONSE_HEADER = /^[a-zA-Z\d\-_]+$/; // authreq/main.go headerRegexp
// The characters the controller's annotation validation accepts in auth-url and auth-signin
// (kubernetes/ingress-nginx internal/ingress/annotations/parser/validators.go
// URLWithNginxVariableRegex; spaces are refused anyway by httpUrl):
// any other character makes it refuse the Ingress, so it is refused here first.
const NGINX_AUTH_URL = /^[-._~a-zA-Z0-9/:,?&=$]*$/;
const nginxAuthUrl = () =>
  httpUrl().refine((v) => NGINX_AUTH_URL.test(v), {
    error:
      'may only contain letters, digits and - . _ ~ / : , ? & = $ (ingress-nginx refuses any other character in auth-url and auth-signin; percent-encoding is not accepted)',
  });
const queryAuth = z
  .strictObject({
    /** "oauth2-proxy": every request is checked by the auth URL first. "none": open to anyone who reaches the host. */
    type: z
      .enum(['oauth2-proxy', 'none'], {
        error: 'must be "oauth2-proxy" or "none" (none leaves the UI open to anyone who reaches the host)',
      })
      .default('oauth2-proxy'),
    /** auth-url: answers 2xx to let a request through, 401/403 to refuse it. nginx variables ($host) allowed. */
    url: nginxAuthUrl().default('https://$host/oauth2/auth'),
    /** auth-signin: where the browser is sent to sign in after a 401. */
    signinUrl: nginxAuthUrl().default('https://$host/oauth2/start?rd=$escaped_request_uri'),
    /** auth-response-headers: headers of the auth response passed on to Jaeger. */
    responseHeaders: z
      .array(
        z
          .string({ error: typeError('must be a string') })
          .regex(RESPONSE_HEADER, { error: 'is not an HTTP header name (letters, digits, "-" and "_")' }),
      )
      .default(['X-Auth-Request-User', 'X-Auth-Request-Email']),
  })
  .prefault({});

export const jaeger = z
  .strictObject({
    name: dnsLabel().default('jaeger'),
    /** Overrides the pinned image (IMAGES in @meshobs/kube, which cites where each tag was confirmed). */
    image: image({ tagOnly: true }).optional(),
    collector: z
      .strictObject({
        replicas: replicaRange(3, 5),
        resources: resources({ requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } }),
      })
      .prefault({}),
    query: z
      .strictObject({
        replicas: between(1, 20, { int: true }).default(2),
        resources: resources({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } }),
        ingress: z
          .strictObject({
            enabled: z.boolean().default(true),
            host: dnsHost().default('jaeger.example.com'),
            className: dnsLabel().default('nginx'),
            tlsSecretName: dnsSubdomain().default('jaeger-query-tls'),
            /** Namespace of the ingress controller pods (the only way in to the UI from outside). */
            controllerNamespace: dnsLabel().default('ingress-nginx'),
            /** Who may open the UI: Jaeger has no authentication of its own (see queryAuth). */
            auth: queryAuth,
          })
          .prefault({}),
      })
      .prefault({}),
    storage: z
      .strictObject({
        /** Prefix before Jaeger's index names (`<prefix>-jaeger-span-…`); none by default, as in Jaeger itself. */
        indexPrefix: dnsLabel().optional(),
        shards: between(1, 100, { int: true }).default(5),
        replicas: between(0, 10, { int: true }).default(1),
        rollover: z.boolean().default(false),
      })
      .prefault({}),
    retention: z
      .strictObject({
        days: between(1, 3650, { int: true }).default(7),
        schedule: cron().default('55 23 * * *'),
      })
      .prefault({}),
    /** The index maintenance jobs beside retention (Jaeger's es-index-cleaner and es-rollover). */
    maintenance: z
      .strictObject({
        /** Rollover mode only: when es-rollover rolls the write aliases to a new index. */
        rolloverSchedule: cron().default('0 0 * * *'),
        /** Rollover mode only: when es-rollover drops indices older than the retention from the read aliases. */
        lookbackSchedule: cron().default('15 0 * * *'),
        /** Override the pinned images of Jaeger's Elasticsearch tools (IMAGES in @meshobs/kube). */
        indexCleanerImage: image().optional(),
        rolloverImage: image().optional(),
      })
      .prefault({}),
    /** Also emit a jaegertracing.io/v1 Jaeger CR for clusters still on the (end-of-life) operator. */
    legacyOperatorCr: z.boolean().default(false),
  })
  .prefault({});

export const kiali = z
  .strictObject({
    enabled: z.boolean().default(true),
    externalUrl: httpUrl().default('https://kiali.example.com'),
    auth: z
      .strictObject({
        strategy: z.enum(['token', 'openid', 'anonymous'], { error: 'must be "token", "openid" or "anonymous"' }).default('token'),
        openid: z.strictObject({ issuerUri: httpUrl(), clientId: secretKey() }).optional(),
      })
      .prefault({})
      .superRefine((a, ctx) => {
        if (a.strategy === 'openid' && !a.openid)
          ctx.addIssue({ code: 'custom', path: ['openid'], input: undefined, message: 'is required when strategy is "openid"' });
      }),
    replicas: between(1, 10, { int: true }).default(2),
    resources: resources({ requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '1Gi' } }),
    /** Secret key holding a Grafana service-account token, for Kiali's dashboard look-ups; none when absent. */
    grafanaToken: z.strictObject({ name: dnsSubdomain(), key: k8sLabelValue() }).optional(),
  })
  .prefault({});
