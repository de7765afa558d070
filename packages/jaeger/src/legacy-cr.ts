// DEPRECATED: a jaegertracing.io/v1 Jaeger CR for clusters still running jaeger-operator (v1, end of
// life). It describes the same topology on Jaeger v1 components. It is an alternative to the v2
// objects, never an addition: the operator would create its own jaeger-collector / jaeger-query
// objects with the same names. Emitted as a plain file outside the kustomization.
import type { MeshobsConfig } from '@meshobs/config';
import { canonicalObject, type KubeObject, toYaml } from '@meshobs/kube';
import { jaegerLayout as layoutOf } from '@meshobs/model';
import { authAnnotations } from './ingress.ts';
import { ROLLOVER_CONDITIONS } from './retention.ts';

export const LEGACY_CR_FILE = 'legacy/jaeger-operator-cr.yaml';

export const LEGACY_HEADER = [
  'DEPRECATED: jaeger-operator and Jaeger v1 are end of life. Use the Jaeger v2 objects of this folder.',
  'Apply this file INSTEAD of them (kubectl apply -f), never together: the operator creates objects with the same names.',
  'The operator injects storage.secretName with envFrom, so that Secret needs the keys ES_USERNAME and ES_PASSWORD.',
].join('\n');

export function legacyJaegerCr(config: MeshobsConfig): KubeObject {
  const j = config.jaeger;
  const l = layoutOf(config);
  const ing = j.query.ingress;
  const annotations = authAnnotations(config);
  const es: Record<string, unknown> = {
    'server-urls': config.elasticsearch.url,
    'num-shards': j.storage.shards,
    'num-replicas': j.storage.replicas,
    ...(j.storage.indexPrefix ? { 'index-prefix': j.storage.indexPrefix } : {}),
    ...(j.storage.rollover ? { 'use-aliases': true } : {}),
  };
  return {
    apiVersion: 'jaegertracing.io/v1',
    kind: 'Jaeger',
    metadata: {
      name: j.name,
      namespace: l.namespace,
      labels: l.query.labels,
      annotations: { 'meshobs.io/deprecated': 'jaeger-operator is end of life; use the Jaeger v2 objects' },
    },
    spec: {
      strategy: 'production',
      collector: {
        autoscale: true,
        minReplicas: j.collector.replicas.min,
        maxReplicas: j.collector.replicas.max,
        resources: j.collector.resources,
      },
      query: { replicas: j.query.replicas, resources: j.query.resources },
      ingress: ing.enabled
        ? {
            enabled: true,
            ingressClassName: ing.className,
            hosts: [ing.host],
            tls: [{ hosts: [ing.host], secretName: ing.tlsSecretName }],
            ...(Object.keys(annotations).length ? { annotations } : {}),
          }
        : { enabled: false },
      storage: {
        type: 'elasticsearch',
        secretName: config.elasticsearch.credentials.secretName,
        options: { es },
        esIndexCleaner: {
          enabled: true,
          numberOfDays: j.retention.days,
          schedule: j.retention.schedule,
          backoffLimit: 3,
          successfulJobsHistoryLimit: 3,
          ttlSecondsAfterFinished: 86400,
        },
        ...(j.storage.rollover
          ? {
              esRollover: {
                schedule: j.maintenance.rolloverSchedule,
                conditions: ROLLOVER_CONDITIONS,
                readTTL: `${j.retention.days * 24}h`,
              },
            }
          : {}),
      },
    },
  };
}

export const legacyJaegerCrYaml = (config: MeshobsConfig) => toYaml(canonicalObject(legacyJaegerCr(config)), LEGACY_HEADER);
