import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type MeshobsConfig, type MeshobsConfigInput, parseConfig } from '@meshobs/config';
import type { ComponentBundle } from '@meshobs/kube';
import { resolveModel } from '@meshobs/model';
import { tempDir, toolPath } from '@meshobs/testkit';
import { renderAlerts } from '../src/index.ts';

/** The config the suites run on besides the defaults: SLO alerts on, every knob moved off its default. */
export const CUSTOM: MeshobsConfigInput = {
  namespaces: { istio: 'mesh-system' },
  // Gateway pods carry istio=<name without "istio-">: edge-gateway and egress-internal.
  istio: { gateways: { ingress: { name: 'edge-gateway' }, egress: { name: 'istio-egress-internal' } } },
  services: [
    {
      name: 'checkout',
      namespace: 'shop',
      port: 8080,
      versions: [
        { name: 'v1', weight: 90 },
        { name: 'v2', weight: 10 },
      ],
      // Its own 5xx threshold and latency guard, and an owner: the data the alerts join on, and the team route.
      owner: 'team-shop',
      alerts: { high5xxErrorRate: { threshold: 0.35 }, highRequestLatency: { minRequestRate: 3 } },
      slo: { availability: 0.995, latencyThresholdSeconds: 0.25, latencyTarget: 0.95 },
    },
    // A second service that sets nothing of its own: it takes the mesh-wide thresholds.
    { name: 'cart', namespace: 'shop' },
  ],
  alertmanager: { teams: { 'team-shop': { type: 'slack', secret: { name: 'alertmanager-team-shop' } } } },
  prometheus: { jobs: { istiod: 'pilot', envoy: 'istio-proxies', kubeStateMetrics: 'ksm', cadvisor: 'cadvisor' } },
  alerts: {
    window: '10m',
    runbookBaseUrl: 'https://runbooks.example.com/mesh/',
    high5xxErrorRate: { threshold: 0.2, minRequestRate: 5, for: '7m' },
    highRequestLatency: { p99Seconds: 0.3, minRequestRate: 2, for: '3m' },
    certificateExpiringSoon: { days: 10, for: '30m' },
    pilotPushErrors: { for: '0s' },
    istioControlPlaneUnavailable: { for: '90s' },
    highProxyMemoryUsage: { threshold: 0.8, for: '10m' },
    circuitBreakerTriggered: { for: '2m' },
    istioGatewayUnhealthy: { for: '4m' },
    slo: { enabled: true, minRequestRate: 0.5 },
    extraLabels: { tier: 'platform', cluster: 'prod-eu' },
  },
};

export const configs: Array<[string, MeshobsConfig]> = [
  ['default config', parseConfig({})],
  ['the demo (podinfo, stable and canary, SLO alerts)', parseConfig({ demo: { enabled: true } })],
  ['customised config', parseConfig(CUSTOM)],
];

/** Writes a component's files into a fresh folder laid out as dist/bundle/alerts. */
export function writeComponent(bundle: ComponentBundle, prefix = 'alerts'): string {
  const dir = join(tempDir(prefix), 'alerts');
  for (const f of bundle.files) {
    const path = join(dir, f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.content);
  }
  return dir;
}

export const renderTo = (config: MeshobsConfig) => {
  const bundle = renderAlerts(resolveModel(config));
  return { bundle, dir: writeComponent(bundle) };
};

export function runTool(tool: string, args: string[], cwd?: string): { code: number; out: string } {
  const bin = toolPath(tool);
  if (!bin) throw new Error(`${tool} not found`);
  const r = spawnSync(bin, args, { cwd, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}
