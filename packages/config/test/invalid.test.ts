import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/index.ts';

/** Each case: a bad config and the exact line the user must see (path, value, reason). */
const CASES: Array<[string, unknown, string]> = [
  [
    'version weight out of range',
    {
      services: [
        { name: 'a', namespace: 'x' },
        { name: 'b', namespace: 'x', versions: [{ name: 'v1', weight: 140 }] },
      ],
    },
    'services[1].versions[0].weight: 140 is not between 0 and 100',
  ],
  [
    'version weights not summing to 100',
    {
      services: [
        {
          name: 'reviews',
          namespace: 'bookinfo',
          versions: [
            { name: 'v1', weight: 50 },
            { name: 'v2', weight: 30 },
          ],
        },
      ],
    },
    'services[0].versions: has weights that sum to 80, not 100 (v1: 50, v2: 30)',
  ],
  [
    'the same version twice',
    {
      services: [
        {
          name: 'reviews',
          namespace: 'bookinfo',
          versions: [
            { name: 'v1', weight: 50 },
            { name: 'v1', weight: 50 },
          ],
        },
      ],
    },
    'services[0].versions[1].name: "v1" is listed twice',
  ],
  [
    'the old canary keys, answered with the new form',
    { services: [{ name: 'reviews', namespace: 'bookinfo', stableVersion: 'v1', canaryVersion: 'v2', canaryWeight: 20 }] },
    'services[0].stableVersion: stableVersion, canaryVersion and canaryWeight were replaced by a list of versions with weights that sum to 100; write versions: [{ name: v1, weight: 80 }, { name: v2, weight: 20 }]',
  ],
  [
    'an owner without a receiver',
    { services: [{ name: 'reviews', namespace: 'bookinfo', owner: 'team-books' }] },
    'services[0].owner: "team-books" has no receiver: add alertmanager.teams.team-books (type and secret) so the team\'s alerts reach it',
  ],
  ['a service without a namespace', { services: [{ name: 'reviews' }] }, 'services[0].namespace: is required'],
  [
    'service name not DNS-1123',
    { services: [{ name: 'Pod_Info' }] },
    'services[0].name: "Pod_Info" is not a DNS-1123 label (lower-case letters, digits and "-", starting and ending alphanumeric)',
  ],
  ['service name missing', { services: [{ namespace: 'x' }] }, 'services[0].name: is required'],
  [
    'duplicate service',
    {
      services: [
        { name: 'a', namespace: 'x' },
        { name: 'a', namespace: 'x' },
      ],
    },
    'services[1]: "x/a" duplicates the namespace/name of entry 0',
  ],
  ['unknown top-level key with hint', { servces: [] }, 'servces: unknown key (did you mean "services"?)'],
  [
    'unknown nested key with hint',
    { alerts: { hihg5xxErrorRate: {} } },
    'alerts.hihg5xxErrorRate: unknown key (did you mean "high5xxErrorRate"?)',
  ],
  ['wrong type', { alerts: { high5xxErrorRate: { threshold: '5%' } } }, 'alerts.high5xxErrorRate.threshold: "5%" must be a number'],
  [
    'ratio above 1',
    { alerts: { highProxyMemoryUsage: { threshold: 90 } } },
    'alerts.highProxyMemoryUsage.threshold: 90 is not between 0 and 1',
  ],
  [
    'bad duration',
    { alerts: { pilotPushErrors: { for: '5 minutes' } } },
    'alerts.pilotPushErrors.for: "5 minutes" is not a duration like "30s", "5m", "1h" or "7d"',
  ],
  [
    'quote in a job name (PromQL injection)',
    { prometheus: { jobs: { istiod: 'istiod"} or vector(1) #' } } },
    'prometheus.jobs.istiod: "istiod\\"} or vector(1) #" must not contain quotes, backslashes, braces or control characters such as newlines',
  ],
  [
    'newline in a label value (YAML injection)',
    { alerts: { extraLabels: { team: 'a\nseverity: none' } } },
    'alerts.extraLabels.team: "a\\nseverity: none" must not contain quotes, backslashes, braces or control characters such as newlines',
  ],
  [
    'sampling percent out of range',
    { tracing: { sampling: { healthCheckPercent: 101 } } },
    'tracing.sampling.healthCheckPercent: 101 is not between 0 and 100',
  ],
  [
    'replica range inverted',
    { jaeger: { collector: { replicas: { min: 6, max: 5 } } } },
    'jaeger.collector.replicas.min: 6 is greater than max (5)',
  ],
  ['fractional replicas', { jaeger: { query: { replicas: 1.5 } } }, 'jaeger.query.replicas: 1.5 must be a whole number'],
  [
    'namespace both injected and excluded',
    { namespaces: { injected: ['podinfo', 'monitoring'], excluded: ['monitoring'] } },
    'namespaces.excluded[0]: "monitoring" is also listed in namespaces.injected',
  ],
  ['not a URL', { prometheus: { url: 'prometheus:9090' } }, 'prometheus.url: "prometheus:9090" is not an http:// or https:// URL'],
  ['bad enum', { kiali: { auth: { strategy: 'none' } } }, 'kiali.auth.strategy: "none" must be "token", "openid" or "anonymous"'],
  ['openid without settings', { kiali: { auth: { strategy: 'openid' } } }, 'kiali.auth.openid: is required when strategy is "openid"'],
  [
    'bad memory quantity',
    { istio: { sidecar: { resources: { limits: { memory: '1GB' } } } } },
    'istio.sidecar.resources.limits.memory: "1GB" is not a memory quantity such as "128Mi" or "2Gi"',
  ],
  [
    'gateway label "app"',
    { istio: { gatewayLabel: 'app' } },
    'istio.gatewayLabel: "app" must not be "app": Istio\'s gateway charts set it to the Deployment name',
  ],
  [
    'gateway label not a label key',
    { istio: { gatewayLabel: 'a b' } },
    'istio.gatewayLabel: "a b" is not a Kubernetes label key (an optional DNS prefix and "/", then letters, digits, "-", "_", ".")',
  ],
  [
    'bad cron',
    { jaeger: { retention: { schedule: 'daily' } } },
    'jaeger.retention.schedule: "daily" is not a five-field cron schedule such as "55 23 * * *" (or a descriptor such as "@daily")',
  ],

  [
    'path with a query string',
    { tracing: { sampling: { metricsPaths: ['/metrics?x=1'] } } },
    'tracing.sampling.metricsPaths[0]: "/metrics?x=1" is not a URL path such as "/healthz" (no quotes, spaces or query)',
  ],
  [
    'single-mode collector scaled out',
    { tracing: { collector: { mode: 'single', replicas: { min: 2, max: 5 } } } },
    'tracing.collector.replicas.max: 5 is more than one replica in single mode: tail sampling needs every span of a trace on one collector, and replicas behind a Service split traces across instances; to scale use mode: two-tier (trace-id load balancing in front of the samplers), or set replicas: { min: 1, max: 1 }',
  ],
  [
    'single-mode collector min above one',
    { tracing: { collector: { mode: 'single', replicas: { min: 2 } } } },
    'tracing.collector.replicas.max: 2 is more than one replica in single mode: tail sampling needs every span of a trace on one collector, and replicas behind a Service split traces across instances; to scale use mode: two-tier (trace-id load balancing in front of the samplers), or set replicas: { min: 1, max: 1 }',
  ],
  [
    'collector replica range inverted',
    { tracing: { collector: { replicas: { min: 6 } } } },
    'tracing.collector.replicas.min: 6 is greater than max (5)',
  ],
  ['top level not an object', 42, '(root): 42 must be an object (a mapping of keys)'],
];

