// The Istio install settings in the bundle's snippets (the cluster tier renders them with istioctl and
// helm: packages/cli/test/cluster/istio-install.cluster.test.ts).

import { IstioOperator } from '@kubernetes-models/istio/install.istio.io/v1alpha1/IstioOperator';
import { defaultConfig, parseConfig } from '@meshobs/config';
import { resolveModel } from '@meshobs/model';
import { INGRESS_GATEWAY_PROXY_STATS_MATCHER, PROXY_STATS_MATCHER } from '@meshobs/signals';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { gatewayValuesFile, goDuration, istioOperator, renderIstio } from '../src/index.ts';

const file = (config: ReturnType<typeof parseConfig>, path: string) => {
  const f = renderIstio(resolveModel(config)).files.find((x) => x.path === path);
  if (!f) throw new Error(`no ${path}`);
  return parse(f.content);
};

describe('goDuration', () => {
  it('spells Prometheus durations the way Go parses them (no days or years)', () => {
    expect(goDuration('24h')).toBe('24h');
    expect(goDuration('1d')).toBe('24h');
    expect(goDuration('90d')).toBe('2160h');
    expect(goDuration('10y')).toBe('87600h');
    expect(goDuration('90m')).toBe('1h30m');
    expect(goDuration('10m')).toBe('10m');
    expect(goDuration('1m30s')).toBe('1m30s');
  });
});

describe('Istio install snippets', () => {
  const config = defaultConfig();

  it('defaults: istiod at 2 (2-5 with metrics-server) with a budget and anti-affinity, sidecars 100m/128Mi to 2000m/1024Mi, 24h workload and 10-year CA certificates', () => {
    const values = file(config, 'helm-values.yaml');
    expect(values).toMatchObject({ autoscaleEnabled: false, replicaCount: 2, pdb: { maxUnavailable: 1 } });
    expect(file(parseConfig({ profile: { metricsServer: true } }), 'helm-values.yaml')).toMatchObject({
      autoscaleEnabled: true,
      autoscaleMin: 2,
      autoscaleMax: 5,
    });
    expect(
      values.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector.matchLabels,
    ).toEqual({ app: 'istiod' });
    expect(values.global.proxy.resources).toEqual({
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { cpu: '2000m', memory: '1024Mi' },
    });
    expect(values.env).toEqual({ CITADEL_SELF_SIGNED_CA_CERT_TTL: '87600h', DEFAULT_WORKLOAD_CERT_TTL: '24h' });
    expect(values.meshConfig.defaultConfig.proxyMetadata).toEqual({ SECRET_TTL: '24h' });
    const op = istioOperator(config);
    // No metrics-server in the default profile: istiod is fixed at the range's minimum, no HPA.
    expect(op.spec.values.pilot).toEqual({
      autoscaleEnabled: false,
      replicaCount: 2,
      affinity: values.affinity,
      env: values.env,
    });
    expect(op.spec.values.gateways).toEqual({
      'istio-ingressgateway': { autoscaleEnabled: false },
      'istio-egressgateway': { autoscaleEnabled: false },
    });
    expect(op.spec.components.ingressGateways[0]!.k8s).toMatchObject({ replicaCount: 2 });
    expect(op.spec.values.global).toEqual(values.global);
    expect(op.spec.meshConfig).toEqual(values.meshConfig);
  });

  it('follows the config, and the IstioOperator stays schema-valid', () => {
    const custom = parseConfig({
      profile: { metricsServer: true },
      istio: {
        revision: 'canary',
        istiod: { replicas: { min: 3, max: 9 } },
        sidecar: { resources: { limits: { memory: '2Gi' } } },
        certificates: { workloadTtl: '12h', caTtl: '5y' },
        gateways: { ingress: { name: 'edge-gateway', replicas: { min: 1, max: 3 } }, egress: { enabled: false } },
        gatewayLabel: 'gateway',
      },
    });
    const op = istioOperator(custom);
    new IstioOperator(op as never).validate();
    expect(op.spec.revision).toBe('canary');
    expect(op.spec.values.pilot).toMatchObject({
      autoscaleMin: 3,
      autoscaleMax: 9,
      env: { DEFAULT_WORKLOAD_CERT_TTL: '12h', CITADEL_SELF_SIGNED_CA_CERT_TTL: '43800h' },
    });
    expect(op.spec.values.global.proxy.resources.limits.memory).toBe('2Gi');
    expect(op.spec.meshConfig.defaultConfig.proxyMetadata.SECRET_TTL).toBe('12h');
    expect(op.spec.components.ingressGateways).toEqual([
      expect.objectContaining({
        name: 'edge-gateway',
        enabled: true,
        label: { app: 'edge-gateway', istio: 'edge-gateway', gateway: 'edge-gateway' },
      }),
    ]);
    expect((op.spec.components.ingressGateways[0]!.k8s as { hpaSpec?: unknown }).hpaSpec).toEqual({ minReplicas: 1, maxReplicas: 3 });
    expect((op.spec.values as { gateways?: unknown }).gateways).toBeUndefined();
    // A disabled gateway is switched off in the install, not left to the base profile.
    expect(op.spec.components.egressGateways).toEqual([{ name: 'istio-egressgateway', enabled: false }]);

    const paths = renderIstio(resolveModel(custom)).files.map((f) => f.path);
    expect(paths.filter((p) => p.startsWith('helm-values-'))).toEqual([gatewayValuesFile('edge-gateway')]);
    const gw = file(custom, gatewayValuesFile('edge-gateway'));
    expect(gw).toMatchObject({
      name: 'edge-gateway',
      revision: 'canary',
      labels: { gateway: 'edge-gateway' },
      autoscaling: { enabled: true, minReplicas: 1, maxReplicas: 3 },
    });
    // One replica at the minimum: no budget is asked for (the chart renders none below two replicas either).
    expect(gw.podDisruptionBudget).toEqual({});
    expect(file(custom, 'helm-values.yaml')).toMatchObject({ revision: 'canary', autoscaleMin: 3 });
  });
});

