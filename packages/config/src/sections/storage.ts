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
    /** URL Jaeger and its index jobs reach the search engine at (credentials come from the Secret below, never the URL). */
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
        /** Name of the Secret holding the user name and password. */
        secretName: dnsSubdomain().default('jaeger-es-credentials'),
        /** Key of the user name in that Secret. */
        usernameKey: secretKey().default('username'),
        /** Key of the password in that Secret. */
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
/**
 * IngressClasses of controllers known not to read ingress-nginx's auth annotations. "istio": istiod serves
 * Ingresses of class istio itself and translates only hosts, paths, backends and TLS (istio/istio
 * pilot/pkg/config/kube/ingress/virtualservices.go and gateways.go at the pinned commit eed52ebb66ad read
 * no annotation but the class); the others are controllers with auth settings of their own.
 */
const OTHER_CONTROLLERS: Record<string, string> = {
  istio: 'is served by istiod, which reads no ingress-nginx annotation',
  traefik: "is Traefik's class, which reads no ingress-nginx annotation (its sign-in is a ForwardAuth middleware)",
  haproxy: "is HAProxy's class, which reads no ingress-nginx annotation",
  alb: "is the AWS Load Balancer Controller's class, which reads no ingress-nginx annotation",
  gce: "is GKE's class, which reads no ingress-nginx annotation",
  kong: "is Kong's class, which reads no ingress-nginx annotation",
  cilium: "is Cilium's class, which reads no ingress-nginx annotation",
};

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
    /** Name of Jaeger's workloads and Services (`<name>-collector`, `<name>-query`). */
    name: dnsLabel().default('jaeger'),
    /** Overrides the pinned Jaeger image (IMAGES in packages/kube, which cites where each tag was confirmed). */
    image: image({ tagOnly: true }).optional(),
    /** The Jaeger collector that writes spans to the search engine. */
    collector: z
      .strictObject({
        /** Replica range of the Jaeger collector. */
        replicas: replicaRange(3, 5),
        /** Requests and limits of each Jaeger collector container. */
        resources: resources({ requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } }),
      })
      .prefault({}),
    /** The Jaeger query service and UI. */
    query: z
      .strictObject({
        /** Replicas of Jaeger query. */
        replicas: between(1, 20, { int: true }).default(2),
        /** Requests and limits of each Jaeger query container. */
        resources: resources({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } }),
        /**
         * A Kubernetes Ingress in front of the UI, for clusters that run ingress-nginx: an explicit choice, off by
         * default. The Istio way (ingress.ui: the ingress gateway with sign-in) needs no ingress controller.
         */
        ingress: z
          .strictObject({
            /** Emit the Ingress (needs an ingress-nginx controller: its auth annotations are the sign-in). */
            enabled: z.boolean().default(false),
            /** Host name of the UI. */
            host: dnsHost().default('jaeger.example.com'),
            /** IngressClass of the controller that serves it. */
            className: dnsLabel().default('nginx'),
            /** Secret with the TLS certificate of the host. */
            tlsSecretName: dnsSubdomain().default('jaeger-query-tls'),
            /** Namespace of the ingress controller pods (the only way in to the UI from outside). */
            controllerNamespace: dnsLabel().default('ingress-nginx'),
            /** Who may open the UI: Jaeger has no authentication of its own (see queryAuth). */
            auth: queryAuth,
          })
          .prefault({})
          .superRefine((ing, ctx) => {
            const why = OTHER_CONTROLLERS[ing.className];
            if (ing.enabled && ing.auth.type === 'oauth2-proxy' && why)
              ctx.addIssue({
                code: 'custom',
                path: ['className'],
                input: ing.className,
                message: `${why}: the sign-in (nginx.ingress.kubernetes.io/auth-url and auth-signin) would be ignored and the Jaeger UI open to anyone; use ingress.ui (the Istio ingress gateway with sign-in) and set jaeger.query.ingress.enabled: false, or an ingress-nginx class`,
              });
          }),
      })
      .prefault({}),
    /** How Jaeger lays out its indices. */
    storage: z
      .strictObject({
        /** Prefix before Jaeger's index names (`<prefix>-jaeger-span-…`); none by default, as in Jaeger itself. */
        indexPrefix: dnsLabel().optional(),
        /** Primary shards of each span and service index. */
        shards: between(1, 100, { int: true }).default(5),
        /** Replica shards of each index. */
        replicas: between(0, 10, { int: true }).default(1),
        /** Rollover mode: es-rollover manages write/read aliases and rolls indices on a schedule instead of one index per day. */
        rollover: z.boolean().default(false),
      })
      .prefault({}),
    /** How long spans are kept. */
    retention: z
      .strictObject({
        /** Days of spans kept; older indices are deleted. */
        days: between(1, 3650, { int: true }).default(7),
        /** When the index cleaner runs: a five-field cron schedule in UTC. */
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
        /** Overrides the pinned image of es-index-cleaner (IMAGES in packages/kube). */
        indexCleanerImage: image().optional(),
        /** Overrides the pinned image of es-rollover (IMAGES in packages/kube). */
        rolloverImage: image().optional(),
      })
      .prefault({}),
    /** Also emit a jaegertracing.io/v1 Jaeger CR for clusters still on the (end-of-life) operator. */
    legacyOperatorCr: z.boolean().default(false),
  })
  .prefault({});

export const kiali = z
  .strictObject({
    /** Emit Kiali. */
    enabled: z.boolean().default(true),
    /** URL of Kiali as browsers reach it. */
    externalUrl: httpUrl().default('https://kiali.example.com'),
    /** How users sign in to Kiali. */
    auth: z
      .strictObject({
        /** Kiali's auth strategy: "token" (a Kubernetes token), "openid" (an OpenID Connect provider) or "anonymous" (no sign-in). */
        strategy: z.enum(['token', 'openid', 'anonymous'], { error: 'must be "token", "openid" or "anonymous"' }).default('token'),
        /** The OpenID Connect provider, required with strategy "openid". */
        openid: z
          .strictObject({
            /** Issuer URI of the provider. */
            issuerUri: httpUrl(),
            /** Client ID Kiali is registered under at the provider. */
            clientId: secretKey(),
          })
          .optional(),
      })
      .prefault({})
      .superRefine((a, ctx) => {
        if (a.strategy === 'openid' && !a.openid)
          ctx.addIssue({ code: 'custom', path: ['openid'], input: undefined, message: 'is required when strategy is "openid"' });
      }),
    /** Replicas of Kiali. */
    replicas: between(1, 10, { int: true }).default(2),
    /** Requests and limits of each Kiali container. */
    resources: resources({ requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '1Gi' } }),
    /** Secret key holding a Grafana service-account token, for Kiali's dashboard look-ups; none when absent. */
    grafanaToken: z
      .strictObject({
        /** Name of the Secret (in the Istio namespace). */
        name: dnsSubdomain(),
        /** Key of the token in the Secret. */
        key: k8sLabelValue(),
      })
      .optional(),
  })
  .prefault({});
