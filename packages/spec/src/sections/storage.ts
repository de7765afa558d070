import { z } from 'zod';
import { between, dnsLabel, dnsSubdomain, httpUrl, replicaRange, resources, secretKeyRef } from '../primitives.ts';

const cron = () =>
  z
    .string({ error: 'must be a cron schedule string' })
    .regex(/^(\S+\s+){4}\S+$/, { error: 'is not a five-field cron schedule such as "55 23 * * *"' })
    .regex(/^[0-9*\/,\- ]+$/, { error: 'may only contain digits, "*", "/", ",", "-" and spaces' });

export const elasticsearch = z
  .strictObject({
    url: httpUrl().default('https://elasticsearch-master.observability.svc.cluster.local:9200'),
    /** Credentials come only from this Secret. */
    credentials: z
      .strictObject({
        secretName: dnsSubdomain().default('jaeger-es-credentials'),
        usernameKey: z.string().regex(/^[-._a-zA-Z0-9]+$/).default('username'),
        passwordKey: z.string().regex(/^[-._a-zA-Z0-9]+$/).default('password'),
      })
      .prefault({}),
    /** Secret with the CA bundle (key ca.crt) to verify the cluster's TLS certificate. */
    caSecret: secretKeyRef('elasticsearch-ca', 'ca.crt'),
    /** Namespace and pod label of the Elasticsearch pods, for NetworkPolicies. */
    podSelector: z.record(z.string(), z.string()).default({ app: 'elasticsearch-master' }),
  })
  .prefault({});

export const jaeger = z
  .strictObject({
    name: dnsLabel().default('jaeger'),
    image: z.string().regex(/^[a-z0-9./_:@-]+$/, { error: 'is not a container image reference' }).default('jaegertracing/jaeger:2.13.0'),
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
            host: dnsSubdomain().default('jaeger.example.com'),
            className: dnsLabel().default('nginx'),
            tlsSecretName: dnsSubdomain().default('jaeger-query-tls'),
            /** ingress-nginx external auth URL (e.g. oauth2-proxy); none when absent. */
            authUrl: httpUrl().optional(),
          })
          .prefault({}),
      })
      .prefault({}),
    storage: z
      .strictObject({
        indexPrefix: dnsLabel().default('jaeger'),
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
        openid: z
          .strictObject({ issuerUri: httpUrl(), clientId: z.string().regex(/^[-._a-zA-Z0-9]+$/) })
          .optional(),
      })
      .prefault({})
      .superRefine((a, ctx) => {
        if (a.strategy === 'openid' && !a.openid)
          ctx.addIssue({ code: 'custom', path: ['openid'], input: undefined, message: 'is required when strategy is "openid"' });
      }),
    replicas: between(1, 10, { int: true }).default(2),
    resources: resources({ requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '1Gi' } }),
  })
  .prefault({});
