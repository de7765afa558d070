// `meshobs verify` without a cluster: its argument errors, and the two pieces of its logic that need
// no cluster (which Service an in-cluster URL names; whether a label selector selects a pod). What
// it says about a running cluster is proven on a real node (packages/kube-node, the node tier).
import { tempDir } from '@meshobs/testkit';
import { describe, expect, it } from 'vitest';
import { selects, serviceOf } from '../src/verify.ts';
import { meshobs, REPO_CONFIG } from './helpers.ts';

describe('meshobs verify', () => {
  it('refuses a timeout that is not a positive number of seconds, naming the option', async () => {
    for (const t of ['abc', '0', '-5']) {
      const r = await meshobs(tempDir('verify'), 'verify', '--config', REPO_CONFIG, `--timeout=${t}`);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--timeout must be a positive number of seconds, got ${t}`);
    }
  });

  it('is listed with its options', async () => {
    const help = await meshobs(tempDir('verify'), 'verify', '--help');
    expect(help.code).toBe(0);
    for (const o of ['--config FILE', '--context NAME', '--timeout SECONDS']) expect(help.stdout).toContain(o);
  });

  it('reads the Service, namespace and port of an in-cluster address', () => {
    expect(serviceOf('http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090')).toEqual({
      name: 'kube-prometheus-stack-prometheus',
      namespace: 'monitoring',
      port: 9090,
    });
    expect(serviceOf('jaeger-query.observability.svc:16685')).toEqual({ name: 'jaeger-query', namespace: 'observability', port: 16685 });
    expect(() => serviceOf('https://prometheus.example.com')).toThrow('is not an in-cluster Service address');
    // No port: the scheme's (the plain profile's default Prometheus URL).
    expect(serviceOf('http://prometheus-server.monitoring.svc.cluster.local')).toEqual({
      name: 'prometheus-server',
      namespace: 'monitoring',
      port: 80,
    });
    expect(serviceOf('https://prometheus.monitoring.svc/')).toEqual({ name: 'prometheus', namespace: 'monitoring', port: 443 });
  });

  it('evaluates label selectors as Kubernetes does', () => {
    const labels = { app: 'podinfo', version: 'stable' };
    expect(selects(undefined, labels)).toBe(true);
    expect(selects({ matchLabels: { app: 'podinfo' } }, labels)).toBe(true);
    expect(selects({ matchLabels: { app: 'other' } }, labels)).toBe(false);
    expect(selects({ matchExpressions: [{ key: 'istio-prometheus-ignore', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(selects({ matchExpressions: [{ key: 'version', operator: 'In', values: ['canary'] }] }, labels)).toBe(false);
    expect(selects({ matchExpressions: [{ key: 'version', operator: 'NotIn', values: ['canary'] }] }, labels)).toBe(true);
    expect(selects({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, {})).toBe(false);
  });
});