describe('the ingress gateway exports its listener TLS stats (EdgeTlsHandshakeFailures)', () => {
  const config = parseConfig({ istio: { gateways: { egress: { enabled: true } } } });
  const proxyConfig = (annotations: Record<string, string> | undefined) =>
    annotations?.['proxy.istio.io/config'] === undefined ? undefined : parse(annotations['proxy.istio.io/config']);

  it('as the proxy.istio.io/config annotation of its pods, in the Helm values and the IstioOperator', () => {
    const helm = file(config, gatewayValuesFile(config.istio.gateways.ingress.name));
    const op = istioOperator(config);
    const operatorEntry = op.spec.components.ingressGateways[0] as { k8s?: { podAnnotations?: Record<string, string> } };
    expect(operatorEntry.k8s?.podAnnotations).toBeDefined();
    for (const annotations of [helm.podAnnotations, operatorEntry.k8s?.podAnnotations])
      expect(proxyConfig(annotations)).toEqual({
        proxyStatsMatcher: {
          inclusionSuffixes: PROXY_STATS_MATCHER.inclusionSuffixes,
          inclusionRegexps: [String.raw`listener\..*\.ssl\.(handshake|connection_error)`],
        },
      });
    expect(INGRESS_GATEWAY_PROXY_STATS_MATCHER.inclusionRegexps).toEqual([String.raw`listener\..*\.ssl\.(handshake|connection_error)`]);
  });

  it('the egress gateway keeps the mesh default (no annotation)', () => {
    expect(file(config, gatewayValuesFile(config.istio.gateways.egress.name)).podAnnotations).toBeUndefined();
    expect(
      (istioOperator(config).spec.components.egressGateways[0] as { k8s?: { podAnnotations?: unknown } }).k8s?.podAnnotations,
    ).toBeUndefined();
  });
});
