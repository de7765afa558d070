import { z } from 'zod';
import { checkConfig } from './checks.ts';
import { image } from './image.ts';
import { between, dnsHost, dnsLabel, resources, whenValid } from './primitives.ts';
import { cardinality } from './sections/cardinality.ts';
import { cluster, istio, namespaces } from './sections/mesh.ts';
import { alertmanager, alerts, grafana, prometheus } from './sections/monitoring.ts';
import { profile } from './sections/profile.ts';
import { services } from './sections/services.ts';
import { elasticsearch, jaeger, kiali } from './sections/storage.ts';
import { tracing } from './sections/tracing.ts';

export const demo = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Overrides the pinned image (IMAGES in @meshobs/kube). */
    image: image().optional(),
    /** Largest /delay/{seconds} the demo service accepts. */
    maxDelaySeconds: between(0, 600).default(30),
    /** Second tier the demo front end chains to (podinfo's backend pattern). */
    backendName: dnsLabel().default('podinfo-backend'),
    /** Hosts the ingress Gateway accepts for the demo front ends ("*" for any, as in the kind demo). */
    ingressHosts: z
      .array(z.union([z.literal('*'), dnsHost({ wildcard: true })], { error: 'is not a host name or wildcard such as "*.example.com"' }))
      .min(1)
      .default(['*']),
    resources: resources({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } }),
  })
  .prefault({});

const sections = z.strictObject({
  cluster,
  profile,
  namespaces,
  istio,
  services,
  prometheus,
  grafana,
  alertmanager,
  alerts,
  cardinality,
  tracing,
  jaeger,
  elasticsearch,
  kiali,
  demo,
});

/** The whole config: every section, then the checks across sections (src/checks.ts). */
export const configSchema = sections.superRefine(checkConfig, whenValid);

/** What a user writes: every field optional where a default exists. */
export type MeshobsConfigInput = z.input<typeof sections>;
/** The validated config with every default filled in. */
export type MeshobsConfig = z.output<typeof sections>;
export type ServiceConfig = MeshobsConfig['services'][number];
