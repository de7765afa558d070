import { describe, expect, it } from 'vitest';
import {
  containerSecurityContext,
  type KubeObject,
  memoryBytes,
  modelModuleFor,
  podSecurityContext,
  validateObjects,
} from '../src/index.ts';

const deployment = (replicas: unknown): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'x', namespace: 'y' },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'x' } },
    template: {
      metadata: { labels: { app: 'x' } },
      spec: {
        securityContext: podSecurityContext(),
        containers: [{ name: 'x', image: 'x:1', securityContext: containerSecurityContext() }],
      },
    },
  },
});

describe('schema validation of emitted objects', () => {
  it('accepts a valid hardened Deployment', async () => {
    expect(await validateObjects([deployment(2)])).toEqual([]);
  });

  it('rejects a field of the wrong type', async () => {
    const failures = await validateObjects([deployment('two')]);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.object).toBe('apps/v1 Deployment y/x');
    expect(failures[0]!.error).toMatch(/replicas/);
  });

  it('rejects a custom resource that breaks its CRD schema', async () => {
    const rule: KubeObject = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'r', namespace: 'monitoring' },
      spec: { groups: [{ name: 'g', rules: [{ alert: 'A' }] }] },
    };
    const failures = await validateObjects([rule]);
    expect(failures[0]?.error).toMatch(/expr/);
  });

  it('treats an object with no known schema as a failure', async () => {
    const failures = await validateObjects([{ apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 't' } }]);
    expect(failures[0]?.error).toBe('no schema known for this API group');
    expect(modelModuleFor('telemetry.istio.io/v1', 'Telemetry')).toBe('@kubernetes-models/istio/telemetry.istio.io/v1/Telemetry');
  });
});

describe('hardened defaults', () => {
  it('runs as non-root with a read-only root filesystem, no capabilities and RuntimeDefault seccomp', () => {
    expect(podSecurityContext()).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(containerSecurityContext()).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
  });

  it('parses memory quantities', () => {
    expect(memoryBytes('1Gi')).toBe(2 ** 30);
    expect(memoryBytes('512Mi')).toBe(512 * 2 ** 20);
    expect(() => memoryBytes('1GB')).toThrow();
  });
});