describe('invalid configs are rejected with the field path, the value and the reason', () => {
  it.each(CASES)('%s', (_name, raw, expected) => {
    let error: unknown;
    try {
      parseConfig(raw, 'test.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const lines = (error as ConfigError).message.split('\n').map((l) => l.trim());
    expect(lines[0]).toBe('invalid meshobs config (test.yaml):');
    expect(lines).toContain(expected);
  });

  it('reports every problem at once, not only the first', () => {
    try {
      parseConfig({ services: [{ name: 'A', namespace: 'x' }], tracing: { sampling: { metricsPercent: -1 } } });
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigError).problems.map((p) => p.path)).toEqual(['services[0].name', 'tracing.sampling.metricsPercent']);
    }
  });

  it('lists the allowed keys when no key is close', () => {
    try {
      parseConfig({ cluster: { zzzzzzzz: 1 } });
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigError).message).toContain('cluster.zzzzzzzz: unknown key (allowed: name, environment, label)');
    }
  });
});

describe('cluster.label', () => {
  it('must be a Prometheus label name, not a reserved one', () => {
    for (const [label, reason] of [
      ['cluster-name', 'is not a Prometheus label name'],
      ['__cluster', 'must not start with "__"'],
    ] as const)
      expect(() => parseConfig({ cluster: { label } })).toThrow(new RegExp(`cluster\\.label.*${reason}`));
    expect(parseConfig({ cluster: { label: 'k8s_cluster' } }).cluster.label).toBe('k8s_cluster');
  });
});
