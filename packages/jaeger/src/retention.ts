// Retention: a daily es-index-cleaner CronJob, and in rollover mode the es-rollover init Job plus
// the rollover and lookback CronJobs. Jaeger's ES tools read their flags from the environment
// (viper: "index-prefix" -> INDEX_PREFIX, "es.username" -> ES_USERNAME, "es.tls.ca" -> ES_TLS_CA).
import type { MeshobsConfig } from '@meshobs/config';
import { containerSecurityContext, type KubeObject, podSecurityContext, withComment } from '@meshobs/kube';
import { jaegerImages, jaegerLayout as layoutOf } from '@meshobs/model';
import { ES_CA_DIR, JAEGER_UID } from './layout.ts';
import { caVolume, usesTls } from './workloads.ts';

type Env = { name: string; value?: string; valueFrom?: unknown };

/** Rollover moves the write alias to a fresh index once the current one is a day old. */
export const ROLLOVER_CONDITIONS = '{"max_age": "1d"}';

const JOB_RESOURCES = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } };

/** es-index-cleaner and es-rollover take credentials only as flags or env: env from the Secret. */
function credentialsEnv(config: MeshobsConfig): Env[] {
  const c = config.elasticsearch.credentials;
  return [
    { name: 'ES_USERNAME', valueFrom: { secretKeyRef: { name: c.secretName, key: c.usernameKey } } },
    { name: 'ES_PASSWORD', valueFrom: { secretKeyRef: { name: c.secretName, key: c.passwordKey } } },
  ];
}

const SKIP_SECRET_FILES_CHECK = {
  'checkov.io/skip1': 'CKV_K8S_35=Jaeger es-index-cleaner and es-rollover read credentials only from flags or environment variables',
};

function commonEnv(config: MeshobsConfig): Env[] {
  const env: Env[] = [{ name: 'INDEX_PREFIX', value: config.jaeger.storage.indexPrefix ?? '' }];
  if (usesTls(config)) {
    env.push({ name: 'ES_TLS_ENABLED', value: 'true' }, { name: 'ES_TLS_CA', value: `${ES_CA_DIR}/${config.elasticsearch.caSecret.key}` });
  }
  return [...env, ...credentialsEnv(config)];
}

interface JobSpec {
  name: string;
  image: string;
  args: string[];
  env: Env[];
}

/** Pod template shared by every maintenance job: hardened, bounded, no sidecar. */
function podTemplate(config: MeshobsConfig, job: JobSpec) {
  const l = layoutOf(config);
  const ca = caVolume(config);
  return {
    metadata: {
      // An injected sidecar never exits, so the Job would never complete. A label, not the annotation:
      // Istio's injection webhooks select pods on this label (objectSelector), and its analyzer reports
      // the annotation as deprecated (IST0135 DeprecatedAnnotation: istio/istio pkg/config/analysis/analyzers/annotations/annotations.go at the pinned commit; istio/api annotation/annotations.yaml marks it deprecated "in favor of the sidecar.istio.io/inject label").
      labels: { ...l.jobs.labels, 'sidecar.istio.io/inject': 'false' },
    },
    spec: {
      // OnFailure: a failed attempt restarts in the same pod, keeping its address. The index tools
      // connect once, within milliseconds of starting; a NetworkPolicy enforcer that admits a new pod's
      // address only after it starts (kube-router, k3s's default) refuses that first connection, and with
      // Never every retry was a new pod losing the same race: retention never ran (found by the node tier).
      restartPolicy: 'OnFailure',
      automountServiceAccountToken: false,
      securityContext: podSecurityContext(JAEGER_UID),
      containers: [
        {
          name: job.name,
          image: job.image,
          imagePullPolicy: 'IfNotPresent',
          args: job.args,
          env: job.env,
          resources: JOB_RESOURCES,
          securityContext: containerSecurityContext(JAEGER_UID),
          ...(ca.mounts.length ? { volumeMounts: ca.mounts } : {}),
        },
      ],
      ...(ca.volumes.length ? { volumes: ca.volumes } : {}),
    },
  };
}

const jobSpec = (config: MeshobsConfig, job: JobSpec) => ({
  backoffLimit: 3,
  activeDeadlineSeconds: 1800,
  ttlSecondsAfterFinished: 86400,
  template: podTemplate(config, job),
});

function cronJob(config: MeshobsConfig, schedule: string, job: JobSpec): KubeObject {
  const l = layoutOf(config);
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: job.name, namespace: l.namespace, labels: l.jobs.labels, annotations: SKIP_SECRET_FILES_CHECK },
    spec: {
      schedule,
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: { metadata: { labels: l.jobs.labels }, spec: jobSpec(config, job) },
    },
  };
}

const prefixed = (config: MeshobsConfig, name: string) => `${config.jaeger.name}-${name}`;

/** `jaeger-es-index-cleaner <days> <es-url>`: deletes indices older than the retention window. */
export function indexCleaner(config: MeshobsConfig): KubeObject {
  const r = config.jaeger.retention;
  return withComment(
    cronJob(config, r.schedule, {
      name: prefixed(config, 'es-index-cleaner'),
      image: jaegerImages(config).indexCleaner,
      args: [String(r.days), config.elasticsearch.url],
      env: [...commonEnv(config), { name: 'ROLLOVER', value: String(config.jaeger.storage.rollover) }],
    }),
    `Keeps ${r.days} days of traces: deletes Jaeger indices created before today's midnight (UTC) minus ${r.days - 1} days.`,
  );
}

/** Rollover mode: aliases and templates up front, then daily rollover and read-alias lookback. */
export function rolloverObjects(config: MeshobsConfig): KubeObject[] {
  const l = layoutOf(config);
  const r = config.jaeger.retention;
  const s = config.jaeger.storage;
  const init: KubeObject = withComment(
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: prefixed(config, 'es-rollover-init'),
        namespace: l.namespace,
        labels: l.jobs.labels,
        annotations: SKIP_SECRET_FILES_CHECK,
      },
      spec: jobSpec(config, {
        name: prefixed(config, 'es-rollover-init'),
        image: jaegerImages(config).rollover,
        args: ['init', config.elasticsearch.url],
        env: [...commonEnv(config), { name: 'SHARDS', value: String(s.shards) }, { name: 'REPLICAS', value: String(s.replicas) }],
      }),
    },
    'Creates the index templates, the first indices and the read/write aliases Jaeger writes through (idempotent). Run it before the Jaeger Deployments start.',
  );
  return [
    init,
    cronJob(config, config.jaeger.maintenance.rolloverSchedule, {
      name: prefixed(config, 'es-rollover'),
      image: jaegerImages(config).rollover,
      args: ['rollover', config.elasticsearch.url],
      env: [...commonEnv(config), { name: 'CONDITIONS', value: ROLLOVER_CONDITIONS }],
    }),
    cronJob(config, config.jaeger.maintenance.lookbackSchedule, {
      name: prefixed(config, 'es-lookback'),
      image: jaegerImages(config).rollover,
      args: ['lookback', config.elasticsearch.url],
      env: [...commonEnv(config), { name: 'UNIT', value: 'days' }, { name: 'UNIT_COUNT', value: String(r.days) }],
    }),
  ];
}

export function retentionObjects(config: MeshobsConfig): KubeObject[] {
  return [...(config.jaeger.storage.rollover ? rolloverObjects(config) : []), indexCleaner(config)];
}
