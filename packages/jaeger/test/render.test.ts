// Structure of the rendered Jaeger component: names from endpointsOf, replicas, hardening,
// retention jobs, network policies, credentials only from the Secret, determinism.

import { endpointsOf, parseConfig } from '@meshobs/config';
import { CONFIG_CHECKSUM_ANNOTATION, type KubeObject } from '@meshobs/kube';
import { resolveModel } from '@meshobs/model';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderJaeger } from '../src/index.ts';

const defaults = parseConfig({});
const render = (raw: unknown = {}) => renderJaeger(resolveModel(parseConfig(raw)));
const find = (objects: KubeObject[], kind: string, name: string) => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${kind} ${name} missing; have ${objects.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o as KubeObject & { spec: any };
};
const podSpec = (o: KubeObject & { spec: any }) => (o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec);

describe('collector and query roles', () => {
  const { objects, files } = render();
  const e = endpointsOf(defaults).jaeger;

  it('serves exactly the addresses endpointsOf hands to the rest of the bundle', () => {
    const collector = find(objects, 'Service', e.collectorService);
    const query = find(objects, 'Service', e.queryService);
    expect(e.collectorOtlpGrpc).toBe(`${e.collectorService}.observability.svc.cluster.local:4317`);
    expect(collector.metadata.namespace).toBe('observability');
    expect(collector.spec.ports.map((p: any) => p.port)).toEqual(expect.arrayContaining([4317, 4318]));
    expect(query.spec.ports.map((p: any) => [p.name, p.port])).toEqual(
      expect.arrayContaining([
        ['http-query', 16686],
        ['grpc-query', 16685],
      ]),
    );
    expect(e.queryHttpUrl).toBe(`http://${e.queryService}.observability.svc.cluster.local:16686`);
  });

  it('runs the collector at 3 without metrics-server, scales it 3–5 with an HPA where metrics-server runs; the query role at 2', () => {
    expect(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')).toEqual([]);
    expect(find(objects, 'Deployment', e.collectorService).spec.replicas).toBe(3);
    const scaled = render({ profile: { metricsServer: true } }).objects;
    const hpa = find(scaled, 'HorizontalPodAutoscaler', e.collectorService);
    expect(hpa.spec).toMatchObject({ minReplicas: 3, maxReplicas: 5, scaleTargetRef: { kind: 'Deployment', name: e.collectorService } });
    expect(find(objects, 'Deployment', e.queryService).spec.replicas).toBe(2);
    // One eviction at a time, never zero (a single replica must not block a node drain).
    expect(find(objects, 'PodDisruptionBudget', e.collectorService).spec).toMatchObject({
      maxUnavailable: 1,
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
    expect(find(objects, 'PodDisruptionBudget', e.queryService).spec).toMatchObject({
      maxUnavailable: 1,
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
  });

  it('runs hardened jaeger pods with anti-affinity, probes and the config from a ConfigMap', () => {
    for (const name of [e.collectorService, e.queryService]) {
      const d = find(objects, 'Deployment', name);
      const pod = podSpec(d);
      const c = pod.containers[0];
      expect(c.image).toBe('jaegertracing/jaeger:2.13.0');
      expect(c.args).toEqual([expect.stringMatching(/^--config=\/etc\/jaeger\/(collector|query)-config\.yaml$/)]);
      expect(c.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/status', port: 13133 });
      expect(c.resources.limits).toBeDefined();
      expect(
        pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector.matchLabels,
      ).toEqual(d.spec.selector.matchLabels);
      expect(pod.volumes.find((v: any) => v.name === 'config').configMap.name).toBe(`${name}-config`);
    }
  });

  it('takes credentials only from the Secret (mounted files), never inline', () => {
    for (const name of [e.collectorService, e.queryService]) {
      const pod = podSpec(find(objects, 'Deployment', name));
      expect(pod.volumes.find((v: any) => v.name === 'es-credentials').secret.secretName).toBe('jaeger-es-credentials');
      expect(pod.containers[0].env).toBeUndefined();
    }
    for (const f of files) {
      const basic = parse(f.content).extensions.jaeger_storage.backends.es_main.elasticsearch.auth.basic;
      expect(basic).toEqual({
        username: '${file:/etc/jaeger/es-credentials/username}',
        password_file: '/etc/jaeger/es-credentials/password',
        reload_interval: '1m',
      });
    }
  });

  it('puts the same storage backend in both plain configs and in the ConfigMaps', () => {
    const collector = parse(files.find((f) => f.path === 'collector-config.yaml')!.content);
    const query = parse(files.find((f) => f.path === 'query-config.yaml')!.content);
    expect(collector.extensions.jaeger_storage).toEqual(query.extensions.jaeger_storage);
    expect(collector.exporters.jaeger_storage_exporter.trace_storage).toBe('es_main');
    expect(query.extensions.jaeger_query.storage.traces).toBe('es_main');
    const es = collector.extensions.jaeger_storage.backends.es_main.elasticsearch;
    expect(es).toMatchObject({
      server_urls: ['https://elasticsearch-master.observability.svc.cluster.local:9200'],
      tls: { ca_file: '/etc/jaeger/es-ca/ca.crt' },
      use_aliases: false,
      indices: { spans: { shards: 5, replicas: 1 } },
    });
    expect(find(objects, 'ConfigMap', `${e.collectorService}-config`).data).toEqual({
      'collector-config.yaml': files.find((f) => f.path === 'collector-config.yaml')!.content,
    });
  });

  it('batches in the storage exporter (the batch processor is being phased out), with a bounded queue', () => {
    const collector = parse(files.find((f) => f.path === 'collector-config.yaml')!.content);
    expect(collector.processors).toBeUndefined();
    expect(collector.service.pipelines.traces).toEqual({ receivers: ['otlp'], exporters: ['jaeger_storage_exporter'] });
    expect(collector.exporters.jaeger_storage_exporter.queue).toMatchObject({
      enabled: true,
      queue_size: 1000,
      batch: { sizer: 'items', min_size: 8192 },
    });
  });

  it('rolls the pods when the config changes', () => {
    const checksum = (raw: unknown) =>
      find(render(raw).objects, 'Deployment', e.collectorService).spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
    expect(checksum({})).toBe(checksum({}));
    expect(checksum({ jaeger: { storage: { shards: 3 } } })).not.toBe(checksum({}));
  });

  it('publishes the UI over TLS (its authentication: ingress-auth.test.ts)', () => {
    expect(objects.some((o) => o.kind === 'Ingress')).toBe(false); // an explicit choice, off by default
    const vs = find(objects, 'VirtualService', 'jaeger-ui');
    expect(vs.spec).toMatchObject({ hosts: ['jaeger.example.com'], gateways: ['observability/meshobs-ingress'] });
    expect(vs.spec.http[0].route[0].destination).toEqual({
      host: `${e.queryService}.observability.svc.cluster.local`,
      port: { number: 16686 },
    });
    const ing = find(render({ jaeger: { query: { ingress: { enabled: true } } } }).objects, 'Ingress', e.queryService);
    expect(ing.spec.tls).toEqual([{ hosts: ['jaeger.example.com'], secretName: 'jaeger-query-tls' }]);
    expect(ing.spec.rules[0].http.paths[0].backend.service).toEqual({ name: e.queryService, port: { number: 16686 } });
    expect(render({ jaeger: { query: { ingress: { enabled: false } } } }).objects.some((o) => o.kind === 'Ingress')).toBe(false);
  });

  it('follows a renamed Jaeger everywhere', () => {
    const renamed = render({ jaeger: { name: 'traces' } }).objects;
    expect(find(renamed, 'Service', 'traces-collector')).toBeDefined();
    expect(find(renamed, 'Service', 'traces-query')).toBeDefined();
    expect(find(renamed, 'CronJob', 'traces-es-index-cleaner')).toBeDefined();
  });
});

describe('retention', () => {
  it('runs the index cleaner with <days> <url> on the configured schedule, hardened', () => {
    const cron = find(render().objects, 'CronJob', 'jaeger-es-index-cleaner');
    expect(cron.spec).toMatchObject({
      schedule: '55 23 * * *',
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
    });
    expect(cron.spec.jobTemplate.spec.backoffLimit).toBe(3);
    const pod = podSpec(cron);
    // A retry keeps the pod's address (its first connection can precede the NetworkPolicy enforcer's rules).
    expect(pod.restartPolicy).toBe('OnFailure');
    const c = pod.containers[0];
    // v2.13.0 pushed its tool images under the v1 tag of the same commit only (IMAGES in @meshobs/kube).
    expect(c.image).toBe('jaegertracing/jaeger-es-index-cleaner:1.76.0');
    expect(c.args).toEqual(['7', 'https://elasticsearch-master.observability.svc.cluster.local:9200']);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    const env = Object.fromEntries(c.env.map((v: any) => [v.name, v.value ?? v.valueFrom]));
    expect(env).toMatchObject({
      INDEX_PREFIX: '',
      ROLLOVER: 'false',
      ES_TLS_ENABLED: 'true',
      ES_TLS_CA: '/etc/jaeger/es-ca/ca.crt',
      ES_USERNAME: { secretKeyRef: { name: 'jaeger-es-credentials', key: 'username' } },
      ES_PASSWORD: { secretKeyRef: { name: 'jaeger-es-credentials', key: 'password' } },
    });
  });

  it('takes days, schedule and prefix from the config', () => {
    const cron = find(
      render({ jaeger: { retention: { days: 14, schedule: '5 1 * * *' }, storage: { indexPrefix: 'prod' } } }).objects,
      'CronJob',
      'jaeger-es-index-cleaner',
    );
    expect(cron.spec.schedule).toBe('5 1 * * *');
    const c = podSpec(cron).containers[0];
    expect(c.args[0]).toBe('14');
    expect(c.env.find((v: any) => v.name === 'INDEX_PREFIX').value).toBe('prod');
  });

  it('adds the rollover init Job and the rollover and lookback CronJobs in rollover mode', () => {
    const { objects, files } = render({ jaeger: { storage: { rollover: true } } });
    const init = find(objects, 'Job', 'jaeger-es-rollover-init');
    expect(init.spec.backoffLimit).toBe(3);
    expect(podSpec(init).containers[0].args[0]).toBe('init');
    expect(podSpec(find(objects, 'CronJob', 'jaeger-es-rollover')).containers[0].args[0]).toBe('rollover');
    const lookback = podSpec(find(objects, 'CronJob', 'jaeger-es-lookback')).containers[0];
    expect(lookback.env).toEqual(
      expect.arrayContaining([
        { name: 'UNIT', value: 'days' },
        { name: 'UNIT_COUNT', value: '7' },
      ]),
    );
    expect(podSpec(find(objects, 'CronJob', 'jaeger-es-index-cleaner')).containers[0].env).toContainEqual({
      name: 'ROLLOVER',
      value: 'true',
    });
    expect(parse(files[0]!.content).extensions.jaeger_storage.backends.es_main.elasticsearch).toMatchObject({
      use_aliases: true,
      create_mappings: false,
    });
    expect(render().objects.some((o) => o.metadata.name === 'jaeger-es-rollover-init')).toBe(false);
  });
});

describe('network policies and monitoring', () => {
  const { objects } = render();

  it('lets only the OTel collector tier reach the Jaeger collector, and only on OTLP', () => {
    const np = find(objects, 'NetworkPolicy', 'jaeger-collector');
    const otlp = np.spec.ingress.find((r: any) => r.ports.some((p: any) => p.port === 4317));
    expect(otlp.from).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/instance': endpointsOf(defaults).collector.service } },
      },
    ]);
    expect(otlp.ports.map((p: any) => p.port)).toEqual([4317, 4318]);
  });

  it('lets only Grafana, Kiali and the ingress gateway (and ingress-nginx when its Ingress is on) reach the query role', () => {
    const sources = (objs: KubeObject[]) => {
      const np = find(objs, 'NetworkPolicy', 'jaeger-query');
      const rule = np.spec.ingress.find((r: any) => r.ports.some((p: any) => p.port === 16686));
      return rule.from.map((f: any) => f.namespaceSelector.matchLabels['kubernetes.io/metadata.name']);
    };
    expect(sources(objects)).toEqual(['monitoring', 'istio-system']);
    expect(sources(render({ jaeger: { query: { ingress: { enabled: true } } } }).objects)).toEqual([
      'ingress-nginx',
      'monitoring',
      'istio-system',
    ]);
  });

  it('lets the sidecars of both roles reach istiod and Prometheus scrape their Envoy stats', () => {
    // The observability namespace is injected: without istiod on 15012 istio-proxy never becomes Ready.
    for (const name of ['jaeger-collector', 'jaeger-query']) {
      const np = find(objects, 'NetworkPolicy', name);
      expect(np.spec.egress).toContainEqual({
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } } }],
        ports: [{ port: 15012, protocol: 'TCP' }],
      });
      expect(np.spec.ingress).toContainEqual({
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        ports: [
          { port: 15020, protocol: 'TCP' },
          { port: 15090, protocol: 'TCP' },
        ],
      });
    }
    // The retention jobs run without a sidecar: no istiod egress for them.
    expect(JSON.stringify(find(objects, 'NetworkPolicy', 'jaeger-es').spec.egress)).not.toContain('15012');
  });

  it('polices the search engine it does not run only on request', () => {
    expect(objects.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'jaeger-search-engine')).toEqual([]);
  });

  it('lets only Jaeger pods reach the search engine when asked to police it', () => {
    const np = find(render({ elasticsearch: { networkPolicy: true } }).objects, 'NetworkPolicy', 'jaeger-search-engine');
    expect(np.spec.podSelector.matchLabels).toEqual({ app: 'elasticsearch-master' });
    expect(np.spec.ingress[0]).toEqual({
      from: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'jaeger', 'app.kubernetes.io/instance': 'jaeger' } },
        },
      ],
      ports: [{ port: 9200, protocol: 'TCP' }],
    });
    for (const name of ['jaeger-collector', 'jaeger-query', 'jaeger-es']) {
      const egress = find(objects, 'NetworkPolicy', name).spec.egress;
      expect(egress.at(-1).ports).toEqual([{ port: 9200, protocol: 'TCP' }]);
    }
  });

  it('scrapes both roles with ServiceMonitors selected by the Prometheus release label', () => {
    for (const name of ['jaeger-collector', 'jaeger-query']) {
      const sm = find(objects, 'ServiceMonitor', name);
      expect(sm.metadata.labels!.release).toBe('kube-prometheus-stack');
      expect(sm.spec.endpoints[0].port).toBe('http-metrics');
      const svc = find(objects, 'Service', name);
      expect(svc.spec.ports.map((p: any) => p.name)).toContain('http-metrics');
      for (const [k, v] of Object.entries(sm.spec.selector.matchLabels)) expect(svc.metadata.labels![k]).toBe(v);
    }
  });
});

describe('bundle shape', () => {
  it('emits the legacy operator CR only on request, as a deprecated plain file with a warning', () => {
    expect(render().files.map((f) => f.path)).toEqual(['collector-config.yaml', 'query-config.yaml']);
    const legacy = render({ jaeger: { legacyOperatorCr: true } });
    const file = legacy.files.find((f) => f.path === 'legacy/jaeger-operator-cr.yaml')!;
    expect(file.content).toMatch(/^# DEPRECATED/);
    const cr = parse(file.content);
    expect(cr.spec).toMatchObject({
      strategy: 'production',
      storage: { type: 'elasticsearch', esIndexCleaner: { enabled: true, numberOfDays: 7, schedule: '55 23 * * *' } },
    });
    expect(legacy.warnings.join('\n')).toMatch(/end-of-life jaeger-operator/);
    expect(legacy.objects.some((o) => o.kind === 'Jaeger')).toBe(false);
  });
});
